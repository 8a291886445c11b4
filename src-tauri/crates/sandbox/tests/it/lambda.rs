//! Lambda through the real SDK client: functions run as real processes (Python handlers, and a
//! `provided` runtime whose bootstrap is a script), with AWS's answers for results, errors,
//! timeouts, crashes and init failures, and their logs in CloudWatch Logs.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, InvocationType, LogType, Runtime, State};
use base64::Engine as _;
use lab_sandbox::lambda::package::zip_files;

use crate::fixture::Sandbox;

const ROLE: &str = "arn:aws:iam::000000000000:role/LabRole";

const HANDLER: &str = r#"
import json, os, time

def handler(event, context):
    print("got", json.dumps(event))
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("exit"):
        os._exit(event["exit"])
    return {
        "echo": event,
        "function": context.function_name,
        "region": os.environ["AWS_REGION"],
        "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
        "greeting": os.environ.get("GREETING"),
        "remaining_ms_positive": context.get_remaining_time_in_millis() > 0,
    }
"#;

/// A `provided.al2023` bootstrap: a Python script speaking the Runtime API itself.
const BOOTSTRAP: &str = r#"#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    body = json.dumps({"bootstrap": True, "n": event.get("n", 0) + 1}).encode()
    urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=body, method="POST")).read()
"#;

fn python_zip(source: &str) -> Blob {
    Blob::new(zip_files(&[(
        "lambda_function.py",
        source.as_bytes(),
        0o644,
    )]))
}

async fn create_python(client: &aws_sdk_lambda::Client, name: &str, source: &str, timeout: i32) {
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("lambda_function.handler")
        .timeout(timeout)
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("GREETING", "hello")
                .build(),
        )
        .code(FunctionCode::builder().zip_file(python_zip(source)).build())
        .send()
        .await
        .unwrap();
}

fn payload_json(output: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> serde_json::Value {
    serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap()
}

/// Invokes LambdaCRUD with an empty event.
async fn invoke_crud(client: &aws_sdk_lambda::Client) {
    client
        .invoke()
        .function_name("LambdaCRUD")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
}

/// The course's LambdaCRUD as a Python function ([`HANDLER`]) with `GREETING=hello`.
async fn python_crud(
    client: &aws_sdk_lambda::Client,
) -> aws_sdk_lambda::operation::create_function::CreateFunctionOutput {
    client
        .create_function()
        .function_name("LambdaCRUD")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("lambda_function.handler")
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("GREETING", "hello")
                .build(),
        )
        .code(
            FunctionCode::builder()
                .zip_file(python_zip(HANDLER))
                .build(),
        )
        .send()
        .await
        .unwrap()
}

/// CreateFunction answers Pending; the configuration then reads Active, 3 s and 128 MB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_function_is_pending_then_active_with_aws_defaults() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    let created = python_crud(&client).await;
    assert_eq!(created.state(), Some(&State::Pending));
    assert_eq!(
        created.function_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:LambdaCRUD")
    );
    let configuration = client
        .get_function_configuration()
        .function_name("LambdaCRUD")
        .send()
        .await
        .unwrap();
    assert_eq!(configuration.state(), Some(&State::Active));
    assert_eq!(configuration.timeout(), Some(3));
    assert_eq!(configuration.memory_size(), Some(128));
}

