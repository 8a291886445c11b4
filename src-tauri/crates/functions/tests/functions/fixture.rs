//! The shared sandbox fixture (`lab-testkit`) with a lab function deployed behind the lab's
//! HTTP API, and a way to call it.

use serde_json::Value;

pub use lab_testkit::{ACCOUNT, Sandbox};

/// The function's zip built with the host toolchain (a debug build by the cargo running us).
pub fn host_built_zip(function: &str) -> Vec<u8> {
    lab_testkit::bootstrap_zip!(function, function)
}

/// An HTTP exchange's outcome.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }

    /// The CORS headers the lab's page needs are all there.
    pub fn assert_cors(&self, methods: &str) {
        assert_eq!(self.header("access-control-allow-origin"), "*");
        assert_eq!(self.header("access-control-allow-headers"), "Content-Type");
        assert_eq!(self.header("access-control-allow-methods"), methods);
    }
}

pub async fn send(method: &str, url: &str, body: Option<&str>) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("the gateway answers");
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}
