//! A sandbox on a free loopback port, in-process, with AWS SDK clients pointed at it and the
//! set-ups the suites keep needing.

use std::path::Path;

use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use lab_sandbox::{Config, Running, start};
use serde_json::Value;

use crate::sandbox_client as client;

/// The account every sandbox starts with.
pub const ACCOUNT: &str = "000000000000";

/// A running sandbox; it stops when dropped.
#[derive(Debug)]
pub struct Sandbox {
    pub running: Running,
}

impl Sandbox {
    pub async fn start() -> Self {
        Self::start_with(Config::default()).await
    }

    /// A sandbox keeping its state in `data_dir`.
    pub async fn start_in(data_dir: &Path) -> Self {
        Self::start_with(Config {
            data_dir: Some(data_dir.to_path_buf()),
            ..Config::default()
        })
        .await
    }

    /// A sandbox started with `config` (listening on a free loopback port).
    pub async fn start_with(config: Config) -> Self {
        Self {
            running: start(config).await.expect("the sandbox starts"),
        }
    }

    /// A sandbox that puts item changes on its inspection feed, as the app's does.
    pub async fn start_recording_item_changes() -> Self {
        Self::start_with(Config {
            record_item_changes: true,
            ..Config::default()
        })
        .await
    }

    /// A sandbox whose Python functions run with `python` (e.g. one that has boto3).
    pub async fn start_with_python(python: std::path::PathBuf) -> Self {
        Self::start_with(Config {
            python: Some(python),
            ..Config::default()
        })
        .await
    }

    pub fn endpoint(&self) -> String {
        self.running.endpoint()
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        self.dynamodb_in("us-east-1")
    }

    pub fn dynamodb_in(&self, region: &str) -> aws_sdk_dynamodb::Client {
        client!(aws_sdk_dynamodb, self.endpoint(), region)
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        client!(aws_sdk_cloudwatchlogs, self.endpoint())
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        client!(aws_sdk_lambda, self.endpoint())
    }

    pub fn apigw(&self) -> aws_sdk_apigatewayv2::Client {
        client!(aws_sdk_apigatewayv2, self.endpoint())
    }

    /// API Gateway v1, for REST APIs.
    pub fn rest(&self) -> aws_sdk_apigateway::Client {
        client!(aws_sdk_apigateway, self.endpoint())
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        client!(aws_sdk_iam, self.endpoint())
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        client!(aws_sdk_sts, self.endpoint())
    }

    /// A management API client for `endpoint` (an invoke URL with its stage, or the sandbox).
    pub fn connections(&self, endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
        client!(aws_sdk_apigatewaymanagement, endpoint.to_owned())
    }

    /// Every record of the sandbox's inspection feed so far, as JSON.
    pub async fn inspect_history(&self) -> Vec<Value> {
        let url = format!("{}/_sandbox/inspect/history", self.endpoint());
        let response = reqwest::get(&url).await.expect("the feed answers");
        assert_eq!(response.status(), 200, "{url}");
        let body = response.bytes().await.expect("the feed answers whole");
        let records: Value = serde_json::from_slice(&body).expect("the feed is JSON");
        records.as_array().cloned().unwrap_or_default()
    }

    /// A table whose partition key is the string attribute `key`.
    pub async fn create_table(&self, name: &str, key: &str) {
        crate::dynamodb::create_table(&self.dynamodb(), name, key, None).await;
    }

    /// Creates a Python 3.12 function `name` whose `app.handler` is `source`.
    pub async fn create_python_function(&self, name: &str, source: &str) {
        crate::lambda::create_python_function(&self.lambda(), name, source).await;
    }

    /// Creates `function_name` from a zip on `provided.al2023`; returns its ARN.
    pub async fn deploy(&self, function_name: &str, zip: Vec<u8>) -> String {
        self.deploy_with_env(function_name, zip, &[]).await
    }

    /// Like [`Sandbox::deploy`], with environment variables.
    pub async fn deploy_with_env(
        &self,
        function_name: &str,
        zip: Vec<u8>,
        env: &[(&str, &str)],
    ) -> String {
        let mut environment = aws_sdk_lambda::types::Environment::builder();
        for (name, value) in env {
            environment = environment.variables(*name, *value);
        }
        let created = self
            .lambda()
            .create_function()
            .environment(environment.build())
            .function_name(function_name)
            .runtime(Runtime::Providedal2023)
            .role(format!("arn:aws:iam::{ACCOUNT}:role/LabRole"))
            .handler("bootstrap")
            .timeout(10)
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
            .send()
            .await
            .expect("the function is created");
        created.function_arn().unwrap_or_default().to_owned()
    }

    /// Lets API Gateway invoke `function` under the statement `statement_id`, from
    /// `source_arn` only when one is given.
    pub async fn permit_gateway(
        &self,
        function: &str,
        statement_id: &str,
        source_arn: Option<String>,
    ) {
        crate::lambda::permit_gateway(&self.lambda(), function, statement_id, source_arn).await;
    }

