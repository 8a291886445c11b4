//! One request's timeline across the services: what the client saw, what API Gateway did, the
//! function's init and handler, and the AWS calls the function made while it ran.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The request to draw, as the client saw it: an HTTP exchange or a WebSocket frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct WaterfallRequest {
    /// `GET /items`, `frame sent`.
    pub label: String,
    /// Milliseconds since the epoch.
    pub sent_at_ms: f64,
    /// How long the client waited for its answer (none for a frame).
    pub duration_ms: Option<f64>,
    pub status: Option<u16>,
    /// The API Gateway request id that links it to the server side (`apigw-requestid`,
    /// `x-amzn-RequestId`, a WebSocket event's `requestId`).
    pub request_id: Option<String>,
}

/// The timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct WaterfallView {
    /// Rows in the order they happened, each placed from the timeline's start.
    pub rows: Vec<WaterfallRow>,
    /// From the first row's start to the last row's end.
    pub total_ms: f64,
    /// What the request went through, as the diagram's nodes know them (`physical_id`): the
    /// API's id, the function's name, the tables its calls read and wrote.
    pub path: Vec<String>,
    /// Why the server side is missing or partial, when it is.
    pub note: Option<String>,
}

/// One span (or, with no duration, one moment) of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct WaterfallRow {
    pub label: String,
    /// `client`, `apigateway`, `lambda`, `dynamodb`, `logs`, `iam`, `sts`, `tagging`.
    pub service: String,
    /// `request`, `route`, `cache`, `authorizer`, `integration`, `invocation`, `init`,
    /// `handler`, `call`,
    /// `response`.
    pub phase: String,
    /// How deep it sits: the client's request 0, the gateway's 1, its integration 2, the
    /// invocation 3, its init, handler and calls 4.
    pub depth: u8,
    /// Milliseconds from the timeline's start.
    pub start_ms: f64,
    /// None for a moment (a route matched, a cache hit).
    pub duration_ms: Option<f64>,
    pub detail: Option<String>,
    pub failed: bool,
}