/// The handler sees its event, context and variables; the tail log has the platform's lines and the cold start's Init Duration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invocation_answers_with_its_tail_log() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    python_crud(&client).await;
    let output = client
        .invoke()
        .function_name("LambdaCRUD")
        .payload(Blob::new(r#"{"thingID": "lamp"}"#))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(output.status_code(), 200);
    assert_eq!(output.function_error(), None);
    assert_eq!(output.executed_version(), Some("$LATEST"));
    let answer = payload_json(&output);
    assert_eq!(answer["echo"]["thingID"], "lamp");
    assert_eq!(answer["function"], "LambdaCRUD");
    assert_eq!(answer["greeting"], "hello");
    assert_eq!(answer["endpoint"], sandbox.running.endpoint());
    assert_eq!(answer["remaining_ms_positive"], true);
    let tail = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(output.log_result().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(tail.contains("START RequestId: "), "{tail}");
    assert!(tail.contains("got {\"thingID\": \"lamp\"}"), "{tail}");
    assert!(tail.contains("END RequestId: "), "{tail}");
    assert!(
        tail.contains("\tBilled Duration: ") && tail.contains("\tInit Duration: "),
        "{tail}"
    );
}

/// A second invocation reuses the environment: no Init Duration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_invocation_reports_no_init() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    python_crud(&client).await;
    invoke_crud(&client).await;
    // A warm second invocation reuses the environment: no Init Duration.
    let second = client
        .invoke()
        .function_name("LambdaCRUD")
        .payload(Blob::new("{}"))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    let tail = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(second.log_result().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(!tail.contains("Init Duration"), "{tail}");
}

/// Each invocation's lines go to `/aws/lambda/{name}`, in a `[$LATEST]` stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_log_to_the_function_s_group() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    python_crud(&client).await;
    invoke_crud(&client).await;
    invoke_crud(&client).await;
    // The same lines are in CloudWatch Logs, in the function's group.
    let logs = sandbox.logs();
    let streams = logs
        .describe_log_streams()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .send()
        .await
        .unwrap();
    let stream = streams.log_streams()[0]
        .log_stream_name()
        .unwrap()
        .to_owned();
    assert!(stream.contains("/[$LATEST]"), "{stream}");
    let mut reports = 0;
    for _ in 0..50 {
        let events = logs
            .filter_log_events()
            .log_group_name("/aws/lambda/LambdaCRUD")
            .filter_pattern("REPORT")
            .send()
            .await
            .unwrap();
        reports = events.events().len();
        if reports == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(reports, 2);
}

/// A DryRun answers 204, an Event invocation 202.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_runs_and_events_are_answered_at_once() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    python_crud(&client).await;
    let dry = client
        .invoke()
        .function_name("LambdaCRUD")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status_code(), 204);
    let queued = client
        .invoke()
        .function_name("LambdaCRUD")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status_code(), 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_timeouts_crashes_and_init_failures_answer_as_aws_does() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "moody", HANDLER, 1).await;

    let failed = client
        .invoke()
        .function_name("moody")
        .payload(Blob::new(r#"{"fail": true}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.function_error(), Some("Unhandled"));
    let error = payload_json(&failed);
    assert_eq!(error["errorType"], "ValueError");
    assert_eq!(error["errorMessage"], "asked to fail");
    assert!(error["stackTrace"].is_array());

    let slow = client
        .invoke()
        .function_name("moody")
        .payload(Blob::new(r#"{"sleep": 5}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(slow.function_error(), Some("Unhandled"));
    let message = payload_json(&slow)["errorMessage"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.ends_with("Task timed out after 1.00 seconds"),
        "{message}"
    );

    let crashed = client
        .invoke()
        .function_name("moody")
        .payload(Blob::new(r#"{"exit": 3}"#))
        .send()
        .await
        .unwrap();
    let error = payload_json(&crashed);
    assert_eq!(error["errorType"], "Runtime.ExitError");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Runtime exited with error: exit status 3"),
        "{error}"
    );

    // After a timeout and a crash, a fresh environment serves the next call.
    let fine = client
        .invoke()
        .function_name("moody")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.function_error(), None);

    create_python(&client, "broken", "import does_not_exist\n", 3).await;
    let broken = client
        .invoke()
        .function_name("broken")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(broken.function_error(), Some("Unhandled"));
    let error = payload_json(&broken);
    assert_eq!(error["errorType"], "Runtime.ImportModuleError");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap()
            .contains("No module named 'does_not_exist'"),
        "{error}"
    );
}

/// What DynamoDB's boto3 resource hands a function: numbers as Decimal.
const MARSHALLING: &str = r#"
from decimal import Decimal

def handler(event, context):
    if event.get("set"):
        return {"tags": {"a"}}
    if event.get("fail"):
        return {}["missing"]
    if event.get("bytes"):
        return b"raw bytes"
    return {"price": Decimal("1.50"), "count": Decimal("12345678901234567890"), "name": "café"}
"#;

fn tail_of(output: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> String {
    let tail = base64::engine::general_purpose::STANDARD
        .decode(output.log_result().unwrap())
        .unwrap();
    String::from_utf8(tail).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_answers_marshal_and_fail_as_aws_runtime_does() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "marshal", MARSHALLING, 3).await;
    let invoke = |payload: &'static str| {
        client
            .invoke()
            .function_name("marshal")
            .log_type(LogType::Tail)
            .payload(Blob::new(payload))
            .send()
    };

    let numbers = invoke("{}").await.unwrap();
    assert_eq!(numbers.function_error(), None);
    assert_eq!(
        std::str::from_utf8(numbers.payload().unwrap().as_ref()).unwrap(),
        r#"{"price": 1.50, "count": 12345678901234567890, "name": "café"}"#,
        "a Decimal is the number it holds; python3.12 keeps non-ASCII text as it is"
    );
    let raw = invoke(r#"{"bytes": true}"#).await.unwrap();
    assert_eq!(raw.payload().unwrap().as_ref(), b"raw bytes");

    let unmarshallable = invoke(r#"{"set": true}"#).await.unwrap();
    assert_eq!(unmarshallable.function_error(), Some("Unhandled"));
    let error = payload_json(&unmarshallable);
    assert_eq!(error["errorType"], "Runtime.MarshalError");
    assert_eq!(
        error["errorMessage"],
        "Unable to marshal response: Object of type set is not JSON serializable"
    );
    assert_eq!(error["stackTrace"], serde_json::json!([]));
    assert!(
        error["requestId"].as_str().is_some_and(|id| id.len() == 36),
        "{error}"
    );
    assert!(
        tail_of(&unmarshallable).contains(
            "[ERROR] Runtime.MarshalError: Unable to marshal response: Object of type set is not JSON serializable\rTraceback (most recent call last):\n"
        ),
        "{}",
        tail_of(&unmarshallable)
    );

    // A handler's exception: its own frames only, logged as one event.
    let failed = invoke(r#"{"fail": true}"#).await.unwrap();
    let error = payload_json(&failed);
    assert_eq!(error["errorType"], "KeyError");
    assert_eq!(error["errorMessage"], "'missing'");
    let stack = error["stackTrace"].as_array().unwrap();
    assert_eq!(stack.len(), 1, "{error}");
    let frame = stack[0].as_str().unwrap();
    assert!(
        frame.starts_with("  File \"")
            && frame
                .contains("lambda_function.py\", line 8, in handler\n    return {}[\"missing\"]"),
        "{error}"
    );
    let tail = tail_of(&failed);
    assert!(
        tail.contains(
            "[ERROR] KeyError: 'missing'\rTraceback (most recent call last):\r\u{a0}\u{a0}File "
        ),
        "{tail}"
    );
    assert!(!tail.contains("python_runtime"), "{tail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_has_its_own_limit_outside_the_function_timeout() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    // Two seconds of imports, a one-second timeout: on AWS the invocation succeeds.
    create_python(
        &client,
        "slow-start",
        "import time\ntime.sleep(2)\n\ndef handler(event, context):\n    return {\"remaining\": context.get_remaining_time_in_millis()}\n",
        1,
    )
    .await;
    let first = client
        .invoke()
        .function_name("slow-start")
        .log_type(LogType::Tail)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.function_error(), None, "{:?}", first.payload());
    assert!(
        payload_json(&first)["remaining"].as_i64().unwrap() > 500,
        "the deadline starts after init"
    );
    let tail = tail_of(&first);
    let report = tail
        .lines()
        .find(|line| line.starts_with("REPORT"))
        .unwrap_or_else(|| panic!("{tail}"));
    let field = |name: &str| -> f64 {
        report
            .split('\t')
            .find_map(|part| part.strip_prefix(&format!("{name}: ")))
            .and_then(|value| value.trim_end_matches(" ms").parse().ok())
            .unwrap_or_else(|| panic!("{name} in {report}"))
    };
    assert!(field("Init Duration") >= 2000.0, "{report}");
    assert!(field("Duration") < 1000.0, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provided_runtimes_run_their_bootstrap() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    client
        .create_function()
        .function_name("native")
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(zip_files(&[(
                    "bootstrap",
                    BOOTSTRAP.as_bytes(),
                    0o755,
                )])))
                .build(),
        )
        .send()
        .await
        .unwrap();
    for n in 0..3 {
        let output = client
            .invoke()
            .function_name("native")
            .payload(Blob::new(format!(r#"{{"n": {n}}}"#)))
            .send()
            .await
            .unwrap();
        assert_eq!(
            payload_json(&output),
            serde_json::json!({"bootstrap": true, "n": n + 1})
        );
    }
}

/// A second function of the same name and a role that is not an ARN are refused with AWS's
/// errors; a package without its entry point is accepted and its invocations fail as AWS's do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_or_a_badly_roled_function_is_refused_and_a_missing_entry_point_fails_its_invocations()
 {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "first", HANDLER, 3).await;

    let duplicate = client
        .create_function()
        .function_name("first")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("lambda_function.handler")
        .code(
            FunctionCode::builder()
                .zip_file(python_zip(HANDLER))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(duplicate.is_resource_conflict_exception(), "{duplicate:?}");
    assert_eq!(
        duplicate.meta().message(),
        Some("Function already exist: first")
    );

    // A package without the entry point is accepted, as AWS does; the invocation says what
    // is missing.
    client
        .create_function()
        .function_name("nobootstrap")
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(
            FunctionCode::builder()
                .zip_file(python_zip(HANDLER))
                .build(),
        )
        .send()
        .await
        .unwrap();
    client
        .create_function()
        .function_name("nomodule")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("elsewhere.handler")
        .code(
            FunctionCode::builder()
                .zip_file(python_zip(HANDLER))
                .build(),
        )
        .send()
        .await
        .unwrap();
    for (function, error_type, message) in [
        (
            "nobootstrap",
            "Runtime.InvalidEntrypoint",
            "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
        ),
        (
            "nomodule",
            "Runtime.ImportModuleError",
            "Unable to import module 'elsewhere'",
        ),
    ] {
        let output = client
            .invoke()
            .function_name(function)
            .send()
            .await
            .unwrap();
        assert_eq!(output.function_error(), Some("Unhandled"), "{function}");
        let answer = payload_json(&output);
        assert_eq!(answer["errorType"], error_type, "{answer}");
        assert!(
            answer["errorMessage"]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{answer}"
        );
    }

    let bad_role = client
        .create_function()
        .function_name("badrole")
        .runtime(Runtime::Python312)
        .role("LabRole")
        .handler("lambda_function.handler")
        .code(
            FunctionCode::builder()
                .zip_file(python_zip(HANDLER))
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_lambda::error::ProvideErrorMetadata::code(&bad_role),
        Some("ValidationException")
    );
}

/// Functions are listed, take a new configuration, and run their new code once it is uploaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_are_listed_reconfigured_and_given_new_code() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "first", HANDLER, 3).await;

    let listed = client.list_functions().send().await.unwrap();
    let names: Vec<&str> = listed
        .functions()
        .iter()
        .filter_map(|f| f.function_name())
        .collect();
    assert_eq!(names, ["first"]);

    let updated = client
        .update_function_configuration()
        .function_name("first")
        .timeout(30)
        .memory_size(256)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (updated.timeout(), updated.memory_size()),
        (Some(30), Some(256))
    );
    client
        .update_function_code()
        .function_name("first")
        .zip_file(python_zip(
            "def handler(event, context):\n    return 'v2'\n",
        ))
        .send()
        .await
        .unwrap();
    let output = client.invoke().function_name("first").send().await.unwrap();
    assert_eq!(payload_json(&output), serde_json::json!("v2"));
}

/// GetFunction's code location is served by the sandbox itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_s_code_location_is_the_sandbox_s() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "first", HANDLER, 3).await;

    let function = client
        .get_function()
        .function_name("first")
        .send()
        .await
        .unwrap();
    let location = function.code().unwrap().location().unwrap().to_owned();
    assert!(
        location.starts_with(&sandbox.running.endpoint()),
        "{location}"
    );
}

/// A deleted function is unknown, in AWS's words; its log group stays, as on AWS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_function_is_gone_but_its_log_group_stays() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "first", HANDLER, 3).await;

    client.invoke().function_name("first").send().await.unwrap();
    client
        .delete_function()
        .function_name("first")
        .send()
        .await
        .unwrap();
    let gone = client
        .get_function()
        .function_name("first")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_resource_not_found_exception(), "{gone:?}");
    assert_eq!(
        gone.meta().message(),
        Some("Function not found: arn:aws:lambda:us-east-1:000000000000:function:first")
    );
    // As on AWS, the function's log group outlives it.
    let groups = sandbox
        .logs()
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/first")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.log_groups().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_function_and_stopping_the_sandbox_leave_no_process() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start_in(dir.path()).await;
    let client = sandbox.lambda();
    create_python(&client, "short-lived", HANDLER, 3).await;
    create_python(&client, "kept", HANDLER, 3).await;
    for name in ["short-lived", "kept"] {
        client
            .invoke()
            .function_name(name)
            .payload(Blob::new("{}"))
            .send()
            .await
            .unwrap();
    }
    let code = dir.path().join("lambda");
    assert_eq!(
        lab_sandbox::lambda::processes_under(&code).len(),
        2,
        "one warm environment per function"
    );

    client
        .delete_function()
        .function_name("short-lived")
        .send()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(lab_sandbox::lambda::processes_under(&code).len(), 1);

    sandbox.running.shutdown().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        lab_sandbox::lambda::processes_under(&code),
        Vec::<u32>::new()
    );
}

