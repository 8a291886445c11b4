//! One resource as the target reports it: the describe call for its kind (DescribeTable,
//! GetFunctionConfiguration, GetRole, GetApi, GetRestApi, GetApiKey, GetUsagePlan,
//! DescribeUserPool, a bucket's ListObjectsV2), answered with the service's own response body —
//! captured on the wire, secrets hidden, as the inspector shows any call — rather than the SDK's
//! reading of it.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;

use crate::cloud::Cloud;

/// A resource's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// `DynamoDB DescribeTable`.
    pub operation: String,
    /// The service's answer (JSON pretty-printed; IAM's XML as it came).
    pub body: String,
}

/// Why a resource could not be described.
#[derive(Debug, thiserror::Error)]
pub enum DescribeError {
    #[error("a {0} is not described on its own: select the API it belongs to")]
    NotDescribable(String),
    #[error("{operation} failed: {message}")]
    Failed { operation: String, message: String },
    #[error("{operation} answered nothing the inspector could capture")]
    NotCaptured { operation: String },
}

/// Describes the resource of diagram kind `kind` (`table`, `function`, `role`, `http-api`,
/// `websocket-api`, `rest-api`, `api-key`, `usage-plan`) whose id on the target is `id`.
pub async fn describe(cloud: &Cloud, kind: &str, id: &str) -> Result<Described, DescribeError> {
    let captured = Capture::default();
    let traffic = || captured.clone();
    let (operation, outcome) = match kind {
        "table" => {
            let client = aws_sdk_dynamodb::Client::from_conf(
                cloud
                    .dynamodb
                    .config()
                    .to_builder()
                    .interceptor(traffic())
                    .build(),
            );
            let sent = client.describe_table().table_name(id).send().await;
            ("DynamoDB DescribeTable", sent.map(drop).map_err(message))
        }
        "function" => {
            let client = aws_sdk_lambda::Client::from_conf(
                cloud
                    .lambda
                    .config()
                    .to_builder()
                    .interceptor(traffic())
                    .build(),
            );
            let sent = client
                .get_function_configuration()
                .function_name(id)
                .send()
                .await;
            (
                "Lambda GetFunctionConfiguration",
                sent.map(drop).map_err(message),
            )
        }
        "role" => {
            let client = aws_sdk_iam::Client::from_conf(
                cloud
                    .iam
                    .config()
                    .to_builder()
                    .interceptor(traffic())
                    .build(),
            );
            let sent = client.get_role().role_name(id).send().await;
            ("IAM GetRole", sent.map(drop).map_err(message))
        }
        "http-api" | "websocket-api" => {
            let client = aws_sdk_apigatewayv2::Client::from_conf(
                cloud
                    .apigw
                    .config()
                    .to_builder()
                    .interceptor(traffic())
                    .build(),
            );
            let sent = client.get_api().api_id(id).send().await;
            ("ApiGatewayV2 GetApi", sent.map(drop).map_err(message))
        }
        "rest-api" | "api-key" | "usage-plan" => {
            let client = aws_sdk_apigateway::Client::from_conf(
                cloud
                    .rest
                    .config()
                    .to_builder()
                    .interceptor(traffic())
                    .build(),
            );
            match kind {
                "rest-api" => {
                    let sent = client.get_rest_api().rest_api_id(id).send().await;
                    ("APIGateway GetRestApi", sent.map(drop).map_err(message))
                }
                "api-key" => {
                    let sent = client.get_api_key().api_key(id).send().await;
                    ("APIGateway GetApiKey", sent.map(drop).map_err(message))
                }
                _ => {
                    let sent = client.get_usage_plan().usage_plan_id(id).send().await;
                    ("APIGateway GetUsagePlan", sent.map(drop).map_err(message))
                }
            }
        }
        "user-pool" => {
            let client = aws_sdk_cognitoidentityprovider::Client::from_conf(
                cloud
                    .cognito
                    .config()
                    .to_builder()
                    .interceptor(traffic())
                    .build(),
            );
            let sent = client.describe_user_pool().user_pool_id(id).send().await;
            ("Cognito DescribeUserPool", sent.map(drop).map_err(message))
        }
        // A bucket is what it holds: its objects (a lesson's web page).
        "bucket" => {
            let client = aws_sdk_s3::Client::from_conf(
                cloud
                    .s3
                    .config()
                    .to_builder()
                    .interceptor(traffic())
                    .build(),
            );
            let sent = client.list_objects_v2().bucket(id).send().await;
            ("S3 ListObjectsV2", sent.map(drop).map_err(message))
        }
        other => return Err(DescribeError::NotDescribable(other.replace('-', " "))),
    };
    let operation = operation.to_owned();
    if let Err(message) = outcome {
        return Err(DescribeError::Failed { operation, message });
    }
    let body = captured
        .body
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    match body {
        Some(body) => Ok(Described {
            body: pretty(&body),
            operation,
        }),
        None => Err(DescribeError::NotCaptured { operation }),
    }
}

/// Keeps the body of the response a call got (its last attempt's), as the inspector would show
/// it: secrets hidden, cut at the inspector's limit.
#[derive(Debug, Clone, Default)]
struct Capture {
    body: Arc<Mutex<Option<String>>>,
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "DescribeCapture"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(bytes) = context
            .response()
            .and_then(|response| response.body().bytes())
        {
            *self.body.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(crate::traffic::body_text(bytes));
        }
        Ok(())
    }
}

/// An SDK error as the service worded it (`ResourceNotFoundException: Requested resource not
/// found`), else as the SDK did.
fn message<E>(error: E) -> String
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
{
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => aws_smithy_types::error::display::DisplayErrorContext(&error).to_string(),
    }
}

/// A body, pretty when it is JSON.
fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|json| serde_json::to_string_pretty(&json).ok())
        .unwrap_or_else(|| body.to_owned())
}
