//! The proxy events API Gateway sends a Lambda function (payload formats 2.0 and 1.0), field for
//! field, and how it turns the function's answer back into an HTTP response.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value as Json, json};

use crate::store::Scope;

/// What an event is built from.
#[derive(Debug)]
pub struct Request<'a> {
    pub scope: &'a Scope,
    pub api_id: &'a str,
    pub stage: &'a str,
    pub route_key: &'a str,
    /// The path after the API id, stage included (as `rawPath` reports it).
    pub path: &'a str,
    /// The path after the stage (what routes match).
    pub route_path: &'a str,
    pub query: Option<&'a str>,
    pub method: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
    pub path_parameters: &'a BTreeMap<String, String>,
    pub stage_variables: &'a BTreeMap<String, String>,
    pub request_id: &'a str,
}

/// A request id as API Gateway writes them (`apigw-requestid`), e.g. `Jq7bYhcZIAMEb8A=`.
pub fn request_id() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut id = BASE64.encode(&bytes[..10]);
    id.truncate(14);
    id.push('=');
    id
}

/// A REST API's request id: a UUID, as `x-amzn-RequestId` and `$context.requestId` carry it.
pub fn rest_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A REST API request's extended id (`x-amz-apigw-id`, `$context.extendedRequestId`), derived
/// from its request id so every place that shows it agrees.
pub fn extended_request_id(request_id: &str) -> String {
    use sha2::Digest as _;
    let bytes: Vec<u8> = match uuid::Uuid::parse_str(request_id) {
        Ok(id) => id.into_bytes().to_vec(),
        Err(_) => sha2::Sha256::digest(request_id.as_bytes()).to_vec(),
    };
    let mut id = BASE64.encode(&bytes[..10]);
    id.truncate(14);
    id.push('=');
    id
}

/// The request time as `$context.requestTime` writes it: `21/Nov/2026:12:30:00 +0000`.
pub fn request_time() -> String {
    now().0
}

pub(crate) fn now() -> (String, i64) {
    let millis = crate::clock::now_millis();
    let now = crate::clock::Civil::at(millis);
    let text = format!(
        "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
        now.day,
        now.month_name(),
        now.year,
        now.hour,
        now.minute,
        now.second
    );
    (text, millis)
}

/// Lower-cased header names; repeated values joined with commas (`cookie` excepted: 2.0 moves
/// cookies to their own list).
fn joined_headers(headers: &HeaderMap) -> Map<String, Json> {
    let mut out: Map<String, Json> = Map::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match out.get_mut(name.as_str()) {
            Some(Json::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                out.insert(name.as_str().to_owned(), json!(value));
            }
        }
    }
    out.entry("x-forwarded-for").or_insert(json!("127.0.0.1"));
    out.entry("x-forwarded-proto").or_insert(json!("http"));
    let port = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.rsplit_once(':'))
        .map_or("80".to_owned(), |(_, port)| port.to_owned());
    out.entry("x-forwarded-port").or_insert(json!(port));
    out.entry("x-amzn-trace-id")
        .or_insert(json!(format!("Root={}", crate::wire::new_trace_root())));
    out
}

/// Each header as a name and its value as text (invalid UTF-8 replaced), in the map's order.
pub(crate) fn header_pairs(headers: &HeaderMap) -> impl Iterator<Item = (String, String)> + '_ {
    headers.iter().map(|(name, value)| {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        (name.as_str().to_owned(), value)
    })
}

pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    crate::wire::percent::query_pairs(query).collect()
}

/// The body and whether it is base64-encoded: text stays text, anything else is encoded.
fn body_of(request: &Request<'_>) -> Option<(String, bool)> {
    if request.body.is_empty() {
        return None;
    }
    let encoded = request.headers.contains_key("content-encoding");
    match std::str::from_utf8(request.body) {
        Ok(text) if !encoded => Some((text.to_owned(), false)),
        _ => Some((BASE64.encode(request.body), true)),
    }
}