const VERSIONED: &str = "def handler(event, context):\n    return {'version': context.function_version, 'tag': 'TAG'}\n";

/// The function `canary` with version 1 answering `one` and version 2 (and `$LATEST`) `two`:
/// what each PublishVersion answered.
async fn two_versions(
    client: &aws_sdk_lambda::Client,
) -> [aws_sdk_lambda::operation::publish_version::PublishVersionOutput; 2] {
    create_python(client, "canary", &VERSIONED.replace("TAG", "one"), 3).await;
    let publish = || async {
        client
            .publish_version()
            .function_name("canary")
            .send()
            .await
            .unwrap()
    };
    let v1 = publish().await;
    client
        .update_function_code()
        .function_name("canary")
        .zip_file(python_zip(&VERSIONED.replace("TAG", "two")))
        .send()
        .await
        .unwrap();
    [v1, publish().await]
}

/// Each PublishVersion after a change makes the next number, with its qualified ARN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_numbers_versions_and_lists_them() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    let [v1, v2] = two_versions(&client).await;
    assert_eq!(v1.version(), Some("1"));
    assert_eq!(
        v1.function_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:canary:1")
    );
    assert_eq!(v2.version(), Some("2"));
    let versions = client
        .list_versions_by_function()
        .function_name("canary")
        .send()
        .await
        .unwrap();
    let numbers: Vec<&str> = versions
        .versions()
        .iter()
        .filter_map(|v| v.version())
        .collect();
    assert_eq!(numbers, ["$LATEST", "1", "2"]);
}

