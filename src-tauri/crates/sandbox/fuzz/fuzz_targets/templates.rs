//! Any text as a mapping template over any payload (the input's first NUL byte separates them):
//! rendering either succeeds or fails with a `TemplateError`, within its limits, never a panic.

#![no_main]

use std::collections::BTreeMap;

use lab_sandbox::apigw::rest::template::{Inputs, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (template, body) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"{\"a\": [1, {\"b\": \"c\"}]}"[..]),
    };
    let Ok(template) = std::str::from_utf8(template) else {
        return;
    };
    let path = BTreeMap::from([("id".to_owned(), "7".to_owned())]);
    let query = [("q".to_owned(), "v".to_owned())];
    let headers = [("accept".to_owned(), "application/json".to_owned())];
    let context = serde_json::json!({"stage": "dev", "identity": {"sourceIp": "127.0.0.1"}});
    let variables = BTreeMap::from([("color".to_owned(), "blue".to_owned())]);
    let inputs = Inputs::new(body, &path, &query, &headers, &context, &variables);
    let _ = render(template, &inputs);
});