fn domain(request: &Request<'_>) -> String {
    request
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

/// Payload format 2.0.
pub fn version_2(request: &Request<'_>) -> Json {
    let (time, epoch) = now();
    let mut headers = joined_headers(request.headers);
    let cookies: Vec<String> = headers
        .remove("cookie")
        .and_then(|c| {
            c.as_str().map(|c| {
                c.split(';')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
        })
        .unwrap_or_default();
    let user_agent = headers
        .get("user-agent")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned();
    let domain = domain(request);
    let mut event = json!({
        "version": "2.0",
        "routeKey": request.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query.unwrap_or_default(),
        "headers": headers,
        "requestContext": {
            "accountId": request.scope.account,
            "apiId": request.api_id,
            "domainName": domain,
            "domainPrefix": domain.split('.').next().unwrap_or_default(),
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": user_agent,
            },
            "requestId": request.request_id,
            "routeKey": request.route_key,
            "stage": request.stage,
            "time": time,
            "timeEpoch": epoch,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    let pairs = query_pairs(request.query);
    if !pairs.is_empty() {
        let mut parameters: Map<String, Json> = Map::new();
        for (key, value) in pairs {
            match parameters.get_mut(&key) {
                Some(Json::String(existing)) => {
                    existing.push(',');
                    existing.push_str(&value);
                }
                _ => {
                    parameters.insert(key, json!(value));
                }
            }
        }
        event["queryStringParameters"] = Json::Object(parameters);
    }
    if !request.path_parameters.is_empty() {
        event["pathParameters"] = json!(request.path_parameters);
    }
    if !request.stage_variables.is_empty() {
        event["stageVariables"] = json!(request.stage_variables);
    }
    if let Some((body, encoded)) = body_of(request) {
        event["body"] = json!(body);
        event["isBase64Encoded"] = json!(encoded);
    }
    event
}

/// Payload format 1.0 (the REST API shape).
pub fn version_1(request: &Request<'_>) -> Json {
    let (time, epoch) = now();
    let mut headers = Map::new();
    let mut multi_headers: Map<String, Json> = Map::new();
    for (name, value) in request.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_owned(), json!(value));
        match multi_headers.get_mut(name.as_str()) {
            Some(Json::Array(values)) => values.push(json!(value)),
            _ => {
                multi_headers.insert(name.as_str().to_owned(), json!([value]));
            }
        }
    }
    let pairs = query_pairs(request.query);
    let mut query: Map<String, Json> = Map::new();
    let mut multi_query: Map<String, Json> = Map::new();
    for (key, value) in &pairs {
        query.insert(key.clone(), json!(value));
        match multi_query.get_mut(key) {
            Some(Json::Array(values)) => values.push(json!(value)),
            _ => {
                multi_query.insert(key.clone(), json!([value]));
            }
        }
    }
    let resource = request
        .route_key
        .split_once(' ')
        .map_or(request.route_key, |(_, path)| path);
    let user_agent = request
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let domain = domain(request);
    let (body, encoded) = body_of(request).map_or((Json::Null, false), |(b, e)| (json!(b), e));
    let null_if_empty = |map: Map<String, Json>| {
        if map.is_empty() {
            Json::Null
        } else {
            Json::Object(map)
        }
    };
    json!({
        "version": "1.0",
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": null_if_empty(query),
        "multiValueQueryStringParameters": null_if_empty(multi_query),
        "requestContext": {
            "accountId": request.scope.account,
            "apiId": request.api_id,
            "domainName": domain,
            "domainPrefix": domain.split('.').next().unwrap_or_default(),
            "extendedRequestId": request.request_id,
            "httpMethod": request.method,
            "identity": {
                "accessKey": null, "accountId": null, "caller": null, "cognitoAuthenticationProvider": null,
                "cognitoAuthenticationType": null, "cognitoIdentityId": null, "cognitoIdentityPoolId": null,
                "principalOrgId": null, "sourceIp": "127.0.0.1", "user": null, "userAgent": user_agent, "userArn": null,
            },
            "path": request.path,
            "protocol": "HTTP/1.1",
            "requestId": request.request_id,
            "requestTime": time,
            "requestTimeEpoch": epoch,
            "resourceId": request.route_key,
            "resourcePath": resource,
            "stage": request.stage,
        },
        "pathParameters": if request.path_parameters.is_empty() { Json::Null } else { json!(request.path_parameters) },
        "stageVariables": if request.stage_variables.is_empty() { Json::Null } else { json!(request.stage_variables) },
        "body": body,
        "isBase64Encoded": encoded,
    })
}

/// A status code as a number or a numeric string.
fn status_of(value: &Json) -> Option<StatusCode> {
    let code = match value {
        Json::Number(n) => n.as_u64()?,
        Json::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    StatusCode::from_u16(u16::try_from(code).ok()?).ok()
}

/// A function's answer API Gateway cannot turn into a response: the status it answers instead,
/// and why (for the access log's `$context.integrationErrorMessage` and the inspector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub status: StatusCode,
    pub reason: String,
}

impl Malformed {
    fn bad_gateway(reason: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_GATEWAY,
            reason: reason.into(),
        }
    }
}

fn build(
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> Result<Response, Malformed> {
    let mut response = (status, body).into_response();
    let map = response.headers_mut();
    // Only the function's headers count; the default below applies when it sets none.
    map.remove("content-type");
    for (name, value) in headers {
        let (Ok(header), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(&value),
        ) else {
            return Err(Malformed::bad_gateway(format!(
                "the function's answer has a header API Gateway cannot send: {name:?}"
            )));
        };
        let name = header;
        map.append(name, value);
    }
    if !map.contains_key("content-type") {
        map.insert("content-type", HeaderValue::from_static("application/json"));
    }
    Ok(response)
}

fn string_map(value: Option<&Json>) -> Vec<(String, String)> {
    value
        .and_then(Json::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn multi_map(value: Option<&Json>) -> Vec<(String, String)> {
    value
        .and_then(Json::as_object)
        .map(|map| {
            map.iter()
                .flat_map(|(k, values)| {
                    values.as_array().into_iter().flatten().map(move |v| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                        )
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn decoded_body(response: &Map<String, Json>) -> Result<Vec<u8>, Malformed> {
    let body = match response.get("body") {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    if response.get("isBase64Encoded").and_then(Json::as_bool) == Some(true) {
        BASE64.decode(body).map_err(|_| {
            Malformed::bad_gateway(
                "the function's answer says isBase64Encoded but its body is not base64",
            )
        })
    } else {
        Ok(body.into_bytes())
    }
}

/// Maps a 2.0 answer: a response object, or — without `statusCode` — any JSON, returned as the
/// body of a 200 with `application/json`. A function that returns nothing gets a 500.
pub fn response_2(answer: &[u8]) -> Result<Response, Malformed> {
    let value: Json = serde_json::from_slice(answer).map_err(|_| not_json(answer))?;
    match &value {
        Json::Null => Err(Malformed {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            reason: "the function returned nothing (null)".to_owned(),
        }),
        Json::Object(fields) if fields.contains_key("statusCode") => {
            let status = status_of(&fields["statusCode"])
                .ok_or_else(|| invalid_status(&fields["statusCode"]))?;
            let mut headers = string_map(fields.get("headers"));
            headers.extend(multi_map(fields.get("multiValueHeaders")));
            for cookie in fields
                .get("cookies")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(cookie) = cookie.as_str() {
                    headers.push(("set-cookie".to_owned(), cookie.to_owned()));
                }
            }
            build(status, headers, decoded_body(fields)?)
        }
        Json::String(text) => build(StatusCode::OK, Vec::new(), text.clone().into_bytes()),
        other => build(StatusCode::OK, Vec::new(), other.to_string().into_bytes()),
    }
}

/// Maps a 1.0 answer, which must be a response object with a `statusCode`.
pub fn response_1(answer: &[u8]) -> Result<Response, Malformed> {
    let value: Json = serde_json::from_slice(answer).map_err(|_| not_json(answer))?;
    let Some(code) = value.get("statusCode") else {
        return Err(Malformed::bad_gateway(
            "payload format 1.0 needs an answer object with a statusCode, and the function's has none",
        ));
    };
    let status = status_of(code).ok_or_else(|| invalid_status(code))?;
    let Json::Object(fields) = &value else {
        unreachable!("only an object has a statusCode");
    };
    let mut headers = string_map(fields.get("headers"));
    headers.extend(multi_map(fields.get("multiValueHeaders")));
    build(status, headers, decoded_body(fields)?)
}

fn not_json(answer: &[u8]) -> Malformed {
    let start = String::from_utf8_lossy(&answer[..answer.len().min(80)]).into_owned();
    Malformed::bad_gateway(format!("the function's answer is not JSON: {start:?}"))
}

fn invalid_status(code: &Json) -> Malformed {
    Malformed::bad_gateway(format!(
        "the function's answer has statusCode {code}, which is not an HTTP status (100-599)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_as_aws_maps_them() {
        let full =
            br#"{"statusCode": 201, "headers": {"x-a": "1"}, "cookies": ["c=1"], "body": "made"}"#;
        let response = response_2(full).unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["x-a"], "1");
        assert_eq!(response.headers()["set-cookie"], "c=1");
        // The course's function sends the status code as a string.
        assert_eq!(
            response_2(br#"{"statusCode": "200", "body": "{}"}"#)
                .unwrap()
                .status(),
            StatusCode::OK
        );
        // Without a statusCode, any JSON is the body of a 200.
        let inferred = response_2(br#"{"items": []}"#).unwrap();
        assert_eq!(inferred.status(), StatusCode::OK);
        assert_eq!(inferred.headers()["content-type"], "application/json");
        assert_eq!(
            response_2(b"null").unwrap_err().status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let not_json = response_2(b"not json").unwrap_err();
        assert_eq!(not_json.status, StatusCode::BAD_GATEWAY);
        assert_eq!(
            not_json.reason,
            "the function's answer is not JSON: \"not json\""
        );
        let no_status = response_1(br#"{"body": "x"}"#).unwrap_err();
        assert_eq!(no_status.status, StatusCode::BAD_GATEWAY);
        assert!(no_status.reason.contains("has none"), "{no_status:?}");
        assert!(
            response_2(br#"{"statusCode": 1000}"#)
                .unwrap_err()
                .reason
                .contains("statusCode 1000")
        );
    }
}