/// Invoking version 1 runs the code it was published with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_runs_its_own_code() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    two_versions(&client).await;
    let first = client
        .invoke()
        .function_name("canary")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.executed_version(), Some("1"));
    assert_eq!(payload_json(&first)["tag"], "one");
}

/// An alias on 1 with half the weight on 2 runs both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weighted_alias_splits_invocations_between_versions() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    two_versions(&client).await;
    let alias = client
        .create_alias()
        .function_name("canary")
        .name("live")
        .function_version("1")
        .routing_config(
            aws_sdk_lambda::types::AliasRoutingConfiguration::builder()
                .additional_version_weights("2", 0.5)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        alias.alias_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:canary:live")
    );
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..40 {
        let output = client
            .invoke()
            .function_name("canary:live")
            .send()
            .await
            .unwrap();
        *seen
            .entry(output.executed_version().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    assert!(
        seen.get("1").copied().unwrap_or(0) > 5 && seen.get("2").copied().unwrap_or(0) > 5,
        "{seen:?}"
    );
}

/// UpdateAlias to version 2 (no more weights) runs 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_moved_to_another_version_runs_it() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    two_versions(&client).await;
    client
        .create_alias()
        .function_name("canary")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();
    client
        .update_alias()
        .function_name("canary")
        .name("live")
        .function_version("2")
        .routing_config(aws_sdk_lambda::types::AliasRoutingConfiguration::builder().build())
        .send()
        .await
        .unwrap();
    let promoted = client
        .invoke()
        .function_name("canary")
        .qualifier("live")
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.executed_version(), Some("2"));
}

