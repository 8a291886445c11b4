//! `lab run`, `lab status` and `lab teardown` as a student uses them, against a `lab sandbox`
//! process: lesson 1 provisioned and working, run again without duplicates, torn down with
//! nothing left on any service — also after a crash between a create and its journal entry,
//! and when one removal fails.

use std::process::{Command, Output};

use lab_engine::journal::{Journal, Kind, Scope};
use lab_testkit::sandbox_client as client;

use crate::sandbox::SandboxProcess;

/// A `lab sandbox` process and a data directory for the `lab` commands.
pub(crate) struct Lab {
    sandbox: SandboxProcess,
    _sandbox_data: tempfile::TempDir,
    data: tempfile::TempDir,
}

impl Lab {
    pub(crate) fn start() -> Self {
        let sandbox_data = tempfile::tempdir().unwrap();
        let sandbox = SandboxProcess::start(sandbox_data.path());
        Self {
            sandbox,
            _sandbox_data: sandbox_data,
            data: tempfile::tempdir().unwrap(),
        }
    }

    /// The sandbox's URL.
    pub(crate) fn endpoint(&self) -> &str {
        &self.sandbox.endpoint
    }

    /// Runs `lab <args> --endpoint <sandbox>`.
    pub(crate) fn lab(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("lab runs")
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
        command
            .args(args)
            .args(["--endpoint", &self.sandbox.endpoint])
            .env("SERVERLESS_LAB_DATA_DIR", self.data.path());
        command
    }

