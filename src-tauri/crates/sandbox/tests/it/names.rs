//! Every name-bearing field of every service refuses what could navigate a path or overflow a
//! key — `.`, `..`, `/`, NUL and overlong values — with a client error, and nothing that was
//! there before is lost.

use base64::Engine as _;

use crate::client::send;
use crate::fixture::Sandbox;

/// How a value travels in its field.
#[derive(Clone, Copy)]
enum In {
    /// A JSON string member: the template's `"V"` is replaced.
    Json,
    /// A path segment (percent-encoded): the template's `V` is replaced.
    Path,
    /// A form parameter (form-encoded): the template's `V` is replaced.
    Form,
}

struct Field {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    target: Option<&'static str>,
    body: &'static str,
    value_in: In,
    /// Values AWS accepts in this field (e.g. `/` in a log group name), not tried here.
    valid: &'static [&'static str],
}

const fn field(
    what: &'static str,
    method: &'static str,
    path: &'static str,
    target: Option<&'static str>,
    body: &'static str,
    value_in: In,
) -> Field {
    Field {
        what,
        method,
        path,
        target,
        body,
        value_in,
        valid: &[],
    }
}

const DDB_CREATE: &str = r#"{"TableName":"V","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}"#;
const DDB_INDEX: &str = r#"{"TableName":"fresh","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"V","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}"#;

fn fields() -> Vec<Field> {
    let ddb = |op| Some(op);
    vec![
        field(
            "CreateTable TableName",
            "POST",
            "/",
            ddb("DynamoDB_20120810.CreateTable"),
            DDB_CREATE,
            In::Json,
        ),
        field(
            "DescribeTable TableName",
            "POST",
            "/",
            ddb("DynamoDB_20120810.DescribeTable"),
            r#"{"TableName":"V"}"#,
            In::Json,
        ),
        field(
            "DeleteTable TableName",
            "POST",
            "/",
            ddb("DynamoDB_20120810.DeleteTable"),
            r#"{"TableName":"V"}"#,
            In::Json,
        ),
        field(
            "PutItem TableName",
            "POST",
            "/",
            ddb("DynamoDB_20120810.PutItem"),
            r#"{"TableName":"V","Item":{"id":{"S":"x"}}}"#,
            In::Json,
        ),
        field(
            "Scan TableName",
            "POST",
            "/",
            ddb("DynamoDB_20120810.Scan"),
            r#"{"TableName":"V"}"#,
            In::Json,
        ),
        field(
            "CreateTable IndexName",
            "POST",
            "/",
            ddb("DynamoDB_20120810.CreateTable"),
            DDB_INDEX,
            In::Json,
        ),
        field(
            "Query IndexName",
            "POST",
            "/",
            ddb("DynamoDB_20120810.Query"),
            r#"{"TableName":"keep","IndexName":"V","KeyConditionExpression":"id = :id","ExpressionAttributeValues":{":id":{"S":"x"}}}"#,
            In::Json,
        ),
        field(
            "CreateFunction FunctionName",
            "POST",
            "/2015-03-31/functions",
            None,
            r#"{"FunctionName":"V","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/LabRole","Handler":"app.handler","Code":{"ZipFile":"ZIP"}}"#,
            In::Json,
        ),
        field(
            "GetFunction FunctionName",
            "GET",
            "/2015-03-31/functions/V",
            None,
            "",
            In::Path,
        ),
        field(
            "DeleteFunction FunctionName",
            "DELETE",
            "/2015-03-31/functions/V",
            None,
            "",
            In::Path,
        ),
        field(
            "Invoke FunctionName",
            "POST",
            "/2015-03-31/functions/V/invocations",
            None,
            "{}",
            In::Path,
        ),
        field(
            "UpdateFunctionCode FunctionName",
            "PUT",
            "/2015-03-31/functions/V/code",
            None,
            r#"{"ZipFile":"ZIP"}"#,
            In::Path,
        ),
        field(
            "Invoke Qualifier",
            "POST",
            "/2015-03-31/functions/keep/invocations?Qualifier=V",
            None,
            "{}",
            In::Path,
        ),
        field(
            "CreateAlias Name",
            "POST",
            "/2015-03-31/functions/keep/aliases",
            None,
            r#"{"Name":"V","FunctionVersion":"$LATEST"}"#,
            In::Json,
        ),
        field(
            "GetAlias Name",
            "GET",
            "/2015-03-31/functions/keep/aliases/V",
            None,
            "",
            In::Path,
        ),
        field(
            "AddPermission StatementId",
            "POST",
            "/2015-03-31/functions/keep/policy",
            None,
            r#"{"StatementId":"V","Action":"lambda:InvokeFunction","Principal":"apigateway.amazonaws.com"}"#,
            In::Json,
        ),
        field(
            "RemovePermission StatementId",
            "DELETE",
            "/2015-03-31/functions/keep/policy/V",
            None,
            "",
            In::Path,
        ),
        field(
            "CreateRole RoleName",
            "POST",
            "/",
            None,
            "Action=CreateRole&Version=2010-05-08&AssumeRolePolicyDocument=%7B%7D&RoleName=V",
            In::Form,
        ),
        field(
            "GetRole RoleName",
            "POST",
            "/",
            None,
            "Action=GetRole&Version=2010-05-08&RoleName=V",
            In::Form,
        ),
        field(
            "DeleteRole RoleName",
            "POST",
            "/",
            None,
            "Action=DeleteRole&Version=2010-05-08&RoleName=V",
            In::Form,
        ),
        field(
            "PutRolePolicy PolicyName",
            "POST",
            "/",
            None,
            "Action=PutRolePolicy&Version=2010-05-08&RoleName=LabRole&PolicyDocument=%7B%7D&PolicyName=V",
            In::Form,
        ),
        Field {
            valid: &["/"],
            ..field(
                "CreateRole Path",
                "POST",
                "/",
                None,
                "Action=CreateRole&Version=2010-05-08&AssumeRolePolicyDocument=%7B%7D&RoleName=pathed&Path=V",
                In::Form,
            )
        },
        Field {
            valid: &[".", "..", "/", "a/b"],
            ..field(
                "CreateLogGroup logGroupName",
                "POST",
                "/",
                Some("Logs_20140328.CreateLogGroup"),
                r#"{"logGroupName":"V"}"#,
                In::Json,
            )
        },
        Field {
            // AWS's pattern is `[^:*]*`.
            valid: &[".", "..", "/", "a/b", "a\0b"],
            ..field(
                "CreateLogStream logStreamName",
                "POST",
                "/",
                Some("Logs_20140328.CreateLogStream"),
                r#"{"logGroupName":"keep","logStreamName":"V"}"#,
                In::Json,
            )
        },
        field("GetApi ApiId", "GET", "/v2/apis/V", None, "", In::Path),
        field(
            "DeleteApi ApiId",
            "DELETE",
            "/v2/apis/V",
            None,
            "",
            In::Path,
        ),
        field(
            "CreateStage ApiId",
            "POST",
            "/v2/apis/V/stages",
            None,
            r#"{"stageName":"s"}"#,
            In::Path,
        ),
        field(
            "CreateStage StageName",
            "POST",
            "/v2/apis/API/stages",
            None,
            r#"{"stageName":"V"}"#,
            In::Json,
        ),
        field(
            "GetStage StageName",
            "GET",
            "/v2/apis/API/stages/V",
            None,
            "",
            In::Path,
        ),
        field(
            "CreateRoute RouteKey",
            "POST",
            "/v2/apis/API/routes",
            None,
            r#"{"routeKey":"V"}"#,
            In::Json,
        ),
        field(
            "GetIntegration IntegrationId",
            "GET",
            "/v2/apis/API/integrations/V",
            None,
            "",
            In::Path,
        ),
    ]
}