/// A qualifier no version has is ResourceNotFound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_version_is_not_found() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    two_versions(&client).await;
    let missing = client
        .invoke()
        .function_name("canary")
        .qualifier("9")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");
}

/// Lets API Gateway's API `abc123` invoke LambdaCRUD (statement `apigateway-crud`).
async fn permit_crud(
    client: &aws_sdk_lambda::Client,
) -> aws_sdk_lambda::operation::add_permission::AddPermissionOutput {
    client
        .add_permission()
        .function_name("LambdaCRUD")
        .statement_id("apigateway-crud")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn("arn:aws:execute-api:us-east-1:000000000000:abc123/*")
        .send()
        .await
        .unwrap()
}

/// AddPermission answers the statement it added, with the source ARN as a condition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permission_is_a_statement_with_its_principal_and_source() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "LambdaCRUD", HANDLER, 3).await;
    let added = permit_crud(&client).await;
    let statement: serde_json::Value = serde_json::from_str(added.statement().unwrap()).unwrap();
    assert_eq!(
        statement["Principal"]["Service"],
        "apigateway.amazonaws.com"
    );
    assert_eq!(
        statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        "arn:aws:execute-api:us-east-1:000000000000:abc123/*"
    );
}

/// A second statement with the same id is a conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_id_is_used_once() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "LambdaCRUD", HANDLER, 3).await;
    permit_crud(&client).await;
    let again = client
        .add_permission()
        .function_name("LambdaCRUD")
        .statement_id("apigateway-crud")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(again.is_resource_conflict_exception(), "{again:?}");
}