    /// Lets API Gateway invoke `function` from API `api_id` (any API when `None`).
    pub async fn permit_api(&self, function: &str, api_id: Option<&str>) {
        let source_arn =
            api_id.map(|api_id| format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:{api_id}/*"));
        self.permit_gateway(function, "gateway", source_arn).await;
    }

    /// Routes `route_key` of API `api_id` to a new proxy integration: `kind` to `uri`
    /// (HTTP_PROXY integrations forward GETs).
    pub async fn route_to(&self, api_id: &str, route_key: &str, kind: IntegrationType, uri: &str) {
        let apigw = self.apigw();
        let mut integration = apigw
            .create_integration()
            .api_id(api_id)
            .integration_type(kind.clone())
            .integration_uri(uri);
        if kind == IntegrationType::HttpProxy {
            integration = integration.integration_method("GET");
        }
        let integration = integration.send().await.expect("the integration is made");
        apigw
            .create_route()
            .api_id(api_id)
            .route_key(route_key)
            .target(format!(
                "integrations/{}",
                integration.integration_id().unwrap_or_default()
            ))
            .send()
            .await
            .expect("the route is made");
    }

    /// The lab's HTTP API in front of a function: an AWS_PROXY integration (payload 2.0), the
    /// routes, the gateway's permission to invoke, stage `prod` and a deployment. Returns the
    /// stage's URL.
    pub async fn http_api(&self, function_arn: &str, route_keys: &[&str]) -> String {
        let apigw = self.apigw();
        let api = apigw
            .create_api()
            .name("LabHttpAPI")
            .protocol_type(ProtocolType::Http)
            .send()
            .await
            .expect("the API is made");
        let api_id = api.api_id().unwrap_or_default();
        self.permit_gateway(function_arn, "lab-http-api", None)
            .await;
        let integration = apigw
            .create_integration()
            .api_id(api_id)
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri(function_arn)
            .payload_format_version("2.0")
            .send()
            .await
            .expect("the integration is made");
        let target = format!(
            "integrations/{}",
            integration.integration_id().unwrap_or_default()
        );
        for route_key in route_keys {
            apigw
                .create_route()
                .api_id(api_id)
                .route_key(*route_key)
                .target(&target)
                .send()
                .await
                .expect("the route is made");
        }
        apigw
            .create_stage()
            .api_id(api_id)
            .stage_name("prod")
            .send()
            .await
            .expect("the stage is made");
        apigw
            .create_deployment()
            .api_id(api_id)
            .stage_name("prod")
            .send()
            .await
            .expect("the API is deployed");
        format!("{}/prod", api.api_endpoint().unwrap_or_default())
    }

    /// A WebSocket API `name` selecting routes by `$request.body.action`, as the lab's does:
    /// its id and its `wss`-less endpoint (`ws://…/_aws/execute-api/{id}`).
    pub async fn websocket_api(&self, name: &str) -> (String, String) {
        let api = self
            .apigw()
            .create_api()
            .name(name)
            .protocol_type(ProtocolType::Websocket)
            .route_selection_expression("$request.body.action")
            .send()
            .await
            .expect("the API is made");
        (
            api.api_id().unwrap_or_default().to_owned(),
            api.api_endpoint().unwrap_or_default().to_owned(),
        )
    }

    /// The Lambda proxy integration URI of `function` (a name or an ARN) in this sandbox.
    pub fn invocation_uri(function: &str) -> String {
        let arn = if function.starts_with("arn:") {
            function.to_owned()
        } else {
            format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}")
        };
        format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
    }

    /// Stage `stage` of API `api_id`, deploying every change by itself; returns its URL.
    pub async fn auto_deployed_stage(&self, api_id: &str, endpoint: &str, stage: &str) -> String {
        self.apigw()
            .create_stage()
            .api_id(api_id)
            .stage_name(stage)
            .auto_deploy(true)
            .send()
            .await
            .expect("the stage is made");
        format!("{endpoint}/{stage}")
    }

    /// Invokes a function with `event`; returns the function error (if any) and the payload.
    pub async fn invoke(&self, function_name: &str, event: Value) -> (Option<String>, Value) {
        let output = self
            .lambda()
            .invoke()
            .function_name(function_name)
            .payload(Blob::new(event.to_string()))
            .send()
            .await
            .expect("the function is invoked");
        let payload = output
            .payload()
            .map(|blob| blob.as_ref())
            .unwrap_or(b"null");
        let payload = serde_json::from_slice(payload).expect("the answer is JSON");
        (output.function_error().map(str::to_owned), payload)
    }

    /// Every log line `function_name` wrote.
    pub async fn log_lines(&self, function_name: &str) -> Vec<String> {
        let events = self
            .logs()
            .filter_log_events()
            .log_group_name(format!("/aws/lambda/{function_name}"))
            .send()
            .await
            .expect("the log group is read");
        events
            .events()
            .iter()
            .filter_map(|event| event.message().map(str::to_owned))
            .collect()
    }
}

/// Serves `backend` on a loopback port in the background (an HTTP_PROXY integration's target):
/// its port.
pub async fn spawn_backend(backend: axum::Router) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move { axum::serve(listener, backend).await });
    port
}
