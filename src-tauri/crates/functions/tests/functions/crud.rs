//! `LambdaCRUD` as lesson `crud-http-api` deploys it: behind `CrudHttpAPI`, called the way the
//! lab's web page and its try-it requests call it.

use serde_json::{Value, json};

use crate::fixture::{Sandbox, host_built_zip, send};

const TABLE: &str = "ccbda-lambda-first";
const METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";

/// The lesson's setup: the table, the function, the API with its five routes.
async fn lesson() -> (Sandbox, String) {
    let sandbox = Sandbox::start().await;
    sandbox.create_table(TABLE, "thingID").await;
    let arn = sandbox.deploy("LambdaCRUD", host_built_zip("crud")).await;
    let routes = ["GET /", "POST /", "PUT /", "DELETE /", "OPTIONS /"];
    let url = sandbox.http_api(&arn, &routes).await;
    (sandbox, format!("{url}/"))
}

fn list_url(url: &str) -> String {
    format!("{url}?TableName={TABLE}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_page_lists_and_adds_items() {
    let (sandbox, url) = lesson().await;

    let empty = send("GET", &list_url(&url), None).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    empty.assert_cors(METHODS);
    assert_eq!(empty.header("content-type"), "application/json");
    assert_eq!(empty.json()["Items"], json!([]));
    assert_eq!(empty.json()["Count"], json!(0));

    // The page's form: `{"TableName": …, "Item": {"thingID": {"S": …}}}`.
    for thing in ["lamp", "desk"] {
        let item = json!({"TableName": TABLE, "Item": {"thingID": {"S": thing}}});
        let added = send("POST", &url, Some(&item.to_string())).await;
        assert_eq!(added.status, 200, "{}", added.body);
        added.assert_cors(METHODS);
        assert_eq!(
            added.json()["ResponseMetadata"]["HTTPStatusCode"],
            json!(200)
        );
        assert!(added.json()["ResponseMetadata"]["RequestId"].is_string());
    }

    let listed = send("GET", &list_url(&url), None).await.json();
    assert_eq!(listed["Count"], json!(2));
    assert_eq!(listed["ScannedCount"], json!(2));
    // What the page reads: `result.Items[i].thingID.S`.
    let mut things: Vec<&str> = listed["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["thingID"]["S"].as_str().unwrap())
        .collect();
    things.sort_unstable();
    assert_eq!(things, ["desk", "lamp"]);

    // Paging with the Scan's own parameters.
    let first = send("GET", &format!("{}&Limit=1", list_url(&url)), None)
        .await
        .json();
    assert_eq!(first["Count"], json!(1));
    let start = first["LastEvaluatedKey"].to_string();
    let query = format!("&Limit=1&ExclusiveStartKey={}", encode(&start));
    let second = send("GET", &format!("{}{query}", list_url(&url)), None)
        .await
        .json();
    assert_eq!(second["Count"], json!(1));
    assert_ne!(second["Items"][0], first["Items"][0]);

    let preflight = send("OPTIONS", &url, None).await;
    assert_eq!(preflight.status, 200);
    preflight.assert_cors(METHODS);
    assert_eq!(preflight.body, "");

    let lines = sandbox.log_lines("LambdaCRUD").await;
    assert!(
        lines.iter().any(|line| line.contains("method=POST")),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_under_a_condition_and_deletes() {
    let (_sandbox, url) = lesson().await;
    let item =
        json!({"TableName": TABLE, "Item": {"thingID": {"S": "lamp"}, "watts": {"N": "40"}}});
    send("POST", &url, Some(&item.to_string())).await;

    let update = json!({
        "TableName": TABLE,
        "Key": {"thingID": {"S": "lamp"}},
        "UpdateExpression": "SET watts = watts + :more, color = :color",
        "ConditionExpression": "attribute_exists(thingID)",
        "ExpressionAttributeValues": {":more": {"N": "20"}, ":color": {"S": "red"}},
        "ReturnValues": "ALL_NEW"
    });
    let updated = send("PUT", &url, Some(&update.to_string())).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(
        updated.json()["Attributes"],
        json!({"thingID": {"S": "lamp"}, "watts": {"N": "60"}, "color": {"S": "red"}})
    );

    let mut missing = update.clone();
    missing["Key"] = json!({"thingID": {"S": "chair"}});
    let refused = send("PUT", &url, Some(&missing.to_string())).await;
    assert_eq!(refused.status, 400);
    refused.assert_cors(METHODS);
    assert_eq!(refused.json()["error"], "ConditionalCheckFailedException");
    assert_eq!(refused.json()["message"], "The conditional request failed");

    let delete = json!({
        "TableName": TABLE, "Key": {"thingID": {"S": "lamp"}}, "ReturnValues": "ALL_OLD"
    });
    let deleted = send("DELETE", &url, Some(&delete.to_string())).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.json()["Attributes"]["color"], json!({"S": "red"}));
    let listed = send("GET", &list_url(&url), None).await.json();
    assert_eq!(listed["Count"], json!(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failure_is_a_400_naming_the_aws_error() {
    let (_sandbox, url) = lesson().await;
    let cases: [(&str, String, Option<Value>, &str, &str); 7] = [
        (
            "GET",
            format!("{url}?TableName=no-such-table"),
            None,
            "ResourceNotFoundException",
            "Requested resource not found",
        ),
        (
            "GET",
            url.clone(),
            None,
            "ValidationException",
            "Scan needs a TableName",
        ),
        (
            "POST",
            url.clone(),
            Some(json!({"Item": {"thingID": {"S": "x"}}})),
            "ValidationException",
            "PutItem needs a TableName",
        ),
        (
            "PUT",
            url.clone(),
            Some(json!({
                "TableName": TABLE, "Key": {"thingID": {"S": "x"}}, "UpdateExpression": "SET"
            })),
            "ValidationException",
            "Invalid UpdateExpression",
        ),
        (
            "DELETE",
            url.clone(),
            Some(json!({"TableName": TABLE, "Key": {"thingID": {}}})),
            "ValidationException",
            "Key.thingID: Supplied AttributeValue is empty",
        ),
        (
            "POST",
            url.clone(),
            Some(json!({"TableName": TABLE, "Items": []})),
            "ValidationException",
            "PutItem: unknown parameter `Items`",
        ),
        (
            "GET",
            format!("{url}?TableName={TABLE}&Limit=all"),
            None,
            "ValidationException",
            "Limit must be an integer",
        ),
    ];
    for (method, target, body, code, message) in cases {
        let body = body.map(|body| body.to_string());
        let reply = send(method, &target, body.as_deref()).await;
        assert_eq!(reply.status, 400, "{method} {target}: {}", reply.body);
        reply.assert_cors(METHODS);
        assert_eq!(
            reply.json()["error"],
            code,
            "{method} {target}: {}",
            reply.body
        );
        let text = reply.json()["message"].as_str().unwrap().to_owned();
        assert!(text.contains(message), "{method} {target}: {text}");
    }
}

/// A body that is not JSON, or none where one is needed, is a 400 too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_or_missing_body_is_a_400() {
    let (_sandbox, url) = lesson().await;
    let not_json = send("POST", &url, Some("{\"TableName\": ")).await;
    assert_eq!(not_json.status, 400);
    assert_eq!(not_json.json()["error"], "SerializationException");
    let no_body = send("DELETE", &url, None).await;
    assert_eq!(no_body.status, 400);
    assert!(
        no_body.json()["message"]
            .as_str()
            .unwrap()
            .contains("needs a JSON body")
    );
}

/// The function logs the AWS error it answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_is_in_the_function_s_log() {
    let (sandbox, url) = lesson().await;
    let reply = send("GET", &format!("{url}?TableName=no-such-table"), None).await;
    assert_eq!(reply.status, 400);
    // Log lines are delivered as they come: give them a moment.
    let mut lines = Vec::new();
    for _ in 0..50 {
        lines = sandbox.log_lines("LambdaCRUD").await;
        if lines
            .iter()
            .any(|line| line.contains("ResourceNotFoundException"))
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    }
    panic!("the failure is not in the log: {lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoked_directly_with_an_http_api_event_it_answers_in_kind() {
    let sandbox = Sandbox::start().await;
    sandbox.create_table(TABLE, "thingID").await;
    sandbox.deploy("LambdaCRUD", host_built_zip("crud")).await;
    let event = json!({
        "version": "2.0", "routeKey": "GET /", "rawPath": "/prod/",
        "rawQueryString": format!("TableName={TABLE}"), "headers": {},
        "requestContext": {
            "accountId": "000000000000", "apiId": "test", "domainName": "test",
            "domainPrefix": "test", "requestId": "r1", "routeKey": "GET /", "stage": "prod",
            "time": "21/Nov/2026:10:00:00 +0000", "timeEpoch": 1_795_000_000_000_u64,
            "http": {"method": "GET", "path": "/prod/", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "test"}
        },
        "isBase64Encoded": false
    });
    let (error, reply) = sandbox.invoke("LambdaCRUD", event).await;
    assert_eq!(error, None);
    assert_eq!(reply["statusCode"], json!(200));
    let body: Value = serde_json::from_str(reply["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["Count"], json!(0));
}

/// Percent-encodes a query-string value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
