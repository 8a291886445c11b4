//! What `LambdaCRUD` does with a request: the HTTP method picks the DynamoDB call, the request
//! carries that call's parameters in DynamoDB's own shape, and the reply is DynamoDB's response.
//!
//! | Method    | DynamoDB call | Parameters from                                        |
//! |-----------|---------------|--------------------------------------------------------|
//! | `GET`     | `Scan`        | the query string: `?TableName=things&Limit=10`         |
//! | `POST`    | `PutItem`     | the JSON body: `{"TableName": …, "Item": {…}}`         |
//! | `PUT`     | `UpdateItem`  | the JSON body: `{"TableName": …, "Key": {…}, …}`       |
//! | `DELETE`  | `DeleteItem`  | the JSON body: `{"TableName": …, "Key": {…}}`          |
//! | `OPTIONS` | —             | a browser's CORS preflight: only the CORS headers      |
//!
//! Items are in DynamoDB JSON (`{"thingID": {"S": "lamp"}}`). Every reply carries the CORS
//! headers; a failure answers 400 with `{"error": "<AWS error code>", "message": "…"}`.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::http::Method;
use lambda_kit::http::{self, Cors};
use lambda_kit::{CallError, Dynamo};
use lambda_runtime::LambdaEvent;
use lambda_runtime::tracing::{info, warn};
use serde_json::{Map, Value};

/// The browser may call every method the function answers.
pub const CORS: Cors = Cors {
    allow_methods: "GET, POST, PUT, DELETE, OPTIONS",
};

/// The query-string parameters of a `GET` that are not text: numbers, flags, and JSON.
const INTEGER_PARAMETERS: [&str; 3] = ["Limit", "Segment", "TotalSegments"];
const BOOLEAN_PARAMETERS: [&str; 1] = ["ConsistentRead"];
const JSON_PARAMETERS: [&str; 3] = [
    "ExclusiveStartKey",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
];

/// The DynamoDB call a request asks for, with its parameters.
#[derive(Debug, PartialEq)]
pub enum Call {
    Scan(Value),
    PutItem(Value),
    UpdateItem(Value),
    DeleteItem(Value),
    /// `OPTIONS`: nothing to call.
    Preflight,
}

