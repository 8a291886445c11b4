//! A trivial Lambda function built with `lambda_runtime`, as real Rust functions are: it echoes
//! its event with the request id. The sandbox's tests deploy it as `bootstrap` to check the
//! Runtime API against the runtime library AWS's Rust functions use; the benchmark times it.
//!
//! Events may ask for a failure (`{"fail": "message"}`) or a panic (`{"panic": true}`).

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    if let Some(message) = event.payload.get("fail").and_then(Value::as_str) {
        return Err(message.into());
    }
    if event.payload.get("panic").is_some() {
        panic!("asked to panic");
    }
    Ok(json!({"echo": event.payload, "requestId": event.context.request_id}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
