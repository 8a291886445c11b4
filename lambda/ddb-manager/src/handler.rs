//! What `DynamoDBManager` does: each request names an operation, the table, and the
//! operation's parameters (DynamoDB's, with items in plain JSON):
//!
//! ```json
//! {"operation": "create", "tableName": "lambda-apigateway",
//!  "payload": {"Item": {"id": "1", "name": "Bob"}}}
//! ```
//!
//! | Operation | Does                                     |
//! |-----------|------------------------------------------|
//! | `create`  | `PutItem` (`Item`, `ConditionExpression`, …) |
//! | `read`    | `GetItem` (`Key`, …)                     |
//! | `update`  | `UpdateItem` (`Key`, `UpdateExpression`, …) |
//! | `delete`  | `DeleteItem` (`Key`, …)                  |
//! | `list`    | `Scan` (`Limit`, `FilterExpression`, …)  |
//! | `echo`    | answers the payload back                 |
//! | `ping`    | answers `"pong"`                         |
//!
//! The function is reached two ways. Invoked directly (Lambda's Invoke, a console test event),
//! the event is the request and the result is DynamoDB's response; a failure is a function
//! error whose type is the AWS error code. Behind `POST /DynamoDBManager` of an HTTP API
//! (payload format 2.0), the request is the body, and the reply is JSON with CORS headers —
//! 200 with the response, or 400 with `{"error": "<AWS error code>", "message": "…"}`.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::http::Method;
use lambda_kit::http::{self, Cors};
use lambda_kit::{CallError, Dynamo};
use lambda_runtime::LambdaEvent;
use lambda_runtime::tracing::{info, warn};
use serde::Deserialize;
use serde_json::Value;

/// Browsers may `POST` requests (and send the preflight before).
pub const CORS: Cors = Cors {
    allow_methods: "POST, OPTIONS",
};

/// One request to the manager.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    pub operation: String,
    pub table_name: Option<String>,
    #[serde(default)]
    pub payload: Value,
}

/// Answers one invocation, direct or through API Gateway.
pub async fn handle(table: &Dynamo, event: LambdaEvent<Value>) -> Result<Value, CallError> {
    if event.payload.get("requestContext").is_some() {
        let request: ApiGatewayV2httpRequest =
            serde_json::from_value(event.payload).map_err(|error| {
                CallError::serialization(format!("not an HTTP API (2.0) event: {error}"))
            })?;
        let reply = answer_http(table, &request).await;
        return serde_json::to_value(reply)
            .map_err(|error| CallError::serialization(format!("unserialisable reply: {error}")));
    }
    let outcome = match parse_request(event.payload) {
        Ok(request) => perform(table, request).await,
        Err(error) => Err(error),
    };
    if let Err(error) = &outcome {
        warn!(code = %error.code, message = %error.message, "request failed");
    }
    outcome
}

async fn answer_http(
    table: &Dynamo,
    request: &ApiGatewayV2httpRequest,
) -> aws_lambda_events::apigw::ApiGatewayV2httpResponse {
    if request.request_context.http.method == Method::OPTIONS {
        return CORS.empty(200);
    }
    let outcome = match http::json_body(request) {
        Ok(Some(body)) => match parse_request(body) {
            Ok(request) => perform(table, request).await,
            Err(error) => Err(error),
        },
        Ok(None) => Err(CallError::validation(
            "the body must be a request like {\"operation\": \"list\", \"tableName\": \"…\"}",
        )),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(response) => CORS.json(200, &response),
        Err(error) => {
            warn!(code = %error.code, message = %error.message, "request failed");
            CORS.error(&error)
        }
    }
}

/// Reads a request, refusing unknown members.
pub fn parse_request(json: Value) -> Result<Request, CallError> {
    serde_json::from_value(json).map_err(|error| {
        CallError::validation(format!(
            "not a DynamoDBManager request ({error}); send {{\"operation\": …, \"tableName\": …, \
             \"payload\": {{…}}}}"
        ))
    })
}