/// Answers one request. Failures are replies too: the function never fails the invocation.
pub async fn handle(
    table: &Dynamo,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> Result<ApiGatewayV2httpResponse, std::convert::Infallible> {
    let request = event.payload;
    let method = &request.request_context.http.method;
    info!(%method, query = %request.raw_query_string.as_deref().unwrap_or(""), "request");
    let outcome = match call_for(&request) {
        Ok(call) => run(table, call).await,
        Err(error) => Err(error),
    };
    Ok(match outcome {
        Ok(Some(response)) => {
            info!(%method, "answered 200");
            CORS.json(200, &response)
        }
        Ok(None) => CORS.empty(200),
        Err(error) => {
            warn!(%method, code = %error.code, message = %error.message, "call failed");
            CORS.error(&error)
        }
    })
}

/// Reads which call a request asks for, without calling anything.
pub fn call_for(request: &ApiGatewayV2httpRequest) -> Result<Call, CallError> {
    let method = &request.request_context.http.method;
    let body_of = |operation: &str| {
        http::json_body(request)?.ok_or_else(|| {
            CallError::validation(format!(
                "{method} needs a JSON body with {operation}'s parameters, \
                 like {{\"TableName\": \"…\", …}}"
            ))
        })
    };
    match *method {
        Method::GET => Ok(Call::Scan(scan_parameters(
            request.raw_query_string.as_deref().unwrap_or(""),
        )?)),
        Method::POST => Ok(Call::PutItem(body_of("PutItem")?)),
        Method::PUT => Ok(Call::UpdateItem(body_of("UpdateItem")?)),
        Method::DELETE => Ok(Call::DeleteItem(body_of("DeleteItem")?)),
        Method::OPTIONS => Ok(Call::Preflight),
        _ => Err(CallError::validation(format!(
            "Unsupported method \"{method}\": use {}",
            CORS.allow_methods
        ))),
    }
}

async fn run(table: &Dynamo, call: Call) -> Result<Option<Value>, CallError> {
    let response = match call {
        Call::Scan(params) => table.scan(params).await?,
        Call::PutItem(params) => table.put_item(params).await?,
        Call::UpdateItem(params) => table.update_item(params).await?,
        Call::DeleteItem(params) => table.delete_item(params).await?,
        Call::Preflight => return Ok(None),
    };
    Ok(Some(response))
}

/// `Scan`'s parameters from a query string such as `TableName=things&Limit=2`. Values are
/// text except the numbers, flags and JSON documents that `Scan` takes
/// (`ExclusiveStartKey={"thingID":{"S":"lamp"}}`).
///
/// The raw query string is read rather than `queryStringParameters`, where API Gateway joins
/// repeated parameters with commas — which JSON values contain.
pub fn scan_parameters(query: &str) -> Result<Value, CallError> {
    let mut parameters = Map::new();
    for (name, text) in form_urlencoded::parse(query.as_bytes()) {
        let value = if INTEGER_PARAMETERS.contains(&name.as_ref()) {
            let number: i64 = text.parse().map_err(|_| {
                CallError::validation(format!("{name} must be an integer, not \"{text}\""))
            })?;
            Value::from(number)
        } else if BOOLEAN_PARAMETERS.contains(&name.as_ref()) {
            let flag: bool = text.parse().map_err(|_| {
                CallError::validation(format!("{name} must be true or false, not \"{text}\""))
            })?;
            Value::from(flag)
        } else if JSON_PARAMETERS.contains(&name.as_ref()) {
            serde_json::from_str(&text).map_err(|error| {
                CallError::validation(format!("{name} must be a JSON object: {error}"))
            })?
        } else {
            Value::from(text.as_ref())
        };
        if parameters.insert(name.to_string(), value).is_some() {
            return Err(CallError::validation(format!(
                "{name} is given more than once"
            )));
        }
    }
    Ok(Value::Object(parameters))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(method: Method, query: &str, body: Option<&str>) -> ApiGatewayV2httpRequest {
        let mut request = ApiGatewayV2httpRequest::default();
        request.request_context.http.method = method;
        request.raw_query_string = Some(query.to_owned());
        request.body = body.map(str::to_owned);
        request
    }

    #[test]
    fn each_method_picks_its_call() {
        let item = r#"{"TableName": "t", "Item": {"thingID": {"S": "lamp"}}}"#;
        let cases = [
            (
                Method::POST,
                Call::PutItem(json!({"TableName": "t", "Item": {"thingID": {"S": "lamp"}}})),
            ),
            (
                Method::PUT,
                Call::UpdateItem(json!({"TableName": "t", "Item": {"thingID": {"S": "lamp"}}})),
            ),
            (
                Method::DELETE,
                Call::DeleteItem(json!({"TableName": "t", "Item": {"thingID": {"S": "lamp"}}})),
            ),
        ];
        for (method, expected) in cases {
            assert_eq!(
                call_for(&request(method, "", Some(item))).unwrap(),
                expected
            );
        }
        assert_eq!(
            call_for(&request(Method::GET, "TableName=t", None)).unwrap(),
            Call::Scan(json!({"TableName": "t"}))
        );
        assert_eq!(
            call_for(&request(Method::OPTIONS, "", None)).unwrap(),
            Call::Preflight
        );
    }

    #[test]
    fn the_lab_page_query_string_becomes_scan_parameters() {
        // What jQuery sends for `data: {'TableName': TableName}`, plus paging and a filter.
        let start = r#"{"thingID":{"S":"a,b"}}"#;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("TableName", "ccbda-lambda-first")
            .append_pair("Limit", "2")
            .append_pair("ConsistentRead", "true")
            .append_pair("ExclusiveStartKey", start)
            .append_pair("FilterExpression", "begins_with(thingID, :p)")
            .append_pair("ExpressionAttributeValues", r#"{":p":{"S":"l"}}"#)
            .finish();
        assert_eq!(
            scan_parameters(&query).unwrap(),
            json!({
                "TableName": "ccbda-lambda-first", "Limit": 2, "ConsistentRead": true,
                "ExclusiveStartKey": {"thingID": {"S": "a,b"}},
                "FilterExpression": "begins_with(thingID, :p)",
                "ExpressionAttributeValues": {":p": {"S": "l"}}
            })
        );
        assert_eq!(scan_parameters("").unwrap(), json!({}));
    }

    #[test]
    fn malformed_requests_are_validation_errors() {
        let cases = [
            (
                request(Method::GET, "Limit=ten", None),
                "Limit must be an integer",
            ),
            (
                request(Method::GET, "ConsistentRead=yes", None),
                "ConsistentRead must be true or false",
            ),
            (
                request(Method::GET, "ExclusiveStartKey={", None),
                "ExclusiveStartKey must be a JSON object",
            ),
            (
                request(Method::GET, "TableName=a&TableName=b", None),
                "TableName is given more than once",
            ),
            (
                request(Method::POST, "", None),
                "POST needs a JSON body with PutItem's parameters",
            ),
            (
                request(Method::PATCH, "", None),
                "Unsupported method \"PATCH\"",
            ),
        ];
        for (request, expected) in cases {
            let error = call_for(&request).unwrap_err();
            assert_eq!(error.code, "ValidationException");
            assert!(error.message.starts_with(expected), "{}", error.message);
        }
        let error = call_for(&request(Method::PUT, "", Some("{not json"))).unwrap_err();
        assert_eq!(error.code, "SerializationException");
    }
}