/// GetPolicy reads the statements back; once the last is removed there is no policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_lists_its_statements_until_they_are_removed() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "LambdaCRUD", HANDLER, 3).await;
    permit_crud(&client).await;
    let policy = client
        .get_policy()
        .function_name("LambdaCRUD")
        .send()
        .await
        .unwrap();
    let document: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(document["Version"], "2012-10-17");
    assert_eq!(document["Statement"][0]["Sid"], "apigateway-crud");
    client
        .remove_permission()
        .function_name("LambdaCRUD")
        .statement_id("apigateway-crud")
        .send()
        .await
        .unwrap();
    let none = client
        .get_policy()
        .function_name("LambdaCRUD")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(none.is_resource_not_found_exception(), "{none:?}");
}

/// Tags go on a function by its ARN and come off by key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_are_tagged_and_untagged_by_arn() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "LambdaCRUD", HANDLER, 3).await;
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:LambdaCRUD";
    client
        .tag_resource()
        .resource(arn)
        .tags("lab", "crud")
        .tags("course", "ccbda")
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource(arn)
        .tag_keys("course")
        .send()
        .await
        .unwrap();
    let tags = client.list_tags().resource(arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);
    assert_eq!(tags.tags().unwrap()["lab"], "crud");
}

/// Reserving 0 throttles every invocation with 429 until the reservation goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_of_zero_throttles_until_it_is_deleted() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "LambdaCRUD", HANDLER, 3).await;
    client
        .put_function_concurrency()
        .function_name("LambdaCRUD")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    let throttled = client
        .invoke()
        .function_name("LambdaCRUD")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(throttled.is_too_many_requests_exception(), "{throttled:?}");
    let concurrency = client
        .get_function_concurrency()
        .function_name("LambdaCRUD")
        .send()
        .await
        .unwrap();
    assert_eq!(concurrency.reserved_concurrent_executions(), Some(0));
    client
        .delete_function_concurrency()
        .function_name("LambdaCRUD")
        .send()
        .await
        .unwrap();
    client
        .invoke()
        .function_name("LambdaCRUD")
        .send()
        .await
        .unwrap();
}