fn encoded(value: &str, value_in: In) -> String {
    match value_in {
        In::Json => {
            let quoted = serde_json::to_string(value).unwrap();
            quoted[1..quoted.len() - 1].to_owned()
        }
        In::Path => value
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect(),
        In::Form => form_urlencoded::byte_serialize(value.as_bytes()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_fields_refuse_dots_slashes_nul_and_overlong_values() {
    let sandbox = Sandbox::start().await;
    crate::fixture::create_table(&sandbox.dynamodb(), "keep", "id", None).await;
    sandbox
        .create_python_function("keep", "def handler(event, context):\n    return 'kept'\n")
        .await;
    sandbox
        .logs()
        .create_log_group()
        .log_group_name("keep")
        .send()
        .await
        .unwrap();
    let api = sandbox
        .apigw()
        .create_api()
        .name("keep")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap().to_owned();
    let zip = lab_sandbox::lambda::package::zip_files(&[(
        "app.py",
        b"def handler(e, c):\n    return 1\n",
        0o644,
    )]);
    let zip = base64::engine::general_purpose::STANDARD.encode(zip);

    let overlong = "n".repeat(1_100);
    let mut accepted = Vec::new();
    for field in fields() {
        for value in [".", "..", "/", "a/b", "a\0b", overlong.as_str()] {
            if field.valid.contains(&value) {
                continue;
            }
            let text = encoded(value, field.value_in);
            let (path, body) = match field.value_in {
                In::Path => (field.path.replacen('V', &text, 1), field.body.to_owned()),
                In::Json | In::Form => (
                    field.path.to_owned(),
                    field.body.replacen("=V", &format!("={text}"), 1).replacen(
                        "\"V\"",
                        &format!("\"{text}\""),
                        1,
                    ),
                ),
            };
            let path = path.replace("/API/", &format!("/{api_id}/"));
            let body = body.replace("ZIP", &zip);
            let mut headers = vec![];
            if let Some(target) = field.target {
                headers.push(("x-amz-target", target));
                headers.push(("content-type", "application/x-amz-json-1.1"));
            } else if matches!(field.value_in, In::Form) {
                headers.push(("content-type", "application/x-www-form-urlencoded"));
            }
            let url = format!("{}{path}", sandbox.running.endpoint());
            let reply = send(field.method, &url, &headers, &body).await;
            if !(400..500).contains(&reply.status) {
                accepted.push(format!(
                    "{} = {:?}: {} {}",
                    field.what,
                    value.get(..20).unwrap_or(value),
                    reply.status,
                    reply.body.get(..200).unwrap_or(&reply.body)
                ));
            }
        }
    }
    assert!(accepted.is_empty(), "not refused:\n{}", accepted.join("\n"));

    // What was there is still there, and works.
    let tables = sandbox.dynamodb().list_tables().send().await.unwrap();
    assert_eq!(tables.table_names(), ["keep"]);
    let answer = sandbox
        .lambda()
        .invoke()
        .function_name("keep")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.payload().unwrap().as_ref(), b"\"kept\"");
    assert!(
        sandbox
            .iam()
            .get_role()
            .role_name("LabRole")
            .send()
            .await
            .is_ok()
    );
    assert!(
        sandbox
            .apigw()
            .get_api()
            .api_id(&api_id)
            .send()
            .await
            .is_ok()
    );
    let groups = sandbox.logs().describe_log_groups().send().await.unwrap();
    assert!(
        groups
            .log_groups()
            .iter()
            .any(|g| g.log_group_name() == Some("keep"))
    );
}
