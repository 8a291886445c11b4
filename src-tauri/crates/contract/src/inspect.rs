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
}

/// Something the sandbox did, from its inspection feed. Sent as the `server` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerRecord {
    pub id: u32,
    /// `lambda`, `apigateway` or `dynamodb`.
    pub service: String,
    /// `invocation`, `request` or `item-change`.
    pub kind: String,
    /// Milliseconds since the epoch.
    pub time: f64,
    /// For an invocation: the function; for a request: `GET / → GET /` (the route chosen); for
    /// an item change: `PutItem things`.
    pub title: String,
    /// The API Gateway request id (`apigw-requestid`), which links a request to its exchange.
    pub request_id: Option<String>,
    /// The event the function received (for an item change: the item's key), pretty JSON.
    pub event: Option<String>,
    /// What the function (or the gateway) answered (for an item change: the item as it is
    /// now, none once deleted), pretty JSON.
    pub answer: Option<String>,
    /// The function's log lines (START/END/REPORT and its own).
    pub log: Vec<String>,
    pub status: Option<u16>,
    pub duration_ms: Option<f64>,
    /// The whole record, pretty JSON.
    pub raw: String,
}
