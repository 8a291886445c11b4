//! A sandbox with a lab function deployed, the HTTP API in front of it, and a way to call it.

use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use lab_sandbox::{Config, Running};
use serde_json::Value;

pub const ACCOUNT: &str = "000000000000";

use lab_testkit::sandbox_client as client;

pub struct Sandbox {
    pub running: Running,
}

impl Sandbox {
    pub async fn start() -> Self {
        let running = lab_sandbox::start(Config::default())
            .await
            .expect("the sandbox starts");
        Self { running }
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        client!(aws_sdk_dynamodb, self.running.endpoint())
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        client!(aws_sdk_lambda, self.running.endpoint())
    }

    pub fn apigw(&self) -> aws_sdk_apigatewayv2::Client {
        client!(aws_sdk_apigatewayv2, self.running.endpoint())
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        client!(aws_sdk_cloudwatchlogs, self.running.endpoint())
    }

    /// A table whose partition key is the string attribute `key`.
    pub async fn create_table(&self, name: &str, key: &str) {
        self.dynamodb()
            .create_table()
            .table_name(name)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(key)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(key)
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap();
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
            .unwrap();
        created.function_arn().unwrap().to_owned()
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
            .unwrap();
        let api_id = api.api_id().unwrap();
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
            .unwrap();
        let target = format!("integrations/{}", integration.integration_id().unwrap());
        for route_key in route_keys {
            apigw
                .create_route()
                .api_id(api_id)
                .route_key(*route_key)
                .target(&target)
                .send()
                .await
                .unwrap();
        }
        apigw
            .create_stage()
            .api_id(api_id)
            .stage_name("prod")
            .send()
            .await
            .unwrap();
        apigw
            .create_deployment()
            .api_id(api_id)
            .stage_name("prod")
            .send()
            .await
            .unwrap();
        format!("{}/prod", api.api_endpoint().unwrap())
    }

    /// Lets API Gateway invoke `function` (from `source_arn` only, when given).
    pub async fn permit_gateway(
        &self,
        function: &str,
        statement_id: &str,
        source_arn: Option<String>,
    ) {
        self.lambda()
            .add_permission()
            .function_name(function)
            .statement_id(statement_id)
            .action("lambda:InvokeFunction")
            .principal("apigateway.amazonaws.com")
            .set_source_arn(source_arn)
            .send()
            .await
            .unwrap();
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
            .unwrap();
        let payload = output
            .payload()
            .map(|blob| blob.as_ref())
            .unwrap_or(b"null");
        let payload = serde_json::from_slice(payload).unwrap();
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
            .unwrap();
        events
            .events()
            .iter()
            .filter_map(|event| event.message().map(str::to_owned))
            .collect()
    }
}

/// The function's zip built with the host toolchain (a debug build by the cargo running us).
pub fn host_built_zip(function: &str) -> Vec<u8> {
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", function])
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building {function} failed");
    let binary = std::fs::read(target.join("debug").join(function)).expect("the function is built");
    lab_sandbox::lambda::package::zip_files(&[("bootstrap", &binary, 0o755)])
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
