//! A sandbox on a free port and AWS SDK clients pointed at it.

use std::path::Path;

use aws_sdk_dynamodb::Client as DynamoDb;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use lab_sandbox::{Config, Running, start};

use lab_testkit::sandbox_client as client;

pub struct Sandbox {
    pub running: Running,
}

impl Sandbox {
    pub async fn start() -> Self {
        Self {
            running: start(Config::default()).await.expect("the sandbox starts"),
        }
    }

    pub async fn start_in(data_dir: &Path) -> Self {
        let config = Config {
            data_dir: Some(data_dir.to_path_buf()),
            ..Config::default()
        };
        Self {
            running: start(config).await.expect("the sandbox starts"),
        }
    }

    /// A sandbox started with `config` (listening on a free loopback port).
    pub async fn start_with(config: Config) -> Self {
        Self {
            running: start(config).await.expect("the sandbox starts"),
        }
    }

    /// A sandbox that puts item changes on its inspection feed, as the app's does.
    pub async fn start_recording_item_changes() -> Self {
        let config = Config {
            record_item_changes: true,
            ..Config::default()
        };
        Self {
            running: start(config).await.expect("the sandbox starts"),
        }
    }

    /// A sandbox whose Python functions run with `python` (e.g. one that has boto3).
    pub async fn start_with_python(python: std::path::PathBuf) -> Self {
        let config = Config {
            python: Some(python),
            ..Config::default()
        };
        Self {
            running: start(config).await.expect("the sandbox starts"),
        }
    }

    pub fn dynamodb(&self) -> DynamoDb {
        self.dynamodb_in("us-east-1")
    }

    pub fn dynamodb_in(&self, region: &str) -> DynamoDb {
        client!(aws_sdk_dynamodb, self.running.endpoint(), region)
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        client!(aws_sdk_cloudwatchlogs, self.running.endpoint(), "us-east-1")
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        client!(aws_sdk_lambda, self.running.endpoint(), "us-east-1")
    }

    pub fn apigw(&self) -> aws_sdk_apigatewayv2::Client {
        client!(aws_sdk_apigatewayv2, self.running.endpoint(), "us-east-1")
    }

    /// Every record of the sandbox's inspection feed so far.
    pub async fn inspect_history(&self) -> Vec<serde_json::Value> {
        let reply = crate::client::send(
            "GET",
            &format!("{}/_sandbox/inspect/history", self.running.endpoint()),
            &[],
            "",
        )
        .await;
        assert_eq!(reply.status, 200);
        reply.json().as_array().cloned().unwrap_or_default()
    }

    /// A management API client for `endpoint` (an invoke URL with its stage, or the sandbox).
    pub fn connections(&self, endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
        client!(
            aws_sdk_apigatewaymanagement,
            endpoint.to_owned(),
            "us-east-1"
        )
    }

    /// Creates a Python 3.12 function `name` whose `app.handler` is `source`.
    pub async fn create_python_function(&self, name: &str, source: &str) {
        use aws_sdk_lambda::primitives::Blob;
        use aws_sdk_lambda::types::{FunctionCode, Runtime};
        let zip = lab_sandbox::lambda::package::zip_files(&[("app.py", source.as_bytes(), 0o644)]);
        self.lambda()
            .create_function()
            .function_name(name)
            .runtime(Runtime::Python312)
            .role("arn:aws:iam::000000000000:role/LabRole")
            .handler("app.handler")
            .timeout(5)
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
            .send()
            .await
            .expect("the function is created");
    }

    /// Lets API Gateway invoke `function` from API `api_id` (any API when `None`).
    pub async fn permit_api(&self, function: &str, api_id: Option<&str>) {
        let mut request = self
            .lambda()
            .add_permission()
            .function_name(function)
            .statement_id("gateway")
            .action("lambda:InvokeFunction")
            .principal("apigateway.amazonaws.com");
        if let Some(api_id) = api_id {
            request = request.source_arn(format!(
                "arn:aws:execute-api:us-east-1:000000000000:{api_id}/*"
            ));
        }
        request.send().await.expect("the permission is added");
    }

    /// Routes `route_key` of API `api_id` to a new proxy integration: `kind` to `uri`
    /// (HTTP_PROXY integrations forward GETs).
    pub async fn route_to(
        &self,
        api_id: &str,
        route_key: &str,
        kind: aws_sdk_apigatewayv2::types::IntegrationType,
        uri: &str,
    ) {
        let apigw = self.apigw();
        let mut integration = apigw
            .create_integration()
            .api_id(api_id)
            .integration_type(kind.clone())
            .integration_uri(uri);
        if kind == aws_sdk_apigatewayv2::types::IntegrationType::HttpProxy {
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

    pub fn iam(&self) -> aws_sdk_iam::Client {
        client!(aws_sdk_iam, self.running.endpoint(), "us-east-1")
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        client!(aws_sdk_sts, self.running.endpoint(), "us-east-1")
    }
}

pub fn attribute(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .unwrap()
}

pub fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap()
}

pub fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

pub fn n(text: &str) -> AttributeValue {
    AttributeValue::N(text.to_owned())
}

/// Creates an on-demand table keyed by `hash` (S) and, if given, `range` (N).
pub async fn create_table(client: &DynamoDb, name: &str, hash: &str, range: Option<&str>) {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(hash, ScalarAttributeType::S))
        .key_schema(key(hash, KeyType::Hash));
    if let Some(range) = range {
        request = request
            .attribute_definitions(attribute(range, ScalarAttributeType::N))
            .key_schema(key(range, KeyType::Range));
    }
    request.send().await.expect("the table is created");
}

/// The error code and message of a failed SDK call.
pub fn error_of<E, R>(
    result: Result<
        R,
        aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
    >,
) -> (String, String)
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let error = result.expect_err("the call fails");
    let meta = aws_sdk_dynamodb::error::ProvideErrorMetadata::meta(&error);
    (
        meta.code().unwrap_or_default().to_owned(),
        meta.message().unwrap_or_default().to_owned(),
    )
}

/// A binary of `lab-test-function` (lambda_runtime), built on demand with the cargo running us
/// and zipped as a `provided` runtime's `bootstrap`.
pub fn rust_function_zip(binary: &str) -> aws_sdk_lambda::primitives::Blob {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "lab-test-function"])
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building lab-test-function failed");
    let code = std::fs::read(target.join("debug").join(binary)).expect("the function is built");
    aws_sdk_lambda::primitives::Blob::new(lab_sandbox::lambda::package::zip_files(&[(
        "bootstrap",
        &code,
        0o755,
    )]))
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
