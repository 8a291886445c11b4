//! [`Cloud`]: the AWS SDK clients for one target, and who and where it is (account, region).
//!
//! The sandbox and AWS are reached the same way; only the endpoint and the credentials differ.
//! For the sandbox: its endpoint URL and throwaway credentials (it accepts any). For AWS: the
//! standard chain — environment, `~/.aws` profiles (SSO included), container and instance
//! credentials — with the profile and region the user named; without a profile or credentials
//! in the environment, the AWS Academy credentials saved in the OS keychain come first.

use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::Target;
use crate::journal::Scope;
use crate::traffic::Recorder;

/// The region used when neither the user nor the AWS configuration names one (AWS Academy's).
pub const DEFAULT_REGION: &str = "us-east-1";

/// Clients for every service the lessons use, on one target.
#[derive(Debug, Clone)]
pub struct Cloud {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub apigw: aws_sdk_apigatewayv2::Client,
    /// API Gateway's REST APIs (v1).
    pub rest: aws_sdk_apigateway::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// Cognito user pools.
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    /// S3: the lessons' web pages.
    pub s3: aws_sdk_s3::Client,
    pub iam: aws_sdk_iam::Client,
    pub account: String,
    pub region: String,
    /// `sandbox` or `aws`: the value of the `serverless-lab:target` tag.
    pub kind: &'static str,
    /// Names the target in the journal, e.g. `sandbox` or `aws`.
    pub journal_key: String,
    /// The sandbox's URL; none for AWS.
    pub endpoint_url: Option<String>,
}

/// AWS's codes for credentials it does not take (expired, unknown, or signed wrongly).
const CREDENTIALS_REFUSED: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
];

/// Whether the SDK failed because no credentials could be loaded: a credentials provider's
/// error among the causes.
fn has_credentials_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error
            .downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
            .is_some()
        {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The target could not be reached or named.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "the AWS credentials are missing or expired ({0}). For AWS Academy: open the Learner Lab, \
         click \"AWS Details\", and paste the new access key, secret key and session token into \
         ~/.aws/credentials (or the app's settings); otherwise run `aws sso login` or `aws configure`"
    )]
    Credentials(String),
    #[error("{target} cannot be reached: {reason}")]
    Unreachable { target: String, reason: String },
}

impl Cloud {
    /// Where this target's rows belong in the journal.
    pub fn scope(&self) -> Scope {
        Scope {
            target: self.journal_key.clone(),
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }

    /// Connects to `target` and asks STS which account it is. `journal_key` names the target
    /// in the journal.
    pub async fn connect(target: &Target, journal_key: String) -> Result<Self, ConnectError> {
        Self::connect_recorded(target, journal_key, None).await
    }

    /// Like [`Cloud::connect`], with every SDK call of every client recorded by `recorder`.
    pub async fn connect_recorded(
        target: &Target,
        journal_key: String,
        recorder: Option<&Recorder>,
    ) -> Result<Self, ConnectError> {
        let config = sdk_config(target).await;
        let region = config
            .region()
            .map(ToString::to_string)
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|error| {
                use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata};
                let code = error.code().unwrap_or_default().to_owned();
                let text = DisplayErrorContext(&error).to_string();
                let credentials_problem =
                    CREDENTIALS_REFUSED.contains(&code.as_str()) || has_credentials_error(&error);
                if credentials_problem && matches!(target, Target::Aws { .. }) {
                    ConnectError::Credentials(if code.is_empty() { text } else { code })
                } else {
                    ConnectError::Unreachable {
                        target: target.to_string(),
                        reason: text,
                    }
                }
            })?;
        /// A client of SDK crate `$sdk` from the shared configuration, recorded when asked.
        macro_rules! client {
            ($sdk:ident) => {{
                let mut builder = $sdk::config::Builder::from(&config);
                if let Some(recorder) = recorder {
                    builder = builder.interceptor(recorder.interceptor());
                }
                $sdk::Client::from_conf(builder.build())
            }};
        }
        Ok(Self {
            dynamodb: client!(aws_sdk_dynamodb),
            lambda: client!(aws_sdk_lambda),
            apigw: client!(aws_sdk_apigatewayv2),
            rest: client!(aws_sdk_apigateway),
            logs: client!(aws_sdk_cloudwatchlogs),
            cognito: client!(aws_sdk_cognitoidentityprovider),
            tagging: client!(aws_sdk_resourcegroupstagging),
            s3: client!(aws_sdk_s3),
            iam: client!(aws_sdk_iam),
            account: identity.account().unwrap_or_default().to_owned(),
            region,
            kind: match target {
                Target::Sandbox { .. } => "sandbox",
                Target::Aws { .. } => "aws",
            },
            journal_key,
            endpoint_url: target.endpoint_url().map(str::to_owned),
        })
    }
}