/// GetAccountSettings gives the concurrency limit and the function count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_settings_count_the_functions() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "LambdaCRUD", HANDLER, 3).await;
    let settings = client.get_account_settings().send().await.unwrap();
    assert_eq!(
        settings.account_limit().unwrap().concurrent_executions(),
        10
    );
    assert_eq!(settings.account_usage().unwrap().function_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let client = sandbox.lambda();
        create_python(&client, "kept", &VERSIONED.replace("TAG", "kept"), 3).await;
        client
            .publish_version()
            .function_name("kept")
            .send()
            .await
            .unwrap();
        client
            .create_alias()
            .function_name("kept")
            .name("prod")
            .function_version("1")
            .send()
            .await
            .unwrap();
        sandbox.running.shutdown().await;
    }
    let sandbox = Sandbox::start_in(dir.path()).await;
    let client = sandbox.lambda();
    let output = client
        .invoke()
        .function_name("kept")
        .qualifier("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(payload_json(&output)["tag"], "kept");
    assert_eq!(output.executed_version(), Some("1"));
    sandbox.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rust_lambda_runtime_function_runs_natively() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    client
        .create_function()
        .function_name("rusty")
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(
            FunctionCode::builder()
                .zip_file(crate::fixture::rust_function_zip("test-function"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    for n in 0..3 {
        let output = client
            .invoke()
            .function_name("rusty")
            .payload(Blob::new(format!(r#"{{"n": {n}}}"#)))
            .send()
            .await
            .unwrap();
        assert_eq!(output.function_error(), None);
        let answer = payload_json(&output);
        assert_eq!(answer["echo"]["n"], n);
        assert!(
            answer["requestId"]
                .as_str()
                .is_some_and(|id| id.len() == 36)
        );
    }
    let failed = client
        .invoke()
        .function_name("rusty")
        .payload(Blob::new(r#"{"fail": "no thanks"}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.function_error(), Some("Unhandled"));
    assert_eq!(payload_json(&failed)["errorMessage"], "no thanks");
    let panicked = client
        .invoke()
        .function_name("rusty")
        .payload(Blob::new(r#"{"panic": true}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(panicked.function_error(), Some("Unhandled"));
    assert!(
        payload_json(&panicked)["errorMessage"]
            .as_str()
            .unwrap()
            .contains("asked to panic"),
        "{}",
        payload_json(&panicked)
    );
    // The environment survives a handler's panic (the runtime reports it and goes on).
    let after = client
        .invoke()
        .function_name("rusty")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(after.function_error(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invocation_reaches_the_inspection_feed() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "watched", HANDLER, 3).await;
    client
        .invoke()
        .function_name("watched")
        .payload(Blob::new(r#"{"thingID": "lamp"}"#))
        .send()
        .await
        .unwrap();
    client
        .invoke()
        .function_name("watched")
        .payload(Blob::new(r#"{"fail": true}"#))
        .send()
        .await
        .unwrap();

    let records = sandbox.inspect_history().await;
    assert_eq!(records.len(), 2);
    let first = &records[0];
    assert_eq!(first["function"], "watched");
    assert_eq!(first["event"]["thingID"], "lamp");
    assert_eq!(first["answer"]["echo"]["thingID"], "lamp");
    assert_eq!(first["coldStart"], true);
    assert!(
        first["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|line| line.as_str().unwrap().starts_with("REPORT RequestId:"))
    );
    let second = &records[1];
    assert_eq!(second["failed"], true);
    assert_eq!(second["coldStart"], false);
    assert_eq!(second["answer"]["errorType"], "ValueError");

    let after = crate::client::send(
        "GET",
        &format!(
            "{}/_sandbox/inspect/history?after={}",
            sandbox.running.endpoint(),
            first["id"]
        ),
        &[],
        "",
    )
    .await;
    assert_eq!(after.json().as_array().unwrap().len(), 1);
}

/// A function that calls DynamoDB itself, signing with its environment's own credentials (the
/// sandbox reads a signature's credential, not its hash).
const CALLER: &str = r#"
import json, os, urllib.request, urllib.error

def handler(event, context):
    key = os.environ["AWS_ACCESS_KEY_ID"]
    request = urllib.request.Request(
        os.environ["AWS_ENDPOINT_URL"] + "/",
        data=json.dumps({"TableName": "missing"}).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.DescribeTable",
            "X-Amz-Security-Token": os.environ["AWS_SESSION_TOKEN"],
            "Authorization": "AWS4-HMAC-SHA256 Credential=" + key
                + "/20260101/" + os.environ["AWS_REGION"]
                + "/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    try:
        urllib.request.urlopen(request).read()
    except urllib.error.HTTPError as error:
        error.read()
    return {"accessKeyId": key, "secretLength": len(os.environ["AWS_SECRET_ACCESS_KEY"])}
"#;

/// Each environment runs with session credentials of its own, and the feed attributes every
/// call signed with them to the invocation that made it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_s_own_calls_are_attributed_to_its_invocation() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "caller", CALLER, 5).await;
    let mut keys = Vec::new();
    for _ in 0..2 {
        let output = client
            .invoke()
            .function_name("caller")
            .send()
            .await
            .unwrap();
        assert_eq!(output.function_error(), None);
        let answer = payload_json(&output);
        keys.push(answer["accessKeyId"].as_str().unwrap().to_owned());
        assert_eq!(answer["secretLength"], 40);
    }
    // Temporary keys, as STS makes them; one environment ran both invocations.
    assert!(
        keys[0].starts_with("ASIA") && keys[0].len() == 20,
        "{}",
        keys[0]
    );
    assert_eq!(keys[0], keys[1]);

    let records = sandbox.inspect_history().await;
    let invocations: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["kind"] == "invocation")
        .collect();
    let calls: Vec<&serde_json::Value> = records.iter().filter(|r| r["kind"] == "call").collect();
    assert_eq!((invocations.len(), calls.len()), (2, 2));
    for (invocation, call) in invocations.iter().zip(&calls) {
        assert_eq!(call["invocation"], invocation["requestId"]);
        assert_eq!(call["environment"], invocation["environment"]);
        assert_eq!(call["function"], "caller");
        assert_eq!(call["service"], "dynamodb");
        assert_eq!(call["operation"], "DescribeTable");
        assert_eq!(call["resource"], "missing");
        assert_eq!(call["status"], 400);
        assert_eq!(call["error"], "ResourceNotFoundException");
        // The call falls inside its invocation's time.
        let started = invocation["startedMs"].as_f64().unwrap();
        let ended = started
            + invocation["initMs"].as_f64().unwrap_or(0.0)
            + invocation["durationMs"].as_f64().unwrap();
        let at = call["startedMs"].as_f64().unwrap();
        assert!(started <= at && at <= ended, "{started} <= {at} <= {ended}");
    }
    assert_eq!(invocations[0]["coldStart"], true);
    assert!(invocations[0]["initMs"].as_f64().unwrap() > 0.0);
    assert!(invocations[1].get("initMs").is_none());
    // The key the function answered with is hidden from the feed, as every credential is.
    let feed = serde_json::to_string(&records).unwrap();
    assert!(!feed.contains(&keys[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_environments_are_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let config = lab_sandbox::Config {
        data_dir: Some(dir.path().to_path_buf()),
        lambda_idle_timeout: std::time::Duration::from_millis(300),
        ..lab_sandbox::Config::default()
    };
    let sandbox = Sandbox {
        running: lab_sandbox::start(config).await.unwrap(),
    };
    let client = sandbox.lambda();
    create_python(&client, "sleepy", HANDLER, 3).await;
    client
        .invoke()
        .function_name("sleepy")
        .send()
        .await
        .unwrap();
    let code = dir.path().join("lambda");
    assert_eq!(lab_sandbox::lambda::processes_under(&code).len(), 1);
    let mut remaining = 1;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        remaining = lab_sandbox::lambda::processes_under(&code).len();
        if remaining == 0 {
            break;
        }
    }
    assert_eq!(remaining, 0, "the idle environment is stopped");
    // The next invocation starts a fresh one.
    client
        .invoke()
        .function_name("sleepy")
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_concurrency_limit_throttles_with_429() {
    let config = lab_sandbox::Config {
        lambda_concurrency: 2,
        ..lab_sandbox::Config::default()
    };
    let sandbox = Sandbox {
        running: lab_sandbox::start(config).await.unwrap(),
    };
    create_python(&sandbox.lambda(), "busy", HANDLER, 5).await;
    let url = format!(
        "{}/2015-03-31/functions/busy/invocations",
        sandbox.running.endpoint()
    );
    let slow = || crate::client::send("POST", &url, &[], r#"{"sleep": 1}"#);
    let (a, b, c) = tokio::join!(slow(), slow(), async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        crate::client::send("POST", &url, &[], "{}").await
    });
    assert_eq!((a.status, b.status), (200, 200), "two run side by side");
    assert_eq!(c.status, 429);
    assert_eq!(
        c.header("x-amzn-errortype"),
        Some("TooManyRequestsException")
    );
    assert_eq!(c.json()["Reason"], "ConcurrentInvocationLimitExceeded");
    assert_eq!(c.json()["message"], "Rate Exceeded.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_python_is_a_clear_init_error() {
    let sandbox = Sandbox::start_with_python("/nonexistent/python3".into()).await;
    let client = sandbox.lambda();
    create_python(&client, "nopython", HANDLER, 3).await;
    let output = client
        .invoke()
        .function_name("nopython")
        .send()
        .await
        .unwrap();
    assert_eq!(output.function_error(), Some("Unhandled"));
    let error = payload_json(&output);
    assert_eq!(error["errorType"], "Runtime.InvalidEntrypoint");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Install Python 3"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspection_stream_pushes_invocations_live() {
    use http_body_util::BodyExt;

    let sandbox = Sandbox::start().await;
    let client = sandbox.lambda();
    create_python(&client, "streamed", HANDLER, 3).await;
    let request = hyper::Request::get(format!(
        "{}/_sandbox/inspect/stream",
        sandbox.running.endpoint()
    ))
    .body(http_body_util::Empty::<hyper::body::Bytes>::new())
    .unwrap();
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let response = http.request(request).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();

    client
        .invoke()
        .function_name("streamed")
        .payload(Blob::new(r#"{"live": 1}"#))
        .send()
        .await
        .unwrap();
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !received.contains("\n\n") || !received.contains("event: record") {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .expect("an event arrives in time");
        if let Some(Ok(frame)) = frame
            && let Some(data) = frame.data_ref()
        {
            received.push_str(&String::from_utf8_lossy(data));
        }
    }
    let data = received
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("a data line");
    let record: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(record["function"], "streamed");
    assert_eq!(record["event"]["live"], 1);
}
