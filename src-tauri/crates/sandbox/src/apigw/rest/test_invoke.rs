//! TestInvokeMethod, the console's "Test" button: runs a method as it is now — before any
//! deployment, with no stage (`test-invoke-stage`), no API key and no authorizer — and answers
//! with the status, body, headers, the execution log it would write and the latency.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method as HttpMethod};
use serde::Deserialize;
use serde_json::json;

use super::execution_log::{self, Logging};
use super::invoke::Selected;
use super::model::{ApiKeySource, AuthorizationType};
use super::{Answer, matching, missing};
use crate::apigw::http::Trace;
use crate::apigw::{ApiGateway, Incoming, bad_request, event};
use crate::store::Scope;
use crate::wire::Reply;
use crate::wire::rest::Call;

/// The stage a test invocation runs in, as API Gateway names it.
const TEST_STAGE: &str = "test-invoke-stage";

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Input {
    path_with_query_string: Option<String>,
    body: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    stage_variables: BTreeMap<String, String>,
}

impl ApiGateway {
    pub(in crate::apigw) async fn test_invoke_method(&self, scope: &Scope, call: &Call) -> Answer {
        let input: Input = if call.body.is_empty() {
            Input::default()
        } else {
            crate::apigw::api::parse(&call.body)?
        };
        let method_name = call.label("http_method").to_ascii_uppercase();
        let target = input.path_with_query_string.unwrap_or_else(|| "/".into());
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (target.clone(), None),
        };
        let mut selected = self.with_rest_api(scope, call.label("restapi_id"), |api| {
            let resource_id = call.label("resource_id");
            let resource = api
                .resources
                .get(resource_id)
                .ok_or_else(missing::resource)?;
            let method = resource
                .methods
                .get(&method_name)
                .ok_or_else(missing::method)?
                .clone();
            let decoded = crate::wire::percent::decode(&path);
            let path_parameters = matching::select(&api.resources, &api.root_resource_id, &decoded)
                .filter(|matched| matched.resource_id == resource_id)
                .map(|matched| matched.path_parameters)
                .unwrap_or_default();
            let resource_path = api.path_of(resource_id);
            Ok(Selected {
                api_id: api.id.clone(),
                stage: TEST_STAGE.to_owned(),
                canary: false,
                variables: input.stage_variables.clone(),
                resource_id: resource_id.to_owned(),
                resource_path,
                path_parameters,
                method,
                api_key_source: ApiKeySource::Header,
                api_key: None,
                validation: None,
                throttle: None,
                caching: None,
                authorizer: None,
                authorization: None,
                iam_caller: None,
            })
        })?;
        // The console's test runs past authorization and API keys.
        selected.method.authorization_type = AuthorizationType::None;
        selected.method.api_key_required = false;
        let mut headers = HeaderMap::new();
        for (name, value) in &input.headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                return Err(bad_request(format!("Invalid header specified: {name}")));
            };
            headers.insert(name, value);
        }
        let http_method = HttpMethod::from_bytes(method_name.as_bytes())
            .map_err(|_| bad_request(format!("Invalid HTTP method specified: {method_name}")))?;
        let stage_path = format!("/{TEST_STAGE}{path}");
        let incoming = Incoming {
            path: &stage_path,
            signed_path: &stage_path,
            query: query.as_deref(),
            method: &http_method,
            headers: &headers,
            body: input.body.unwrap_or_default().into(),
        };
        let request_id = event::rest_request_id();
        let mut trace = Trace {
            route_key: Some(format!("{method_name} {}", selected.resource_path)),
            ..Trace::default()
        };
        let started = std::time::Instant::now();
        let response = self
            .serve_selected(scope, selected, &incoming, &request_id, &mut trace)
            .await;
        let latency = started.elapsed().as_millis() as i64;
        let (parts, body) = response.into_parts();
        let body = http_body_util::BodyExt::collect(body)
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
        let body = String::from_utf8_lossy(&body).into_owned();
        let response_headers: Vec<(String, String)> = event::header_pairs(&parts.headers).collect();
        let request_headers: Vec<(String, String)> = event::header_pairs(&headers).collect();
        let log = execution_log::lines(
            Logging {
                errors_only: false,
                data_trace: true,
            },
            &trace,
            &execution_log::Request {
                request_id: &request_id,
                method: &method_name,
                query: query.as_deref(),
                headers: &request_headers,
                body: incoming.body.as_ref(),
                status: parts.status.as_u16(),
                response_body: &body,
            },
        );
        let single: BTreeMap<&str, &str> = response_headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let mut multi: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, value) in &response_headers {
            multi.entry(name).or_default().push(value);
        }
        Ok(Reply::ok(json!({
            "status": parts.status.as_u16(),
            "body": body,
            "headers": single,
            "multiValueHeaders": multi,
            "log": log.join("\n"),
            "latency": latency,
        })))
    }
}
