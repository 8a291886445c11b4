//! No request shape crashes the sandbox: each shape that once overflowed its stack or aborted it
//! on an allocation gets AWS's client error, and the server answers the next request.

use std::io::{Cursor, Write as _};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};

use crate::client::send;
use crate::fixture::{Sandbox, create_table, error_of, s};

/// A 20,000-deep shape: what once took the process down.
const DEEP: usize = 20_000;

fn nested(open: &str, middle: &str, close: &str, depth: usize) -> String {
    format!("{}{middle}{}", open.repeat(depth), close.repeat(depth))
}

/// The sandbox is still serving: health answers and a table can be read.
async fn assert_alive(sandbox: &Sandbox, after: &str) {
    let health = send(
        "GET",
        &format!("{}/_sandbox/health", sandbox.running.endpoint()),
        &[],
        "",
    )
    .await;
    assert_eq!(health.status, 200, "health after {after}");
    sandbox
        .dynamodb()
        .describe_table()
        .table_name("shapes")
        .send()
        .await
        .unwrap_or_else(|error| panic!("DescribeTable after {after}: {error:?}"));
}

/// A sandbox with table `shapes` holding item `one` (`a` = 1, `b` = 2).
async fn shapes() -> Sandbox {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, "shapes", "id", None).await;
    client
        .put_item()
        .table_name("shapes")
        .item("id", s("one"))
        .item("a", AttributeValue::N("1".into()))
        .item("b", AttributeValue::N("2".into()))
        .send()
        .await
        .unwrap();
    sandbox
}

/// Each deep or long condition gets `Invalid ConditionExpression: …` with AWS's reason, the
/// server keeps serving after each, and no refused update is applied. Every shape is tried
/// before the test reports, so one failure does not hide another.
#[tokio::test]
async fn deep_and_long_conditions_get_a_validation_error() {
    let sandbox = shapes().await;
    let client = sandbox.dynamodb();
    let conditions = [
        (
            "a<b and (…) 20,000 deep",
            nested("a<b and (", "a<b", ")", DEEP),
            "Expression size has exceeded the maximum allowed size; expression size:",
        ),
        (
            "20,000 parentheses",
            "(".repeat(DEEP),
            "Expression size has exceeded",
        ),
        (
            "20,000 NOTs",
            format!("{}a<b", "NOT ".repeat(DEEP)),
            "Expression size has exceeded",
        ),
        (
            "functions 20,000 deep",
            format!("a < {}", nested("f(", "b", ")", DEEP)),
            "Expression size has exceeded",
        ),
        (
            "4,096 parentheses",
            "(".repeat(4096),
            "Syntax error; token: \"<EOF>\"",
        ),
        (
            "2,046 parentheses around one comparison",
            nested("(", "a<b", ")", 2046),
            "The expression has redundant parentheses;",
        ),
        (
            "1,000 NOTs",
            format!("{}a<b", "not ".repeat(1000)),
            "The expression contains too many operators; operator count: 301",
        ),
        (
            "a<b or (…) 454 deep",
            format!("a<b {}", nested("or (a<b ", "", ")", 454)),
            "The expression contains too many operators; operator count: 301",
        ),
        (
            "size() 680 deep",
            format!("a < {}", nested("size(", "b", ")", 680)),
            "Invalid ConditionExpression:",
        ),
        (
            "functions 1,355 deep",
            format!("a < {}", nested("f(", "b", ")", 1355)),
            "Invalid function name; function: f",
        ),
    ];
    let mut failures = Vec::new();
    for (shape, condition, message) in conditions {
        let (code, text) = error_of(
            client
                .update_item()
                .table_name("shapes")
                .key("id", s("one"))
                .update_expression("SET z = :v")
                .condition_expression(&condition)
                .expression_attribute_values(":v", AttributeValue::N("1".into()))
                .send()
                .await,
        );
        if code != "ValidationException"
            || !text.starts_with("Invalid ConditionExpression: ")
            || !text.contains(message)
        {
            failures.push(format!("{shape}: {code} {text} (wanted …{message}…)"));
        }
        assert_alive(&sandbox, shape).await;
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let item = client
        .get_item()
        .table_name("shapes")
        .key("id", s("one"))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!item.contains_key("z"), "no refused update applied");
}

/// A 20,000-deep update path is refused by its size, before it is parsed.
#[tokio::test]
async fn a_deep_update_path_gets_a_validation_error() {
    let sandbox = shapes().await;
    let deep_path = format!("a{}", ".b".repeat(DEEP));
    let (code, text) = error_of(
        sandbox
            .dynamodb()
            .update_item()
            .table_name("shapes")
            .key("id", s("one"))
            .update_expression(format!("SET {deep_path} = :v"))
            .expression_attribute_values(":v", AttributeValue::N("1".into()))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        text,
        "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"
    );
    assert_alive(&sandbox, "a 20,000-deep update path").await;
}