    fn scope(&self) -> Scope {
        Scope {
            target: format!("sandbox {}", self.sandbox.endpoint),
            account: "000000000000".into(),
            region: "us-east-1".into(),
        }
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(output)
}

/// The value `lab run` printed for the lesson variable `name` (`  NAME=value`).
pub(crate) fn captured(ran: &str, name: &str) -> String {
    let prefix = format!("  {name}=");
    ran.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{name} is captured: {ran}"))
        .to_owned()
}

pub(crate) fn curl(args: &[&str]) -> String {
    let output = Command::new("curl")
        .arg("-sS")
        .args(args)
        .output()
        .expect("curl runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

/// A table keyed by the string `key`, made outside the lab, with `tags`.
pub async fn create_table_by_hand(endpoint: &str, name: &str, key: &str, tags: &[(&str, &str)]) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, Tag,
    };
    let tags = tags
        .iter()
        .map(|(key, value)| Tag::builder().key(*key).value(*value).build().unwrap())
        .collect();
    client!(aws_sdk_dynamodb, endpoint)
        .create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
}

/// Every lab-made resource the sandbox still has, by listing each service.
async fn everything_left(endpoint: &str) -> Vec<String> {
    let mut left = Vec::new();
    let tables = client!(aws_sdk_dynamodb, endpoint)
        .list_tables()
        .send()
        .await
        .unwrap();
    left.extend(
        tables
            .table_names()
            .iter()
            .map(|name| format!("table {name}")),
    );
    let functions = client!(aws_sdk_lambda, endpoint)
        .list_functions()
        .send()
        .await
        .unwrap();
    left.extend(
        functions
            .functions()
            .iter()
            .map(|function| format!("function {}", function.function_name().unwrap_or_default())),
    );
    let apis = client!(aws_sdk_apigatewayv2, endpoint)
        .get_apis()
        .send()
        .await
        .unwrap();
    left.extend(
        apis.items()
            .iter()
            .map(|api| format!("api {}", api.name().unwrap_or_default())),
    );
    let rest_apis = client!(aws_sdk_apigateway, endpoint)
        .get_rest_apis()
        .send()
        .await
        .unwrap();
    left.extend(
        rest_apis
            .items()
            .iter()
            .map(|api| format!("rest api {}", api.name().unwrap_or_default())),
    );
    let rest = client!(aws_sdk_apigateway, endpoint);
    let keys = rest.get_api_keys().send().await.unwrap();
    left.extend(
        keys.items()
            .iter()
            .map(|key| format!("api key {}", key.name().unwrap_or_default())),
    );
    let plans = rest.get_usage_plans().send().await.unwrap();
    left.extend(
        plans
            .items()
            .iter()
            .map(|plan| format!("usage plan {}", plan.name().unwrap_or_default())),
    );
    let pools = client!(aws_sdk_cognitoidentityprovider, endpoint)
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .unwrap();
    left.extend(
        pools
            .user_pools()
            .iter()
            .map(|pool| format!("user pool {}", pool.name().unwrap_or_default())),
    );
    let groups = client!(aws_sdk_cloudwatchlogs, endpoint)
        .describe_log_groups()
        .send()
        .await
        .unwrap();
    left.extend(
        groups
            .log_groups()
            .iter()
            .map(|group| format!("log group {}", group.log_group_name().unwrap_or_default())),
    );
    let buckets = client!(aws_sdk_s3, endpoint)
        .list_buckets()
        .send()
        .await
        .unwrap();
    left.extend(
        buckets
            .buckets()
            .iter()
            .map(|bucket| format!("bucket {}", bucket.name().unwrap_or_default())),
    );
    let roles = client!(aws_sdk_iam, endpoint)
        .list_roles()
        .send()
        .await
        .unwrap();
    left.extend(
        roles
            .roles()
            .iter()
            .filter(|role| role.role_name() != "LabRole")
            .map(|role| format!("role {}", role.role_name())),
    );
    left
}

/// `lab teardown` verifies that nothing is left, and the sandbox agrees.
pub(crate) async fn tears_down_to_nothing(lab: &Lab) {
    let removed = succeeded(&lab.lab(&["teardown"]));
    assert!(
        removed.contains("Verified: nothing of the lab is left"),
        "{removed}"
    );
    assert_eq!(
        everything_left(&lab.sandbox.endpoint).await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lesson_one_runs_works_reruns_and_tears_down_to_nothing() {
    let lab = Lab::start();
    let ran = succeeded(&lab.lab(&["run", "crud-http-api"]));
    assert!(ran.contains("[1/16] Create the table  (table)"), "{ran}");
    assert!(
        ran.contains(
            "  ✓ check: GET http://serverless-lab-000000000000-things-page.s3-website.localhost:"
        ),
        "the web page is served from its bucket: {ran}"
    );
    assert!(ran.contains("    aws dynamodb create-table \\"), "{ran}");
    assert!(
        ran.contains("  ✓ check: table ccbda-lambda-first is ACTIVE"),
        "{ran}"
    );
    assert!(
        ran.contains("  ✓ check: function LambdaCRUD is Active"),
        "{ran}"
    );
    assert!(
        ran.contains("?TableName=ccbda-lambda-first answers 200"),
        "{ran}"
    );
    let url = captured(&ran, "URL");

    // The API works: the lab page's two requests.
    let item = r#"{"TableName": "ccbda-lambda-first", "Item": {"thingID": {"S": "lamp"}}}"#;
    let added = curl(&[
        "-X",
        "POST",
        &url,
        "-H",
        "content-type: application/json",
        "-d",
        item,
    ]);
    assert!(added.contains(r#""HTTPStatusCode":200"#), "{added}");
    let listed = curl(&[&format!("{url}?TableName=ccbda-lambda-first")]);
    assert!(listed.contains(r#"{"thingID":{"S":"lamp"}}"#), "{listed}");

    let status = succeeded(&lab.lab(&["status"]));
    assert!(
        status.contains("crud-http-api: 16/16 steps done"),
        "{status}"
    );
    assert_eq!(status.matches("crud-http-api / ").count(), 6, "{status}");

    // Running again runs only the last step: the steps done are listed, not redone, and
    // nothing is duplicated.
    let again = succeeded(&lab.lab(&["run", "crud-http-api"]));
    assert!(
        again.contains("Create the table  (table): done before"),
        "{again}"
    );
    assert!(!again.contains("done: table"), "{again}");
    let status = succeeded(&lab.lab(&["status"]));
    assert_eq!(status.matches("crud-http-api / ").count(), 6, "{status}");
    let buckets = client!(aws_sdk_s3, &lab.sandbox.endpoint)
        .list_buckets()
        .send()
        .await
        .unwrap();
    assert_eq!(
        buckets.buckets().len(),
        1,
        "the rerun made no second bucket"
    );
    let apis = client!(aws_sdk_apigatewayv2, &lab.sandbox.endpoint)
        .get_apis()
        .send()
        .await
        .unwrap();
    assert_eq!(apis.items().len(), 1);

    let plan = succeeded(&lab.lab(&["teardown", "--dry-run"]));
    assert!(
        plan.starts_with("Plan (6 resources, in this order):\n  api "),
        "{plan}"
    );
    assert!(everything_left(&lab.sandbox.endpoint).await.len() >= 4);

    tears_down_to_nothing(&lab).await;
    let status = succeeded(&lab.lab(&["status"]));
    assert!(status.contains("No lab resources."), "{status}");
    assert!(
        status.contains("crud-http-api: 0/16 steps done"),
        "{status}"
    );
    let again = succeeded(&lab.lab(&["teardown"]));
    assert!(again.starts_with("Nothing to remove"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_manager_lesson_builds_a_rest_api_that_works_and_tears_down_to_nothing() {
    let lab = Lab::start();
    let ran = succeeded(&lab.lab(&["run", "dynamodb-manager", "--load-duration", "2s"]));
    assert!(
        ran.contains("    aws apigateway create-rest-api \\"),
        "{ran}"
    );
    assert!(
        ran.contains("    aws apigateway put-integration-response \\"),
        "{ran}"
    );
    assert!(
        ran.contains("/DynamoDBManager with {\"operation\": \"ping\"} answers 200"),
        "{ran}"
    );
    let url = captured(&ran, "URL");
    assert!(url.ends_with("/Prod/DynamoDBManager"), "{url}");

    // The performance part: a run at 128 MB, the memory raised, the same run compared with it.
    for expected in [
        "load test \"128 MB\": 5 virtual users, 2 s, fixed",
        "function LambdaFunctionOverHttps now has 1024 MB of memory",
        "load test \"1024 MB\"",
        "(previous run ",
        "REST API requests",
        "✓ check: load test: errors < 1% — errors were 0.00 %",
    ] {
        assert!(ran.contains(expected), "{expected:?} in {ran}");
    }
    let runs = lab_engine::load::store::list(lab.data.path());
    let labels: Vec<_> = runs.iter().filter_map(|run| run.label.as_deref()).collect();
    assert_eq!(labels, ["128 MB", "1024 MB"]);
    for run in &runs {
        assert!(run.summary.requests > 0, "{run:?}");
        let usage = run
            .estimate
            .as_ref()
            .and_then(|e| e.lambda)
            .unwrap_or_default();
        assert!(
            usage.invocations > 0,
            "the function's REPORT lines price the run: {run:?}"
        );
    }
    let memory = runs[1]
        .estimate
        .as_ref()
        .and_then(|e| e.lambda)
        .unwrap_or_default();
    assert_eq!(memory.memory_mb, 1024);

    // The tutorial's curl calls: create, then list; a missing table is the 400 response.
    let create = r#"{"operation":"create","tableName":"lambda-apigateway","payload":{"Item":{"id":"1","name":"Bob"}}}"#;
    let created = curl(&["-X", "POST", &url, "-d", create]);
    assert!(created.contains(r#""HTTPStatusCode":200"#), "{created}");
    let list = r#"{"operation":"list","tableName":"lambda-apigateway","payload":{}}"#;
    let listed = curl(&["-X", "POST", &url, "-d", list]);
    assert!(listed.contains(r#"{"id":"1","name":"Bob"}"#), "{listed}");
    let missing = r#"{"operation":"list","tableName":"no-such-table","payload":{}}"#;
    let refused = curl(&[
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-X",
        "POST",
        &url,
        "-d",
        missing,
    ]);
    assert_eq!(refused, "400");

    // Running again reuses the API rather than making a second one.
    succeeded(&lab.lab(&["run", "dynamodb-manager", "--until", "method"]));
    let apis = client!(aws_sdk_apigateway, &lab.sandbox.endpoint)
        .get_rest_apis()
        .send()
        .await
        .unwrap();
    assert_eq!(apis.items().len(), 1);

    let plan = succeeded(&lab.lab(&["teardown", "--dry-run"]));
    assert!(plan.contains("  rest-api "), "{plan}");
    tears_down_to_nothing(&lab).await;
}

/// The tutorial's own Python function, chosen instead of the lab's Rust one: deployed from its
/// sources with the Python runtime, it serves the same API; choosing Rust again and rerunning
/// the step switches the function back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_manager_lesson_deploys_the_tutorials_python_when_chosen() {
    let lab = Lab::start();
    let ran = succeeded(&lab.lab(&[
        "run",
        "dynamodb-manager",
        "--choose",
        "FUNCTION_CODE=ddb-manager-py",
        "--until",
        "deploy",
    ]));
    assert!(ran.contains("--runtime python3.12"), "{ran}");
    assert!(
        ran.contains("--zip-file fileb://ddb-manager-py.zip"),
        "{ran}"
    );
    let url = captured(&ran, "URL");
    let create = r#"{"operation":"create","tableName":"lambda-apigateway","payload":{"Item":{"id":"7","name":"Ada"}}}"#;
    let created = curl(&["-X", "POST", &url, "-d", create]);
    assert!(
        created.contains(r#""HTTPStatusCode": 200"#),
        "boto3's answer: {created}"
    );
    let read =
        r#"{"operation":"read","tableName":"lambda-apigateway","payload":{"Key":{"id":"7"}}}"#;
    let item = curl(&["-X", "POST", &url, "-d", read]);
    assert!(item.contains(r#""name": "Ada""#), "{item}");
    let lambda = client!(aws_sdk_lambda, &lab.sandbox.endpoint);
    let runtime = |configuration: aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput| {
        configuration.runtime().map(|r| r.as_str().to_owned()).unwrap_or_default()
    };
    let python = lambda
        .get_function_configuration()
        .function_name("LambdaFunctionOverHttps")
        .send()
        .await
        .unwrap();
    assert_eq!(runtime(python), "python3.12");

    succeeded(&lab.lab(&[
        "run",
        "dynamodb-manager",
        "--choose",
        "FUNCTION_CODE=ddb-manager",
        "--until",
        "function",
    ]));
    let rust = lambda
        .get_function_configuration()
        .function_name("LambdaFunctionOverHttps")
        .send()
        .await
        .unwrap();
    assert_eq!(runtime(rust), "provided.al2023");
    let created = curl(&["-X", "POST", &url, "-d", create]);
    assert!(
        created.contains(r#""HTTPStatusCode":200"#),
        "the Rust function's answer: {created}"
    );

    let refused = lab.lab(&["run", "dynamodb-manager", "--choose", "FUNCTION_CODE=java"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("FUNCTION_CODE is one of ddb-manager, ddb-manager-py"),
        "{message}"
    );
    tears_down_to_nothing(&lab).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_lesson_runs_pushes_positions_and_tears_down_to_nothing() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let lab = Lab::start();
    let ran = succeeded(&lab.lab(&["run", "websocket-api"]));
    assert!(
        ran.contains("sends hello! receives \"init\""),
        "the stage's check connects and gets the init message: {ran}"
    );
    assert!(
        ran.contains("✓ check: invoking WsBroadcast succeeds"),
        "{ran}"
    );
    assert!(ran.contains("    wscat -c "), "{ran}");
    assert!(
        ran.contains("aws lambda invoke --function-name WsBroadcast"),
        "{ran}"
    );
    let url = captured(&ran, "WS_URL");
    assert!(url.starts_with("ws://") && url.ends_with("/prod"), "{url}");

    // Two clients: hello! gets the init message; a broadcast reaches both.
    let (mut first, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut second, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    async fn next_text(
        socket: &mut (
                 impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin
             ),
    ) -> String {
        loop {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(20), socket.next())
                .await
                .expect("a frame within 20 s")
                .unwrap()
                .unwrap();
            if let Message::Text(text) = frame {
                return text.to_string();
            }
        }
    }
    first.send(Message::text("hello!")).await.unwrap();
    assert!(next_text(&mut first).await.contains(r#""type":"init""#));
    let positions = r#"{"positions": [{"flight": "IB3202", "lat": 40.47, "lon": -3.56}]}"#;
    let invoked = client!(aws_sdk_lambda, &lab.sandbox.endpoint)
        .invoke()
        .function_name("WsBroadcast")
        .payload(aws_sdk_lambda::primitives::Blob::new(positions))
        .send()
        .await
        .unwrap();
    assert_eq!(invoked.function_error(), None);
    let tally = String::from_utf8_lossy(invoked.payload().unwrap().as_ref()).into_owned();
    assert!(tally.contains(r#""sent":2"#), "{tally}");
    for socket in [&mut first, &mut second] {
        assert!(next_text(socket).await.contains("IB3202"));
    }
    first.close(None).await.unwrap();
    second.close(None).await.unwrap();

    tears_down_to_nothing(&lab).await;
}

#[test]
fn answers_go_into_the_report() {
    let lab = Lab::start();
    let lab_command = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(args)
            .env("SERVERLESS_LAB_DATA_DIR", lab.data.path())
            .output()
            .unwrap()
    };
    succeeded(&lab.lab(&["run", "crud-http-api", "--until", "table"]));
    let saved = succeeded(&lab_command(&[
        "answer",
        "crud-http-api",
        "Q812",
        "Every invocation logs START, END and REPORT.",
    ]));
    assert!(saved.starts_with("Saved your answer to Q812"), "{saved}");
    let wrong = lab_command(&["answer", "crud-http-api", "Q9", "x"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr)
            .contains("has no question \"Q9\" (it has: Q811, Q812, time-spent)")
    );

    let file = lab.data.path().join("README.md");
    succeeded(&lab_command(&[
        "report",
        "--output",
        file.to_str().unwrap(),
    ]));
    let page = std::fs::read_to_string(file).unwrap();
    assert!(
        page.starts_with("# Serverless Lab report\n\n## A CRUD API"),
        "{page}"
    );
    assert!(page.contains(": 1/16 steps, "), "{page}");
    assert!(
        page.contains("> Every invocation logs START, END and REPORT."),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_follows_an_intent_whose_outcome_was_never_written() {
    let lab = Lab::start();
    // As if the engine crashed right after CreateApi: the API exists, the journal only has the
    // intent (no id).
    let apigw = client!(aws_sdk_apigatewayv2, &lab.sandbox.endpoint);
    apigw
        .create_api()
        .name("CrudHttpAPI")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .tags("serverless-lab:lesson", "crud-http-api")
        .send()
        .await
        .unwrap();
    {
        let journal = Journal::open(lab.data.path()).unwrap();
        journal
            .intent(
                &lab.scope(),
                Kind::Api,
                "CrudHttpAPI",
                None,
                "crud-http-api",
                "api",
            )
            .unwrap();
    }
    let removed = succeeded(&lab.lab(&["teardown"]));
    assert!(
        removed.contains("api        CrudHttpAPI: deleted"),
        "{removed}"
    );
    assert_eq!(
        everything_left(&lab.sandbox.endpoint).await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_json_prints_one_event_per_line() {
    let lab = Lab::start();
    let output = succeeded(&lab.lab(&["run", "crud-http-api", "--until", "function", "--json"]));
    let events: Vec<serde_json::Value> = output
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(events[0]["event"], "step-started");
    assert_eq!(events[0]["id"], "table");
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "checked" && e["verdict"]["passed"] == true)
    );
    let last = events.last().unwrap();
    assert_eq!(last["event"], "finished");
    assert!(
        last["variables"]["LAMBDA_ARN"]
            .as_str()
            .unwrap()
            .ends_with(":function:LambdaCRUD")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_resources_missing_from_the_journal_are_found_by_their_tags() {
    let lab = Lab::start();
    let tags = [
        ("serverless-lab:lesson", "crud-http-api"),
        ("serverless-lab:target", "sandbox"),
    ];
    create_table_by_hand(&lab.sandbox.endpoint, "made-elsewhere", "id", &tags).await;

    let plan = succeeded(&lab.lab(&["teardown", "--dry-run"]));
    assert!(
        plan.contains("table      made-elsewhere  (found by its tags)"),
        "{plan}"
    );
    let removed = succeeded(&lab.lab(&["teardown"]));
    assert!(
        removed.contains("table      made-elsewhere: deleted"),
        "{removed}"
    );
    assert_eq!(
        everything_left(&lab.sandbox.endpoint).await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_lab_role_the_lesson_makes_a_least_privilege_role_that_teardown_removes() {
    let lab = Lab::start();
    let iam = client!(aws_sdk_iam, &lab.sandbox.endpoint);
    iam.delete_role().role_name("LabRole").send().await.unwrap();

    let ran = succeeded(&lab.lab(&["run", "crud-http-api", "--until", "function"]));
    assert!(
        ran.contains("done: LabRole does not exist here: created serverless-lab-crud-http-api"),
        "{ran}"
    );
    assert!(ran.contains("aws iam create-role"), "{ran}");
    assert!(ran.contains("aws iam put-role-policy"), "{ran}");
    let role_arn = "arn:aws:iam::000000000000:role/serverless-lab/serverless-lab-crud-http-api";
    assert!(ran.contains(&format!("ROLE_ARN={role_arn}")), "{ran}");
    let function = client!(aws_sdk_lambda, &lab.sandbox.endpoint)
        .get_function_configuration()
        .function_name("LambdaCRUD")
        .send()
        .await
        .unwrap();
    assert_eq!(function.role(), Some(role_arn));
    let policy = iam
        .get_role_policy()
        .role_name("serverless-lab-crud-http-api")
        .policy_name("serverless-lab-access")
        .send()
        .await
        .unwrap();
    let document = policy.policy_document();
    assert!(
        document.contains("table%2Fccbda-lambda-first")
            && document.contains("%2Faws%2Flambda%2FLambdaCRUD"),
        "{document}"
    );

    // A second run adopts the role instead of failing on it.
    succeeded(&lab.lab(&["run", "crud-http-api", "--until", "function"]));
    let journal = Journal::open(lab.data.path()).unwrap();
    let roles: Vec<_> = journal
        .live(&lab.scope())
        .unwrap()
        .into_iter()
        .filter(|resource| resource.kind == Kind::Role)
        .collect();
    assert_eq!(roles.len(), 1, "{roles:?}");

    // The role goes last, after its policy; a lost journal still finds it by its path and tags.
    drop(journal);
    for file in ["journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"] {
        let _ = std::fs::remove_file(lab.data.path().join(file));
    }
    let plan = succeeded(&lab.lab(&["teardown", "--dry-run"]));
    let last = plan
        .lines()
        .rfind(|line| line.trim_start().starts_with("role") || line.contains("table "))
        .unwrap_or_default();
    assert!(last.contains("serverless-lab-crud-http-api"), "{plan}");
    let removed = succeeded(&lab.lab(&["teardown"]));
    assert!(
        removed.contains("serverless-lab-crud-http-api: deleted"),
        "{removed}"
    );
    assert_eq!(
        everything_left(&lab.sandbox.endpoint).await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_removal_is_reported_and_a_second_teardown_finishes() {
    let lab = Lab::start();
    succeeded(&lab.lab(&["run", "crud-http-api", "--until", "function"]));
    let dynamodb = client!(aws_sdk_dynamodb, &lab.sandbox.endpoint);
    dynamodb
        .update_table()
        .table_name("ccbda-lambda-first")
        .deletion_protection_enabled(true)
        .send()
        .await
        .unwrap();
    // Someone removed the function by hand.
    client!(aws_sdk_lambda, &lab.sandbox.endpoint)
        .delete_function()
        .function_name("LambdaCRUD")
        .send()
        .await
        .unwrap();

    let first = lab.lab(&["teardown"]);
    assert_eq!(first.status.code(), Some(1));
    let text = stdout(&first);
    assert!(
        text.contains("function   LambdaCRUD: already gone"),
        "{text}"
    );
    assert!(
        text.contains("table      ccbda-lambda-first: FAILED: "),
        "{text}"
    );
    assert!(
        String::from_utf8_lossy(&first.stderr)
            .contains("teardown is incomplete; run `lab teardown` again"),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    dynamodb
        .update_table()
        .table_name("ccbda-lambda-first")
        .deletion_protection_enabled(false)
        .send()
        .await
        .unwrap();
    let second = succeeded(&lab.lab(&["teardown"]));
    assert!(second.starts_with("Plan (1 resources"), "{second}");
    assert!(second.contains("Verified"), "{second}");
    assert_eq!(
        everything_left(&lab.sandbox.endpoint).await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_resource_is_reported_not_adopted() {
    let lab = Lab::start();
    create_table_by_hand(&lab.sandbox.endpoint, "ccbda-lambda-first", "id", &[]).await;
    let output = lab.lab(&["run", "crud-http-api"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("step \"table\": a table named ccbda-lambda-first exists already with the key (id), not (thingID)"),
        "{text}"
    );
    assert_eq!(
        text.matches("exists already").count(),
        1,
        "the error is printed once: {text}"
    );
    // Not the lab's: teardown leaves it alone.
    let status = succeeded(&lab.lab(&["status"]));
    assert!(status.contains("No lab resources."), "{status}");
}

#[test]
fn a_function_that_is_not_packaged_stops_the_lesson_with_the_window_s_advice() {
    let lab = Lab::start();
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["run", "crud-http-api", "--endpoint", &lab.sandbox.endpoint])
        .env("SERVERLESS_LAB_DATA_DIR", lab.data.path())
        .env("SERVERLESS_LAB_LAMBDA_DIR", empty.path())
        .output()
        .expect("lab runs");
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("is not built (no crud/bootstrap.zip"),
        "the cause: {text}"
    );
    assert!(
        text.contains(
            "What to do: The lab's functions are not packaged yet: run `make lambdas` in the project"
        ),
        "the remedy: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_made_before_the_lesson_is_adopted_and_kept_by_teardown() {
    let lab = Lab::start();
    // Task 8.1 done by hand first: the lesson's table, with three items, without the lab's tags.
    let endpoint = &lab.sandbox.endpoint;
    create_table_by_hand(endpoint, "ccbda-lambda-first", "thingID", &[]).await;
    let dynamodb = client!(aws_sdk_dynamodb, endpoint);
    for thing in ["lamp", "desk", "chair"] {
        dynamodb
            .put_item()
            .table_name("ccbda-lambda-first")
            .item(
                "thingID",
                aws_sdk_dynamodb::types::AttributeValue::S(thing.into()),
            )
            .send()
            .await
            .unwrap();
    }
    let items = || async {
        dynamodb
            .scan()
            .table_name("ccbda-lambda-first")
            .send()
            .await
            .map(|scan| scan.count())
    };

    let ran = succeeded(&lab.lab(&["run", "crud-http-api"]));
    assert!(
        ran.contains("  adopted: table ccbda-lambda-first (existed before; teardown keeps it)\n"),
        "{ran}"
    );
    assert!(!ran.contains("  done: table ccbda-lambda-first"), "{ran}");
    let status = succeeded(&lab.lab(&["status"]));
    assert!(status.contains("adopted (teardown keeps it)"), "{status}");

    let plan = succeeded(&lab.lab(&["teardown", "--dry-run"]));
    assert!(
        plan.starts_with(
            "Kept: existed before the lesson (1):\n  table      ccbda-lambda-first  \
             (adopted by crud-http-api / table, 3 items)\n"
        ),
        "{plan}"
    );
    assert!(
        plan.contains("Plan (5 resources, in this order):"),
        "{plan}"
    );
    let removed = succeeded(&lab.lab(&["teardown", "--yes"]));
    assert!(
        !removed.contains("ccbda-lambda-first: deleted"),
        "{removed}"
    );
    assert!(
        removed.contains("Verified: nothing the lab created is left on sandbox http://127.0.0.1:")
            && removed
                .contains("kept, as they existed before the lessons: table ccbda-lambda-first."),
        "{removed}"
    );
    assert_eq!(
        items().await.unwrap(),
        3,
        "the student's items are all there"
    );
    assert_eq!(
        everything_left(endpoint).await,
        ["table ccbda-lambda-first"]
    );

    // Deleting it takes its name and a confirmation that says what it holds.
    let unknown = lab.lab(&["teardown", "--delete-adopted", "ccbda-lambda"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("ccbda-lambda is not among what teardown keeps (ccbda-lambda-first)"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    let unconfirmed = lab.lab(&["teardown", "--delete-adopted", "ccbda-lambda-first"]);
    assert_eq!(unconfirmed.status.code(), Some(1));
    let asked = String::from_utf8_lossy(&unconfirmed.stderr);
    assert!(
        asked.contains(
            "table ccbda-lambda-first with its 3 items existed before the lesson. Delete it for good? [y/N]"
        ) && asked.contains("stopped: nothing was removed"),
        "{asked}"
    );
    assert_eq!(items().await.unwrap(), 3);
    let deleted = succeeded(&lab.lab(&[
        "teardown",
        "--delete-adopted",
        "ccbda-lambda-first",
        "--yes",
    ]));
    assert!(
        deleted.contains(
            "table      ccbda-lambda-first  (existed before the lesson: deleted as asked)"
        ) && deleted.contains("table      ccbda-lambda-first: deleted")
            && deleted.contains("Verified: nothing of the lab is left"),
        "{deleted}"
    );
    assert_eq!(everything_left(endpoint).await, Vec::<String>::new());
}

#[test]
fn an_unknown_step_or_lesson_is_refused() {
    let lab = Lab::start();
    let output = lab.lab(&["run", "crud-http-api", "--until", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no step \"nope\""));
    let output = lab.lab(&["run", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no lesson \"nope\""));
}

/// `lab` on `--target aws`, its AWS configuration only from the environment: credentials when
/// given, the sandbox as the endpoint (`AWS_ENDPOINT_URL`), no `~/.aws`, no instance metadata.
fn lab_on_aws(lab: &Lab, args: &[&str], credentials: bool) -> Output {
    let home = lab.data.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
    command
        .args(args)
        .args(["--target", "aws", "--region", "us-east-1"])
        .env("SERVERLESS_LAB_DATA_DIR", lab.data.path())
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_ENDPOINT_URL", &lab.sandbox.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .stdin(std::process::Stdio::null());
    if credentials {
        command
            .env("AWS_ACCESS_KEY_ID", "ASIAACADEMY")
            .env("AWS_SECRET_ACCESS_KEY", "academy-secret")
            .env("AWS_SESSION_TOKEN", "academy-session");
    }
    command.output().expect("lab runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_target_runs_through_the_standard_credential_chain() {
    let lab = Lab::start();

    // Nothing is created in an account without a yes.
    let refused = lab_on_aws(&lab, &["run", "crud-http-api"], true);
    assert_eq!(refused.status.code(), Some(1));
    let text = String::from_utf8_lossy(&refused.stderr);
    assert!(
        text.contains("This creates resources in AWS account 000000000000 (us-east-1). Continue?"),
        "{text}"
    );
    assert!(text.contains("stopped: nothing was created"), "{text}");
    assert_eq!(
        everything_left(&lab.sandbox.endpoint).await,
        Vec::<String>::new()
    );

    let ran = succeeded(&lab_on_aws(
        &lab,
        &["run", "crud-http-api", "--until", "api", "--yes"],
        true,
    ));
    assert!(
        ran.contains("on aws (account 000000000000, us-east-1)"),
        "{ran}"
    );
    assert!(
        ran.contains("--tags serverless-lab:lesson=crud-http-api,serverless-lab:target=aws"),
        "{ran}"
    );
    assert!(!ran.contains("--endpoint-url"), "{ran}");
    let status = succeeded(&lab_on_aws(&lab, &["status"], true));
    assert!(
        status.contains("crud-http-api: 5/16 steps done"),
        "{status}"
    );

    let removed = succeeded(&lab_on_aws(&lab, &["teardown", "--yes"], true));
    assert!(
        removed.contains("Verified: nothing of the lab is left on aws."),
        "{removed}"
    );
    assert_eq!(
        everything_left(&lab.sandbox.endpoint).await,
        Vec::<String>::new()
    );

    let without = lab_on_aws(&lab, &["status"], false);
    assert_eq!(without.status.code(), Some(1));
    let text = String::from_utf8_lossy(&without.stderr);
    assert!(
        text.contains("the AWS credentials are missing or expired"),
        "{text}"
    );
    assert!(text.contains("AWS Academy"), "{text}");
}
