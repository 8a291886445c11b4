//! The course's DynamoDBManager lab, done with the AWS CLI as its document does it in the
//! console: a role, the function, a table, a REST API with `POST /DynamoDBManager` on a Lambda
//! integration (no proxy), deployed to `Prod`, then called like `curl` does.

use serde_json::{Value, json};

use crate::client::send;
use crate::fixture::Sandbox;
use crate::outside_clients::{run, stdout_json};

/// The lab's function, as its document gives it.
const LAMBDA_FUNCTION_OVER_HTTPS: &str = r#"from __future__ import print_function

import boto3
import json

print('Loading function')


def lambda_handler(event, context):
    operation = event['operation']

    if 'tableName' in event:
        dynamo = boto3.resource('dynamodb').Table(event['tableName'])

    operations = {
        'create': lambda x: dynamo.put_item(**x),
        'read': lambda x: dynamo.get_item(**x),
        'update': lambda x: dynamo.update_item(**x),
        'delete': lambda x: dynamo.delete_item(**x),
        'list': lambda x: dynamo.scan(**x),
        'echo': lambda x: x,
        'ping': lambda x: 'pong'
    }

    if operation in operations:
        return operations[operation](event.get('payload'))
    else:
        raise ValueError('Unrecognized operation "{}"'.format(operation))
"#;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_manager_lab_runs_with_the_aws_cli() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start_with_python(tools.join("bin/python3")).await;
    let endpoint = sandbox.running.endpoint();
    let home = tempfile::tempdir().unwrap();
    let zip = home.path().join("function.zip");
    std::fs::write(
        &zip,
        lab_sandbox::lambda::package::zip_files(&[(
            "lambda_function.py",
            LAMBDA_FUNCTION_OVER_HTTPS.as_bytes(),
            0o644,
        )]),
    )
    .unwrap();
    let aws = |args: &[&str]| -> Value {
        let mut all = vec!["--endpoint-url", endpoint.as_str(), "--output", "json"];
        all.extend_from_slice(args);
        let output = run(tools.join("bin/aws"), &all, home.path());
        if output.stdout.is_empty() && output.status.success() {
            return Value::Null;
        }
        stdout_json(&output)
    };

    let role = aws(&[
        "iam",
        "create-role",
        "--role-name",
        "lambda-apigateway-role",
        "--assume-role-policy-document",
        TRUST,
    ]);
    let role_arn = role["Role"]["Arn"].as_str().unwrap().to_owned();
    aws(&[
        "lambda",
        "create-function",
        "--function-name",
        "LambdaFunctionOverHttps",
        "--runtime",
        "python3.12",
        "--handler",
        "lambda_function.lambda_handler",
        "--role",
        &role_arn,
        "--zip-file",
        &format!("fileb://{}", zip.display()),
    ]);
    aws(&[
        "lambda",
        "wait",
        "function-active-v2",
        "--function-name",
        "LambdaFunctionOverHttps",
    ]);
    aws(&[
        "dynamodb",
        "create-table",
        "--table-name",
        "lambda-apigateway",
        "--attribute-definitions",
        "AttributeName=id,AttributeType=S",
        "--key-schema",
        "AttributeName=id,KeyType=HASH",
        "--billing-mode",
        "PAY_PER_REQUEST",
    ]);

    let api = aws(&[
        "apigateway",
        "create-rest-api",
        "--name",
        "DynamoDBOperations",
    ]);
    let api_id = api["id"].as_str().unwrap().to_owned();
    let resources = aws(&["apigateway", "get-resources", "--rest-api-id", &api_id]);
    let root = resources["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(resources["items"][0]["path"], "/");
    let manager = aws(&[
        "apigateway",
        "create-resource",
        "--rest-api-id",
        &api_id,
        "--parent-id",
        &root,
        "--path-part",
        "DynamoDBManager",
    ]);
    let manager_id = manager["id"].as_str().unwrap().to_owned();
    assert_eq!(manager["path"], "/DynamoDBManager");
    let on_post = [
        "--rest-api-id",
        api_id.as_str(),
        "--resource-id",
        manager_id.as_str(),
        "--http-method",
        "POST",
    ];
    let with = |extra: &[&str], command: &[&str]| {
        let mut all: Vec<&str> = command.to_vec();
        all.extend_from_slice(&on_post);
        all.extend_from_slice(extra);
        aws(&all)
    };
    with(
        &["--authorization-type", "NONE"],
        &["apigateway", "put-method"],
    );
    let function_arn = "arn:aws:lambda:us-east-1:000000000000:function:LambdaFunctionOverHttps";
    let uri = format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    );
    let integration = with(
        &[
            "--type",
            "AWS",
            "--integration-http-method",
            "POST",
            "--uri",
            &uri,
        ],
        &["apigateway", "put-integration"],
    );
    assert_eq!(integration["type"], "AWS");
    assert_eq!(integration["httpMethod"], "POST");
    with(
        &[
            "--status-code",
            "200",
            "--response-models",
            "application/json=Empty",
        ],
        &["apigateway", "put-method-response"],
    );
    with(
        &[
            "--status-code",
            "200",
            "--response-templates",
            "application/json=\"\"",
        ],
        &["apigateway", "put-integration-response"],
    );
    aws(&[
        "lambda",
        "add-permission",
        "--function-name",
        "LambdaFunctionOverHttps",
        "--statement-id",
        "apigateway-post",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "apigateway.amazonaws.com",
        "--source-arn",
        &format!("arn:aws:execute-api:us-east-1:000000000000:{api_id}/*/POST/DynamoDBManager"),
    ]);
    let deployment = aws(&[
        "apigateway",
        "create-deployment",
        "--rest-api-id",
        &api_id,
        "--stage-name",
        "Prod",
    ]);
    assert!(deployment["id"].is_string(), "{deployment}");

    let url = format!("{endpoint}/_aws/execute-api/{api_id}/Prod/DynamoDBManager");
    let create = json!({"operation": "create", "tableName": "lambda-apigateway",
        "payload": {"Item": {"id": "1", "name": "Bob"}}});
    let created = send("POST", &url, &[], &create.to_string()).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let list = json!({"operation": "list", "tableName": "lambda-apigateway", "payload": {}});
    let listed = send("POST", &url, &[], &list.to_string()).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json()["Items"], json!([{"id": "1", "name": "Bob"}]));
    let wrong = send("POST", &url, &[], r#"{"operation": "nope"}"#).await;
    assert_eq!(
        wrong.status, 200,
        "an unmatched error goes to the default response, as on AWS"
    );
    assert_eq!(
        wrong.json()["errorMessage"],
        "Unrecognized operation \"nope\""
    );
}
