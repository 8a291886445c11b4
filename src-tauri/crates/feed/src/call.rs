//! Records of the AWS API calls a function makes while it runs: each request signed with an
//! execution environment's session credentials, attributed to the invocation it was made for.

use serde::{Deserialize, Serialize};

use crate::Service;

/// One AWS API call made by a function (a DynamoDB `GetItem`, an `@connections`
/// `PostToConnection`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceCall {
    /// The service called (the record's `service` says the same).
    pub api: Service,
    /// Its operation's name in AWS's API reference: `GetItem`, `PostToConnection`.
    pub operation: String,
    /// What it was about, where the request names it: the table, the connection id.
    pub resource: Option<String>,
    /// The id the service answered it with (`x-amzn-RequestId`).
    pub request_id: Option<String>,
    pub status: u16,
    /// The error code of a failed call (`ResourceNotFoundException`, `GoneException`).
    pub error: Option<String>,
    /// When the call arrived, in milliseconds since the epoch (with microseconds).
    pub started_ms: f64,
    pub duration_ms: f64,
    /// The function whose environment signed it.
    pub function: String,
    /// That environment.
    pub environment: String,
    /// The invocation the environment was running (its init phase included); none when the
    /// call came between invocations.
    pub invocation: Option<String>,
}