/// Performs a request's operation.
pub async fn perform(table: &Dynamo, request: Request) -> Result<Value, CallError> {
    info!(operation = %request.operation, table = ?request.table_name, "request");
    match request.operation.as_str() {
        "echo" => Ok(request.payload),
        "ping" => Ok(Value::from("pong")),
        "create" => table.put_item(with_table(request)?).await,
        "read" => table.get_item(with_table(request)?).await,
        "update" => table.update_item(with_table(request)?).await,
        "delete" => table.delete_item(with_table(request)?).await,
        "list" => table.scan(with_table(request)?).await,
        unknown => Err(CallError::validation(format!(
            "Unrecognized operation \"{unknown}\": use create, read, update, delete, list, \
             echo or ping"
        ))),
    }
}

/// The payload with `TableName` set from the request's `tableName`, as boto3's `Table`
/// resource does.
fn with_table(request: Request) -> Result<Value, CallError> {
    let Some(table_name) = request.table_name else {
        return Err(CallError::validation(format!(
            "\"{}\" needs a \"tableName\"",
            request.operation
        )));
    };
    let mut payload = match request.payload {
        Value::Null => serde_json::Map::new(),
        Value::Object(payload) => payload,
        _ => {
            return Err(CallError::validation(
                "\"payload\" must be an object of the operation's parameters",
            ));
        }
    };
    if payload.contains_key("TableName") {
        return Err(CallError::validation(
            "name the table in \"tableName\", not in \"payload\"",
        ));
    }
    payload.insert("TableName".to_owned(), Value::from(table_name));
    Ok(Value::Object(payload))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(json: Value) -> Request {
        parse_request(json).unwrap()
    }

    #[test]
    fn the_table_name_joins_the_payload() {
        let create = request(json!({
            "operation": "create", "tableName": "lambda-apigateway",
            "payload": {"Item": {"id": "1", "name": "Bob"}}
        }));
        assert_eq!(
            with_table(create).unwrap(),
            json!({"TableName": "lambda-apigateway", "Item": {"id": "1", "name": "Bob"}})
        );
        let list = request(json!({"operation": "list", "tableName": "t"}));
        assert_eq!(with_table(list).unwrap(), json!({"TableName": "t"}));
    }

    #[test]
    fn requests_that_cannot_work_are_refused() {
        let no_table = request(json!({"operation": "read", "payload": {"Key": {"id": "1"}}}));
        assert!(
            with_table(no_table)
                .unwrap_err()
                .message
                .contains("needs a \"tableName\"")
        );
        let both =
            request(json!({"operation": "read", "tableName": "a", "payload": {"TableName": "b"}}));
        assert!(
            with_table(both)
                .unwrap_err()
                .message
                .contains("not in \"payload\"")
        );
        let list = request(json!({"operation": "list", "tableName": "a", "payload": [1]}));
        assert!(
            with_table(list)
                .unwrap_err()
                .message
                .contains("must be an object")
        );
        let error = parse_request(json!({"operation": "ping", "extra": 1})).unwrap_err();
        assert!(
            error.message.contains("unknown field `extra`"),
            "{}",
            error.message
        );
        let error = parse_request(json!({"tableName": "t"})).unwrap_err();
        assert!(
            error.message.contains("missing field `operation`"),
            "{}",
            error.message
        );
    }

    /// A client for operations that never reach DynamoDB.
    fn offline_table() -> Dynamo {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build();
        Dynamo::new(
            aws_sdk_dynamodb::Client::from_conf(config),
            lambda_kit::Notation::Plain,
        )
    }

    #[tokio::test]
    async fn echo_ping_and_unknown_operations_need_no_table() {
        let table = offline_table();
        let echo = request(json!({"operation": "echo", "payload": {"somekey1": "somevalue1"}}));
        assert_eq!(
            perform(&table, echo).await.unwrap(),
            json!({"somekey1": "somevalue1"})
        );
        let ping = request(json!({"operation": "ping"}));
        assert_eq!(perform(&table, ping).await.unwrap(), json!("pong"));
        let unknown = request(json!({"operation": "drop", "tableName": "t"}));
        let error = perform(&table, unknown).await.unwrap_err();
        assert_eq!(error.code, "ValidationException");
        assert!(error.message.starts_with("Unrecognized operation \"drop\""));
    }
}
