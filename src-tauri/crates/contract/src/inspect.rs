//! What the inspector shows: HTTP exchanges on the client side, records of the server side.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// One request and its answer: an AWS SDK call or a try-it request. Sent as the `traffic` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ExchangeView {
    pub id: u32,
    /// `sdk` or `try-it`.
    pub origin: String,
    /// For SDK calls: `DynamoDB CreateTable`; for try-it: its title.
    pub label: String,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<Header>,
    pub request_body: String,
    /// None when no answer came (see `error`).
    pub status: Option<u16>,
    pub response_headers: Vec<Header>,
    pub response_body: String,
    pub error: Option<String>,
    /// Milliseconds since the epoch.
    pub started_at_ms: f64,
    pub duration_ms: f64,
}

/// A request to send from the composer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TryItRequest {
    pub title: String,
    pub method: String,
    pub url: String,
    pub body: Option<String>,
    /// Headers to send besides the body's `Content-Type` (an `Authorization` with a user's
    /// token).
    #[serde(default)]
    pub headers: Vec<Header>,
}

/// Signing a pool's user in, for the composer to send requests with the user's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignInRequest {
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub password: String,
}

/// A signed-in user's tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignInView {
    pub id_token: String,
    pub access_token: String,
    /// Seconds the tokens last.
    pub expires_in: i32,
    /// How the app signed in: `USER_PASSWORD_AUTH` or `USER_SRP_AUTH`, as the app client allows.
    pub flow: String,
}

/// Something the sandbox did, from its inspection feed. Sent as the `server` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerRecord {
    /// The feed's number: it counts up from the sandbox's start time in microseconds, so it
    /// keeps counting up across restarts (exact in a JavaScript number).
    #[ts(type = "number")]
    pub id: u64,
    /// `lambda`, `apigateway` or `dynamodb`.
    pub service: String,
    /// `invocation`, `request` or `item-change`.
    pub kind: String,
    /// Milliseconds since the epoch.
    pub time: f64,
    /// For an invocation: the function; for a request: `GET / → GET /` (the route chosen); for
    /// an item change: `PutItem things`.
    pub title: String,
    /// The API Gateway request id (an HTTP API's `apigw-requestid`, a REST API's
    /// `x-amzn-RequestId`), which links a request to its exchange.
    pub request_id: Option<String>,
    /// The WebSocket connection it concerns (WebSocket events, `@connections` calls, and the
    /// invocations they caused).
    pub connection_id: Option<String>,
    /// The event the function received (for an item change: the item's key), pretty JSON.
    pub event: Option<String>,
    /// What the function (or the gateway) answered (for an item change: the item as it is
    /// now, none once deleted), pretty JSON.
    pub answer: Option<String>,
    /// The function's log lines (START/END/REPORT and its own).
    pub log: Vec<String>,
    pub status: Option<u16>,
    /// Why it failed, when it did: what API Gateway noted for a 5xx (the access log's
    /// `$context.integrationErrorMessage`), a WebSocket route's failure.
    pub error: Option<String>,
    pub duration_ms: Option<f64>,
    /// For a REST API's non-proxy integration: what its mapping templates did — the request
    /// template chosen and its output, the integration response selected and why, the
    /// response template's output.
    pub mapping: Option<String>,
    /// For a REST API method whose answers its stage caches: `hit` (served from the cache; the
    /// integration was not called), `miss`, or `refreshed` (the client sent
    /// `Cache-Control: max-age=0`).
    pub cache: Option<String>,
    /// What the route's or method's authorizer decided (an HTTP or REST request, a WebSocket
    /// `$connect`), when it has one.
    pub authorizer: Option<AuthorizerView>,
    /// The whole record, pretty JSON.
    pub raw: String,
}

/// An authorizer's decision on one request, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuthorizerView {
    /// `JWT`, `REQUEST`, `TOKEN`, `COGNITO_USER_POOLS` or `AWS_IAM`.
    pub kind: String,
    /// `allowed`, `refused` or `failed`.
    pub decision: String,
    /// Why it refused or failed (expired, wrong audience, missing scope, denied by policy), or
    /// which policy let the signer in.
    pub reason: Option<String>,
    /// What it let in with: the token's claims, the function's context, or the signer — pretty
    /// JSON.
    pub detail: Option<String>,
    /// What the sandbox could not weigh, or how far it evaluated (IAM policies).
    pub note: Option<String>,
}

/// Opening a WebSocket connection from the inspector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WsConnectRequest {
    /// `ws://…` or `wss://…`, query string included.
    pub url: String,
    pub headers: Vec<Header>,
}

/// An open inspector connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WsConnectionView {
    pub client: u32,
    pub url: String,
    /// The `x-serverless-lab-client` header it connected with: the sandbox's `$connect`
    /// record carries it, which tells the inspector the connection id API Gateway gave it.
    pub tag: String,
}

/// A frame the student sends: `text` (with `text`), `binary` (with `base64`), `ping`, or
/// `close` (with `close_code` and `close_reason`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WsSendRequest {
    pub client: u32,
    pub opcode: String,
    pub text: Option<String>,
    pub base64: Option<String>,
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
}

/// One WebSocket frame, either way. Sent as the `ws-frame` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct WsFrameView {
    pub client: u32,
    pub seq: u32,
    /// `sent` or `received`.
    pub direction: String,
    /// Milliseconds since the epoch.
    pub at_ms: f64,
    /// `text`, `binary`, `ping`, `pong` or `close`.
    pub opcode: String,
    pub size: u32,
    pub text: Option<String>,
    pub base64: Option<String>,
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
}

/// Invoking a function from a step's "try it".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InvokeRequest {
    pub function: String,
    /// The event, JSON.
    pub payload: String,
}

/// What an invocation answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct InvokeResultView {
    pub function: String,
    /// Lambda's `FunctionError` (`Unhandled`) when the function failed.
    pub function_error: Option<String>,
    pub payload: String,
    pub duration_ms: f64,
}