/// The AWS Academy credentials saved in the OS keychain, if there is a keychain and they are
/// there. A missing keychain is not an error here: the standard chain still applies.
async fn saved_academy_credentials() -> Option<crate::academy::AcademyCredentials> {
    let loaded = tokio::task::spawn_blocking(|| {
        crate::academy::Keychain::open().and_then(|keychain| keychain.load())
    })
    .await
    .ok()?;
    match loaded {
        Ok(credentials) => credentials,
        Err(error) => {
            tracing::debug!(%error, "no saved AWS Academy credentials");
            None
        }
    }
}

async fn sdk_config(target: &Target) -> SdkConfig {
    match target {
        Target::Sandbox { endpoint } => {
            let credentials =
                aws_sdk_sts::config::Credentials::new("sandbox", "sandbox", None, None, "sandbox");
            aws_config::defaults(BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(Region::new(DEFAULT_REGION))
                .credentials_provider(credentials)
                .load()
                .await
        }
        Target::Aws { region, profile } => {
            let mut loader = aws_config::defaults(BehaviorVersion::latest());
            if let Some(profile) = profile {
                loader = loader.profile_name(profile);
            } else if std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
                && let Some(saved) = saved_academy_credentials().await
            {
                loader = loader.credentials_provider(aws_sdk_sts::config::Credentials::new(
                    saved.access_key_id,
                    saved.secret_access_key,
                    saved.session_token,
                    None,
                    "serverless-lab keychain",
                ));
            }
            if let Some(region) = region {
                loader = loader.region(Region::new(region.clone()));
            }
            let config = loader.load().await;
            if config.region().is_some() {
                config
            } else {
                config
                    .into_builder()
                    .region(Region::new(DEFAULT_REGION))
                    .build()
            }
        }
    }
}

/// What invoking a function answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Lambda's `FunctionError` (`Unhandled`) when the function failed.
    pub function_error: Option<String>,
    /// The function's answer (or its error document), as text.
    pub payload: String,
}

impl Cloud {
    /// Invokes `function` with the event `payload` (synchronously, as `aws lambda invoke`).
    pub async fn invoke(
        &self,
        function: &str,
        payload: &str,
    ) -> Result<Invocation, crate::provision::ProvisionError> {
        let output = self
            .lambda
            .invoke()
            .function_name(function)
            .payload(aws_sdk_lambda::primitives::Blob::new(payload))
            .send()
            .await
            .map_err(|error| crate::provision::aws_error("Invoke", error))?;
        Ok(Invocation {
            function_error: output.function_error().map(str::to_owned),
            payload: output
                .payload()
                .map(|blob| String::from_utf8_lossy(blob.as_ref()).into_owned())
                .unwrap_or_default(),
        })
    }
}

/// An AWS SDK error in one line: `Code: message` when the service said so, else the whole
/// error chain (a connection failure, a timeout).
pub(crate) fn describe_error<E>(error: &E) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        _ => aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string(),
    }
}