/// A projection path deeper than 32 levels is refused with its nesting level.
#[tokio::test]
async fn a_deep_projection_path_gets_a_validation_error() {
    let sandbox = shapes().await;
    let (code, text) = error_of(
        sandbox
            .dynamodb()
            .get_item()
            .table_name("shapes")
            .key("id", s("one"))
            .projection_expression(format!("a{}", ".b".repeat(40)))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        text,
        "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 41"
    );
    assert_alive(&sandbox, "a 41-deep projection path").await;
}

#[tokio::test]
async fn deeply_nested_json_bodies_are_refused_cleanly() {
    let sandbox = Sandbox::start().await;
    create_table(&sandbox.dynamodb(), "shapes", "id", None).await;
    let endpoint = sandbox.running.endpoint();
    let headers = [
        ("x-amz-target", "DynamoDB_20120810.PutItem"),
        ("content-type", "application/x-amz-json-1.0"),
    ];
    for depth in [33, 100, 100_000] {
        let value = nested(r#"{"M":{"a":"#, r#"{"S":"x"}"#, "}}", depth);
        let body =
            format!(r#"{{"TableName":"shapes","Item":{{"id":{{"S":"k"}},"deep":{value}}}}}"#);
        let reply = send("POST", &format!("{endpoint}/"), &headers, &body).await;
        assert_eq!(reply.status, 400, "{depth}: {}", reply.body);
        assert_eq!(
            reply.json()["message"],
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit",
            "{depth}"
        );
        assert_alive(&sandbox, &format!("an item nested {depth} deep")).await;
    }
    let brackets = nested("[", "", "]", 100_000);
    let reply = send("POST", &format!("{endpoint}/"), &headers, &brackets).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_alive(&sandbox, "100,000 nested brackets").await;
}

/// A zip whose four entries each declare 2⁶² bytes in their zip64 fields, so that a 64-bit sum
/// of the declared sizes wraps to zero.
fn zip64_bomb() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        for name in ["a", "b", "c", "d"] {
            writer.start_file(name, options).unwrap();
            writer.write_all(b"x").unwrap();
        }
        writer.finish().unwrap();
    }
    let mut bytes = out.into_inner();
    // Every zip64 extended-information field (id 1, 16 or 24 bytes) starts with the
    // uncompressed size.
    let mut i = 0;
    while i + 12 <= bytes.len() {
        if matches!(bytes[i..i + 4], [0x01, 0x00, 0x10 | 0x18, 0x00]) {
            bytes[i + 4..i + 12].copy_from_slice(&(1u64 << 62).to_le_bytes());
            i += 12;
        } else {
            i += 1;
        }
    }
    bytes
}

#[tokio::test]
async fn a_zip_that_lies_about_its_size_is_refused() {
    let sandbox = Sandbox::start().await;
    create_table(&sandbox.dynamodb(), "shapes", "id", None).await;
    let bomb = zip64_bomb();
    let declared = zip::ZipArchive::new(Cursor::new(bomb.as_slice()))
        .unwrap()
        .by_index(0)
        .unwrap()
        .size();
    assert_eq!(declared, 1 << 62, "the sizes are patched");
    let failure = sandbox
        .lambda()
        .create_function()
        .function_name("bomb")
        .runtime(Runtime::Python312)
        .role("arn:aws:iam::000000000000:role/LabRole")
        .handler("app.handler")
        .code(FunctionCode::builder().zip_file(Blob::new(bomb)).build())
        .send()
        .await
        .expect_err("refused");
    let service = failure.into_service_error();
    assert!(
        service.is_invalid_parameter_value_exception(),
        "{service:?}"
    );
    assert_eq!(
        aws_sdk_lambda::error::ProvideErrorMetadata::message(&service),
        Some("Unzipped size must be smaller than 262144000 bytes")
    );
    assert_alive(&sandbox, "a zip64 bomb").await;
    let functions = sandbox.lambda().list_functions().send().await.unwrap();
    assert!(functions.functions().is_empty());
}

/// Request lines and header sections past what the server reads (1 MB, 100 headers) are answered
/// with a status, not a reset connection.
#[tokio::test]
async fn oversized_request_lines_and_headers_are_answered() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sandbox = Sandbox::start().await;
    create_table(&sandbox.dynamodb(), "shapes", "id", None).await;
    let address = sandbox
        .running
        .endpoint()
        .trim_start_matches("http://")
        .to_owned();
    let megabyte = "a".repeat(1 << 20);
    let many: String = (0..200).map(|i| format!("X-Header-{i}: v\r\n")).collect();
    for (shape, request) in [
        (
            "a 1 MB request line",
            format!("GET /{megabyte} HTTP/1.1\r\nHost: {address}\r\n\r\n"),
        ),
        (
            "a 1 MB header",
            format!("GET / HTTP/1.1\r\nHost: {address}\r\nX-Big: {megabyte}\r\n\r\n"),
        ),
        (
            "200 headers",
            format!("GET / HTTP/1.1\r\nHost: {address}\r\n{many}\r\n"),
        ),
    ] {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        // The server may answer and close before it has read everything.
        let _ = stream.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            stream.read_to_end(&mut answer),
        )
        .await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
            "{shape}: {answer:?}"
        );
        assert_alive(&sandbox, shape).await;
    }
}
