//! The sandbox driven by clients we did not write: the AWS CLI and boto3 (installed by
//! `make deps-test` into a virtual environment), pointed at it with `--endpoint-url`.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::fixture::Sandbox;

/// Runs a command with throwaway credentials and no user configuration.
pub fn run(program: PathBuf, args: &[&str], home: &std::path::Path) -> Output {
    Command::new(program)
        .args(args)
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", "AKIDSANDBOX")
        .env("AWS_SECRET_ACCESS_KEY", "sandbox-secret")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_PAGER", "")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the client runs")
}

/// The standard output of a command that must have succeeded.
pub fn stdout_text(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stdout_json(output: &Output) -> serde_json::Value {
    stdout_text(output);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_runs_the_labs_dynamodb_commands() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start().await;
    let endpoint = sandbox.running.endpoint();
    let home = tempfile::tempdir().unwrap();
    let aws = |args: &[&str]| {
        let mut all = vec!["--endpoint-url", endpoint.as_str(), "--output", "json"];
        all.extend_from_slice(args);
        run(tools.join("bin/aws"), &all, home.path())
    };

    let created = stdout_json(&aws(&[
        "dynamodb",
        "create-table",
        "--table-name",
        "ccbda-lambda-first",
        "--attribute-definitions",
        "AttributeName=thingID,AttributeType=S",
        "--key-schema",
        "AttributeName=thingID,KeyType=HASH",
        "--billing-mode",
        "PAY_PER_REQUEST",
    ]));
    assert_eq!(
        created["TableDescription"]["TableName"],
        "ccbda-lambda-first"
    );

    let waited = aws(&[
        "dynamodb",
        "wait",
        "table-exists",
        "--table-name",
        "ccbda-lambda-first",
    ]);
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );

    let put = aws(&[
        "dynamodb",
        "put-item",
        "--table-name",
        "ccbda-lambda-first",
        "--item",
        r#"{"thingID": {"S": "lamp"}, "watts": {"N": "60"}}"#,
    ]);
    assert!(
        put.status.success(),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );

    let scanned = stdout_json(&aws(&[
        "dynamodb",
        "scan",
        "--table-name",
        "ccbda-lambda-first",
    ]));
    assert_eq!(scanned["Count"], 1);
    assert_eq!(scanned["Items"][0]["watts"]["N"], "60");

    let identity = stdout_json(&aws(&["sts", "get-caller-identity"]));
    assert_eq!(identity["Account"], "000000000000");

    let missing = aws(&["dynamodb", "describe-table", "--table-name", "nope"]);
    // A service error: version 2 of the CLI exits with 254, version 1 (PyPI's) with 255.
    assert!(
        matches!(missing.status.code(), Some(254 | 255)),
        "{}",
        missing.status
    );
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("(ResourceNotFoundException)")
            && stderr.contains("Requested resource not found: Table: nope not found"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_reads_and_writes_like_against_aws() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start().await;
    let home = tempfile::tempdir().unwrap();
    let script = r#"
import sys, boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

resource = boto3.resource("dynamodb", endpoint_url=sys.argv[1])
table = resource.create_table(
    TableName="readings",
    KeySchema=[{"AttributeName": "sensor", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": "sensor", "AttributeType": "S"}, {"AttributeName": "at", "AttributeType": "N"}],
    BillingMode="PAY_PER_REQUEST",
)
table.wait_until_exists()
with table.batch_writer() as batch:
    for at in (3, 1, 2):
        batch.put_item(Item={"sensor": "a", "at": at, "reading": {"celsius": at * 10}})
items = table.query(KeyConditionExpression=Key("sensor").eq("a") & Key("at").gte(2))["Items"]
print([int(item["at"]) for item in items])
try:
    table.put_item(Item={"sensor": "a", "at": 1}, ConditionExpression="attribute_not_exists(sensor)")
except ClientError as error:
    print(error.response["Error"]["Code"])

import io, json, zipfile
archive = io.BytesIO()
with zipfile.ZipFile(archive, "w") as z:
    z.writestr("app.py", "def handler(event, context):\n    return {'sum': event['a'] + event['b']}\n")
lam = boto3.client("lambda", endpoint_url=sys.argv[1])
lam.create_function(FunctionName="adder", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/LabRole",
                    Handler="app.handler", Code={"ZipFile": archive.getvalue()})
lam.get_waiter("function_active_v2").wait(FunctionName="adder")
answer = lam.invoke(FunctionName="adder", Payload=json.dumps({"a": 2, "b": 3}))
print(json.loads(answer["Payload"].read())["sum"])
"#;
    let output = run(
        tools.join("bin/python3"),
        &["-c", script, &sandbox.running.endpoint()],
        home.path(),
    );
    assert_eq!(
        stdout_text(&output).trim(),
        "[2, 3]\nConditionalCheckFailedException\n5"
    );
}

/// The course's own CRUD function (seed 000, Task 8.1), unchanged: it uses boto3 against
/// whatever `AWS_ENDPOINT_URL` says, as on AWS.
const COURSE_CRUD_FUNCTION: &str = r#"import boto3
import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

dynamodb = boto3.client('dynamodb', region_name='us-east-1')

def lambda_handler(event, context):
    operation = event['requestContext']['http']['method']
    logger.info(f'operation {operation}')
    try:
        if operation == 'GET':
            return respond(dynamodb.scan(**event['queryStringParameters']))
        elif operation == 'POST':
            return respond(dynamodb.put_item(**json.loads(event['body'])))
        elif operation == 'DELETE':
            return respond(dynamodb.delete_item(**json.loads(event['body'])))
        elif operation == 'PUT':
            return respond(dynamodb.update_item(**json.loads(event['body'])))
        elif operation == 'OPTIONS':
            return respond('')
        else:
            return respond(None, f'Unsupported method "{operation}"')
    except Exception as e:
        respond(None, f'{type(e).__name__} at line {e.__traceback__.tb_lineno} of {__file__}: {e}')

def respond(res, err=None):
    response = {
        'statusCode': '200' if err is None else '400',
        'body': json.dumps(res) if err is None else err,
        'headers': {
            'Content-Type': 'application/json',
            "Access-Control-Allow-Headers": "Content-Type",
            'Access-Control-Allow-Origin': '*',
            "Access-Control-Allow-Methods": "GET, POST, DELETE, PUT, OPTIONS",
        },
    }
    logger.info(f'response {json.dumps(response, indent=2)}')
    return response
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_labs_lambda_commands_deploy_and_run_the_course_function() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start_with_python(tools.join("bin/python3")).await;
    let endpoint = sandbox.running.endpoint();
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("crud");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join("lambda_crud.zip"),
        lab_sandbox::lambda::package::zip_files(&[
            ("lambda_crud.py", COURSE_CRUD_FUNCTION.as_bytes(), 0o644),
            ("requirements.txt", b"boto3\n", 0o644),
        ]),
    )
    .unwrap();
    let aws = |args: &[&str]| {
        let mut all = vec!["--endpoint-url", endpoint.as_str(), "--output", "json"];
        all.extend_from_slice(args);
        let output = std::process::Command::new(tools.join("bin/aws"))
            .args(&all)
            .current_dir(&work)
            .env("HOME", home.path())
            .env("AWS_ACCESS_KEY_ID", "AKIDSANDBOX")
            .env("AWS_SECRET_ACCESS_KEY", "sandbox-secret")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", home.path().join("config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                home.path().join("credentials"),
            )
            .env("AWS_PAGER", "")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    };
    aws(&[
        "dynamodb",
        "create-table",
        "--table-name",
        "ccbda-lambda-first",
        "--attribute-definitions",
        "AttributeName=thingID,AttributeType=S",
        "--key-schema",
        "AttributeName=thingID,KeyType=HASH",
        "--billing-mode",
        "PAY_PER_REQUEST",
    ]);
    let created = stdout_json(&aws(&[
        "lambda",
        "create-function",
        "--function-name",
        "LambdaCRUD",
        "--zip-file",
        "fileb://lambda_crud.zip",
        "--handler",
        "lambda_crud.lambda_handler",
        "--runtime",
        "python3.13",
        "--role",
        "arn:aws:iam::000000000000:role/LabRole",
    ]));
    assert_eq!(
        created["FunctionArn"],
        "arn:aws:lambda:us-east-1:000000000000:function:LambdaCRUD"
    );
    assert_eq!(created["State"], "Pending");
    aws(&[
        "lambda",
        "wait",
        "function-active-v2",
        "--function-name",
        "LambdaCRUD",
    ]);
    let permission = stdout_json(&aws(&[
        "lambda",
        "add-permission",
        "--function-name",
        "LambdaCRUD",
        "--statement-id",
        "crud-from-api-gateway",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "apigateway.amazonaws.com",
    ]));
    assert!(
        permission["Statement"]
            .as_str()
            .unwrap()
            .contains("apigateway.amazonaws.com")
    );

    // What API Gateway would send: a POST of an item, then a GET listing the table.
    let post = serde_json::json!({
        "requestContext": {"http": {"method": "POST"}},
        "body": serde_json::json!({"TableName": "ccbda-lambda-first", "Item": {"thingID": {"S": "lamp"}}}).to_string(),
    });
    std::fs::write(work.join("post.json"), post.to_string()).unwrap();
    aws(&[
        "lambda",
        "invoke",
        "--function-name",
        "LambdaCRUD",
        "--payload",
        "file://post.json",
        "post-out.json",
    ]);
    let posted: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("post-out.json")).unwrap()).unwrap();
    assert_eq!(posted["statusCode"], "200", "{posted}");

    let get = serde_json::json!({
        "requestContext": {"http": {"method": "GET"}},
        "queryStringParameters": {"TableName": "ccbda-lambda-first"},
    });
    std::fs::write(work.join("get.json"), get.to_string()).unwrap();
    aws(&[
        "lambda",
        "invoke",
        "--function-name",
        "LambdaCRUD",
        "--payload",
        "file://get.json",
        "get-out.json",
    ]);
    let listed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("get-out.json")).unwrap()).unwrap();
    let body: serde_json::Value = serde_json::from_str(listed["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["Items"][0]["thingID"]["S"], "lamp", "{listed}");

    // The lab's API Gateway steps, then a browser-style client on the URL.
    let api = stdout_json(&aws(&[
        "apigatewayv2",
        "create-api",
        "--name",
        "CrudHttpAPI",
        "--protocol-type",
        "HTTP",
    ]));
    let api_id = api["ApiId"].as_str().unwrap().to_owned();
    assert_eq!(api_id.len(), 10);
    assert_eq!(
        api["RouteSelectionExpression"],
        "$request.method $request.path"
    );
    let integration = stdout_json(&aws(&[
        "apigatewayv2",
        "create-integration",
        "--api-id",
        &api_id,
        "--integration-type",
        "AWS_PROXY",
        "--integration-uri",
        "arn:aws:lambda:us-east-1:000000000000:function:LambdaCRUD",
        "--integration-method",
        "ANY",
        "--payload-format-version",
        "2.0",
    ]));
    let integration_id = integration["IntegrationId"].as_str().unwrap().to_owned();
    let target = format!("integrations/{integration_id}");
    for method in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
        let route_key = format!("{method} /");
        aws(&[
            "apigatewayv2",
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            &route_key,
            "--target",
            &target,
        ]);
    }
    aws(&[
        "apigatewayv2",
        "create-stage",
        "--api-id",
        &api_id,
        "--stage-name",
        "prod",
        "--no-auto-deploy",
    ]);
    let url = format!("{}/prod/", api["ApiEndpoint"].as_str().unwrap());
    let curl = |args: &[&str]| {
        let output = std::process::Command::new("curl")
            .args(["-s", "-i"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // Not deployed yet: the stage serves nothing.
    let before = curl(&[&format!("{url}?TableName=ccbda-lambda-first")]);
    assert!(before.starts_with("HTTP/1.1 404"), "{before}");
    aws(&[
        "apigatewayv2",
        "create-deployment",
        "--api-id",
        &api_id,
        "--stage-name",
        "prod",
    ]);
    let listed = curl(&[&format!("{url}?TableName=ccbda-lambda-first")]);
    assert!(listed.starts_with("HTTP/1.1 200"), "{listed}");
    assert!(
        listed
            .to_lowercase()
            .contains("access-control-allow-origin: *"),
        "{listed}"
    );
    assert!(
        listed.to_lowercase().contains("apigw-requestid: "),
        "{listed}"
    );
    assert!(listed.contains(r#""thingID": {"S": "lamp"}"#), "{listed}");
    let posted = curl(&[
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"TableName": "ccbda-lambda-first", "Item": {"thingID": {"S": "desk"}}}"#,
        &url,
    ]);
    assert!(posted.starts_with("HTTP/1.1 200"), "{posted}");
    // The course's function swallows its exceptions and returns nothing: API Gateway answers 500.
    let broken = curl(&["-X", "POST", "-d", "not json", &url]);
    assert!(broken.starts_with("HTTP/1.1 500"), "{broken}");
    assert!(
        broken.contains(r#"{"message":"Internal Server Error"}"#),
        "{broken}"
    );
    let unrouted = curl(&["-X", "PATCH", &url]);
    assert!(
        unrouted.starts_with("HTTP/1.1 404") && unrouted.contains(r#"{"message":"Not Found"}"#),
        "{unrouted}"
    );

    // The function's `logger.info` lines reach CloudWatch Logs as AWS's runtime formats them.
    let mut found = false;
    for _ in 0..50 {
        let events = stdout_json(&aws(&[
            "logs",
            "filter-log-events",
            "--log-group-name",
            "/aws/lambda/LambdaCRUD",
            "--filter-pattern",
            "\"operation GET\"",
        ]));
        if let Some(message) = events["events"][0]["message"].as_str() {
            assert!(message.starts_with("[INFO]\t"), "{message}");
            assert!(message.contains("\toperation GET"), "{message}");
            found = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(found, "the function's log line reached CloudWatch Logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_the_sandbox_lacks_is_named_in_the_cli_s_error() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start().await;
    let endpoint = sandbox.running.endpoint();
    let home = tempfile::tempdir().unwrap();
    for args in [vec!["sns", "list-topics"], vec!["sqs", "list-queues"]] {
        let mut all = vec!["--endpoint-url", endpoint.as_str()];
        all.extend_from_slice(&args);
        let output = run(tools.join("bin/aws"), &all, home.path());
        assert!(!output.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&output.stderr);
        let service = args[0];
        assert!(
            text.contains("(NotImplemented)")
                && text.contains(&format!("The sandbox has no {service} service")),
            "{args:?}: {text}"
        );
    }
}
