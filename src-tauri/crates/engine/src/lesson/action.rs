//! The provisioning actions a step can name, their parameters, what each produces for
//! `outputs`, and the AWS CLI command that does the same.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::cli::CliCommand;
pub use super::identity::{
    CreateAuthorizer, CreateRestAuthorizer, CreateUserPool, CreateUserPoolClient, SignUp,
};
use super::vars::Vars;
pub use super::website::{CreateBucket, PutBucketPolicy, PutBucketWebsite, UploadSite};

/// What a step provisions. Parameter strings may hold `${NAME}` references.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    ExecutionRole(ExecutionRole),
    CreateTable(CreateTable),
    CreateFunction(CreateFunction),
    UpdateFunctionConfiguration(UpdateFunctionConfiguration),
    AddPermission(AddPermission),
    CreateApi(CreateApi),
    CreateIntegration(CreateIntegration),
    CreateRoutes(CreateRoutes),
    CreateStage(CreateStage),
    CreateDeployment(CreateDeployment),
    CreateRestApi(CreateRestApi),
    CreateResource(CreateResource),
    PutMethod(PutMethod),
    PutIntegration(PutIntegration),
    CreateRestDeployment(CreateRestDeployment),
    CreateRestStage(CreateRestStage),
    CreateApiKey(CreateApiKey),
    CreateUsagePlan(CreateUsagePlan),
    CreateUsagePlanKey(CreateUsagePlanKey),
    CreateUserPool(CreateUserPool),
    CreateUserPoolClient(CreateUserPoolClient),
    SignUp(SignUp),
    CreateAuthorizer(CreateAuthorizer),
    CreateRestAuthorizer(CreateRestAuthorizer),
    CreateBucket(CreateBucket),
    PutBucketWebsite(PutBucketWebsite),
    PutBucketPolicy(PutBucketPolicy),
    UploadSite(UploadSite),
}

/// `iam.execution-role`: the role the lesson's functions run as. `LabRole` where it exists (AWS
/// Academy, where roles cannot be created, and the sandbox); elsewhere a role the engine creates
/// for the lesson, allowed only what the lesson needs: its tables' items and its functions' logs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutionRole {
    /// The role to use when it exists.
    #[serde(default = "lab_role")]
    pub name: String,
    /// The role to create otherwise; `serverless-lab-<lesson id>` unless named.
    pub create: Option<String>,
    /// The tables whose items the functions read and write.
    #[serde(default)]
    pub tables: Vec<String>,
    /// The functions whose logs the role may write.
    #[serde(default)]
    pub functions: Vec<String>,
    /// Whether the functions post to WebSocket clients (`execute-api:ManageConnections`).
    #[serde(default)]
    pub manage_connections: bool,
}

/// `dynamodb.create-table`: a table with a string (or number/binary) partition key, on demand.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTable {
    pub table: String,
    pub partition_key: String,
    #[serde(default = "string_key")]
    pub key_type: String,
}

/// `lambda.create-function`: a function from one of the lab's packaged Rust functions.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateFunction {
    pub name: String,
    /// The lab function to deploy (a crate under `lambda/`, e.g. `crud`).
    pub code: String,
    /// The execution role: its ARN (usually `${ROLE_ARN}` from `iam.execution-role`) or its
    /// name in the target's account; `LabRole` unless given.
    #[serde(default = "lab_role")]
    pub role: String,
    /// The function's own (`provided.al2023` for the Rust functions, `python3.12` for the
    /// Python ones) unless given.
    pub runtime: Option<String>,
    /// The function's own (`bootstrap`, `lambda_function.lambda_handler`) unless given.
    pub handler: Option<String>,
    pub timeout: Option<i32>,
    pub memory_size: Option<i32>,
    /// Environment variables (values may hold `${NAME}` references).
    #[serde(default)]
    pub environment: std::collections::BTreeMap<String, String>,
}

/// `lambda.update-function-configuration`: a function's memory (and with it, on Lambda, its
/// CPU) or timeout changed; its warm environments are replaced.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateFunctionConfiguration {
    pub function: String,
    pub memory_size: Option<i32>,
    pub timeout: Option<i32>,
}

/// `lambda.add-permission`: lets a service invoke a function.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddPermission {
    pub function: String,
    pub statement_id: String,
    pub principal: String,
    #[serde(default = "invoke_function")]
    pub action: String,
    pub source_arn: Option<String>,
}

/// `apigatewayv2.create-api`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateApi {
    pub name: String,
    pub protocol: String,
    pub route_selection_expression: Option<String>,
}

/// `apigatewayv2.create-integration`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIntegration {
    pub api: String,
    #[serde(rename = "type")]
    pub integration_type: String,
    pub uri: String,
    pub method: Option<String>,
    pub payload_format_version: Option<String>,
}

/// `apigatewayv2.create-routes`: one route per key, all to the same target.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRoutes {
    pub api: String,
    pub route_keys: Vec<String>,
    pub target: String,
    /// `NONE`, `JWT`, `CUSTOM` (a Lambda authorizer) or `AWS_IAM`.
    #[serde(default = "no_authorization")]
    pub authorization: String,
    /// The authorizer's id, for `JWT` and `CUSTOM`.
    pub authorizer: Option<String>,
    /// The scopes a JWT must carry one of.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `apigatewayv2.create-stage`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateStage {
    pub api: String,
    pub stage: String,
    #[serde(default)]
    pub auto_deploy: bool,
}

/// `apigatewayv2.create-deployment`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDeployment {
    pub api: String,
    pub stage: String,
}

/// `apigateway.create-rest-api`: a REST API (API Gateway v1), tagged as the lab's.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRestApi {
    pub name: String,
    /// `REGIONAL` (the console's default), `EDGE` or `PRIVATE`.
    #[serde(default = "regional")]
    pub endpoint_type: String,
    pub description: Option<String>,
}

/// `apigateway.create-resource`: one path part under a parent resource.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateResource {
    pub api: String,
    /// The parent resource's id (the root's is `create-rest-api`'s `rootResourceId`).
    pub parent: String,
    /// `things`, `{id}` or the greedy `{proxy+}`.
    pub path_part: String,
}

/// `apigateway.put-method`: a method on a resource and who may call it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutMethod {
    pub api: String,
    pub resource: String,
    pub method: String,
    #[serde(default = "no_authorization")]
    pub authorization: String,
    /// The authorizer's id, for `CUSTOM` and `COGNITO_USER_POOLS`.
    pub authorizer: Option<String>,
    #[serde(default)]
    pub api_key_required: bool,
}

/// `apigateway.put-integration`: what a method calls, and for a non-proxy integration the
/// responses it maps the answer to (each a method response and its integration response).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutIntegration {
    pub api: String,
    pub resource: String,
    pub method: String,
    /// `AWS_PROXY`, `AWS`, `HTTP`, `HTTP_PROXY` or `MOCK`.
    #[serde(rename = "type")]
    pub integration_type: String,
    pub uri: Option<String>,
    /// The method the integration calls with (`POST` for Lambda).
    #[serde(default = "post")]
    pub integration_method: String,
    pub passthrough_behavior: Option<String>,
    /// Request mapping templates by content type.
    #[serde(default)]
    pub request_templates: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub responses: Vec<MethodResponse>,
}

/// One response of a non-proxy method.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodResponse {
    pub status: String,
    /// The regular expression a Lambda error message (or backend status) must match; the
    /// default response has none.
    pub selection_pattern: Option<String>,
    /// Response mapping templates by content type (`""` passes the answer through).
    #[serde(default)]
    pub templates: std::collections::BTreeMap<String, String>,
}

/// `apigateway.create-deployment`: a snapshot of the REST API, deployed to a stage (made or
/// moved to it) when one is named.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRestDeployment {
    pub api: String,
    pub stage: Option<String>,
    /// Stage variables.
    #[serde(default)]
    pub variables: std::collections::BTreeMap<String, String>,
}

/// `apigateway.create-stage`: a stage serving a deployment, with its variables and, when asked,
/// stage-wide method settings (`*/*`): throttling, and a cache for GET methods.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRestStage {
    pub api: String,
    pub stage: String,
    pub deployment: String,
    pub description: Option<String>,
    /// Stage variables.
    #[serde(default)]
    pub variables: std::collections::BTreeMap<String, String>,
    /// Requests a second each method is allowed.
    pub rate_limit: Option<f64>,
    /// Requests each method may take at once.
    pub burst_limit: Option<i32>,
    /// With a value: the stage's cache (0.5 GB) on, GET methods cached for this many seconds.
    pub cache_ttl: Option<u32>,
}

impl CreateFunction {
    /// The runtime for `code` (the filled `code`): as given, else the lab function's own.
    pub fn runtime_of(&self, code: &str) -> String {
        self.runtime.clone().unwrap_or_else(|| {
            lab_functions::Function::named(code)
                .map_or("provided.al2023", |function| function.runtime())
                .to_owned()
        })
    }

    /// Where the AWS CLI reads the package from: a Rust function's `bootstrap.zip` that
    /// `make lambdas` built, or a Python function's source directory zipped beside it (`zip -j
    /// ddb-manager-py.zip lambda/python/ddb-manager-py/*.py`).
    pub fn zip_file(&self, code: &str, zip_dir: &str) -> String {
        match lab_functions::Function::named(code) {
            Ok(function) if function.is_python() => format!("fileb://{code}.zip"),
            _ => format!("fileb://{zip_dir}/{code}/bootstrap.zip"),
        }
    }

    /// The handler for `code`: as given, else the lab function's own.
    pub fn handler_of(&self, code: &str) -> String {
        self.handler.clone().unwrap_or_else(|| {
            lab_functions::Function::named(code)
                .map_or("bootstrap", |function| function.handler())
                .to_owned()
        })
    }
}

impl CreateRestStage {
    /// The UpdateStage patch operations (`path`, `value`) that apply its method settings.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let mut patches = Vec::new();
        if let Some(rate) = self.rate_limit {
            patches.push(("/*/*/throttling/rateLimit", rate.to_string()));
        }
        if let Some(burst) = self.burst_limit {
            patches.push(("/*/*/throttling/burstLimit", burst.to_string()));
        }
        if let Some(ttl) = self.cache_ttl {
            patches.push(("/*/*/caching/enabled", "true".to_owned()));
            patches.push(("/*/*/caching/ttlInSeconds", ttl.to_string()));
        }
        patches
    }
}

/// `apigateway.create-api-key`: an API key, enabled unless asked otherwise.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: String,
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// The key's value (20 to 128 characters); API Gateway generates one when none is given.
    pub value: Option<String>,
}

/// `apigateway.create-usage-plan`: a usage plan over API stages, with a throttle and a quota.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUsagePlan {
    pub name: String,
    /// The stages it covers, each `apiId:stage`.
    #[serde(default)]
    pub stages: Vec<String>,
    /// Requests a second, and the burst above it.
    pub rate_limit: Option<f64>,
    pub burst_limit: Option<i32>,
    /// Requests per `quota_period` (`DAY`, `WEEK` or `MONTH`).
    pub quota_limit: Option<i32>,
    pub quota_period: Option<String>,
}

/// `apigateway.create-usage-plan-key`: an API key in a usage plan.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUsagePlanKey {
    pub plan: String,
    pub key: String,
}

/// A role's ARN from an ARN or a name in `account`; a variable not filled yet is left alone.
pub fn role_arn(role: &str, account: &str) -> String {
    if role.starts_with("arn:") || role.starts_with("${") {
        role.to_owned()
    } else {
        format!("arn:aws:iam::{account}:role/{role}")
    }
}

fn string_key() -> String {
    "S".to_owned()
}
fn lab_role() -> String {
    "LabRole".to_owned()
}
fn invoke_function() -> String {
    "lambda:InvokeFunction".to_owned()
}
fn enabled() -> bool {
    true
}
fn regional() -> String {
    "REGIONAL".to_owned()
}
fn no_authorization() -> String {
    "NONE".to_owned()
}
fn post() -> String {
    "POST".to_owned()
}

/// Every action name, as lessons write it.
pub const NAMES: [&str; 28] = [
    "iam.execution-role",
    "dynamodb.create-table",
    "lambda.create-function",
    "lambda.update-function-configuration",
    "lambda.add-permission",
    "apigatewayv2.create-api",
    "apigatewayv2.create-integration",
    "apigatewayv2.create-routes",
    "apigatewayv2.create-stage",
    "apigatewayv2.create-deployment",
    "apigateway.create-rest-api",
    "apigateway.create-resource",
    "apigateway.put-method",
    "apigateway.put-integration",
    "apigateway.create-deployment",
    "apigateway.create-stage",
    "apigateway.create-api-key",
    "apigateway.create-usage-plan",
    "apigateway.create-usage-plan-key",
    "cognito-idp.create-user-pool",
    "cognito-idp.create-user-pool-client",
    "cognito-idp.sign-up",
    "apigatewayv2.create-authorizer",
    "apigateway.create-authorizer",
    "s3.create-bucket",
    "s3.put-bucket-website",
    "s3.put-bucket-policy",
    "s3.upload-site",
];

/// What a CLI rendering needs besides the action.
#[derive(Debug, Clone)]
pub struct CliContext<'a> {
    pub lesson: &'a str,
    /// `sandbox` or `aws`, for the resource tags.
    pub target: &'a str,
    pub region: &'a str,
    /// The sandbox's URL, given to `--endpoint-url`; none for AWS.
    pub endpoint_url: Option<&'a str>,
    pub vars: &'a Vars,
    /// The directory holding the lab functions' zips (`<dir>/<name>/bootstrap.zip`), for
    /// `fileb://`.
    pub zip_dir: &'a str,
}

impl Action {
    /// Reads an action from its name and its `params` table.
    pub fn parse(name: &str, params: toml::Table) -> Result<Self, InvalidAction> {
        Ok(match name {
            "iam.execution-role" => Self::ExecutionRole(read(params)?),
            "dynamodb.create-table" => Self::CreateTable(read(params)?),
            "lambda.create-function" => Self::CreateFunction(read(params)?),
            "lambda.update-function-configuration" => {
                Self::UpdateFunctionConfiguration(read(params)?)
            }
            "lambda.add-permission" => Self::AddPermission(read(params)?),
            "apigatewayv2.create-api" => Self::CreateApi(read(params)?),
            "apigatewayv2.create-integration" => Self::CreateIntegration(read(params)?),
            "apigatewayv2.create-routes" => Self::CreateRoutes(read(params)?),
            "apigatewayv2.create-stage" => Self::CreateStage(read(params)?),
            "apigatewayv2.create-deployment" => Self::CreateDeployment(read(params)?),
            "apigateway.create-rest-api" => Self::CreateRestApi(read(params)?),
            "apigateway.create-resource" => Self::CreateResource(read(params)?),
            "apigateway.put-method" => Self::PutMethod(read(params)?),
            "apigateway.put-integration" => Self::PutIntegration(read(params)?),
            "apigateway.create-deployment" => Self::CreateRestDeployment(read(params)?),
            "apigateway.create-stage" => Self::CreateRestStage(read(params)?),
            "apigateway.create-api-key" => Self::CreateApiKey(read(params)?),
            "apigateway.create-usage-plan" => Self::CreateUsagePlan(read(params)?),
            "apigateway.create-usage-plan-key" => Self::CreateUsagePlanKey(read(params)?),
            "cognito-idp.create-user-pool" => Self::CreateUserPool(read(params)?),
            "cognito-idp.create-user-pool-client" => Self::CreateUserPoolClient(read(params)?),
            "cognito-idp.sign-up" => Self::SignUp(read(params)?),
            "apigatewayv2.create-authorizer" => Self::CreateAuthorizer(read(params)?),
            "apigateway.create-authorizer" => Self::CreateRestAuthorizer(read(params)?),
            "s3.create-bucket" => Self::CreateBucket(read(params)?),
            "s3.put-bucket-website" => Self::PutBucketWebsite(read(params)?),
            "s3.put-bucket-policy" => Self::PutBucketPolicy(read(params)?),
            "s3.upload-site" => Self::UploadSite(read(params)?),
            unknown => {
                return Err(InvalidAction(format!(
                    "unknown action \"{unknown}\"; the actions are {}",
                    NAMES.join(", ")
                )));
            }
        })
    }

    /// The action's name, as lessons write it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ExecutionRole(_) => "iam.execution-role",
            Self::CreateTable(_) => "dynamodb.create-table",
            Self::CreateFunction(_) => "lambda.create-function",
            Self::UpdateFunctionConfiguration(_) => "lambda.update-function-configuration",
            Self::AddPermission(_) => "lambda.add-permission",
            Self::CreateApi(_) => "apigatewayv2.create-api",
            Self::CreateIntegration(_) => "apigatewayv2.create-integration",
            Self::CreateRoutes(_) => "apigatewayv2.create-routes",
            Self::CreateStage(_) => "apigatewayv2.create-stage",
            Self::CreateDeployment(_) => "apigatewayv2.create-deployment",
            Self::CreateRestApi(_) => "apigateway.create-rest-api",
            Self::CreateResource(_) => "apigateway.create-resource",
            Self::PutMethod(_) => "apigateway.put-method",
            Self::PutIntegration(_) => "apigateway.put-integration",
            Self::CreateRestDeployment(_) => "apigateway.create-deployment",
            Self::CreateRestStage(_) => "apigateway.create-stage",
            Self::CreateApiKey(_) => "apigateway.create-api-key",
            Self::CreateUsagePlan(_) => "apigateway.create-usage-plan",
            Self::CreateUsagePlanKey(_) => "apigateway.create-usage-plan-key",
            Self::CreateUserPool(_) => "cognito-idp.create-user-pool",
            Self::CreateUserPoolClient(_) => "cognito-idp.create-user-pool-client",
            Self::SignUp(_) => "cognito-idp.sign-up",
            Self::CreateAuthorizer(_) => "apigatewayv2.create-authorizer",
            Self::CreateRestAuthorizer(_) => "apigateway.create-authorizer",
            Self::CreateBucket(_) => "s3.create-bucket",
            Self::PutBucketWebsite(_) => "s3.put-bucket-website",
            Self::PutBucketPolicy(_) => "s3.put-bucket-policy",
            Self::UploadSite(_) => "s3.upload-site",
        }
    }

    /// The result fields `outputs` may capture: paths into the response as the AWS CLI prints
    /// it (`TableDescription.TableArn` is what `jq .TableDescription.TableArn` picks).
    pub fn outputs(&self) -> &'static [&'static str] {
        match self {
            Self::ExecutionRole(_) => &["Role.Arn", "Role.RoleName"],
            Self::CreateTable(_) => &["TableDescription.TableArn", "TableDescription.TableName"],
            Self::CreateFunction(_) => &["FunctionArn", "FunctionName"],
            Self::UpdateFunctionConfiguration(_) => &["FunctionArn"],
            Self::AddPermission(_) => &["Statement"],
            Self::CreateApi(_) => &["ApiId", "ApiEndpoint"],
            Self::CreateIntegration(_) => &["IntegrationId"],
            Self::CreateRoutes(_) => &[],
            Self::CreateStage(_) => &["StageName"],
            Self::CreateDeployment(_) => &["DeploymentId"],
            Self::CreateRestApi(_) => &["id", "rootResourceId"],
            Self::CreateResource(_) => &["id", "path"],
            Self::PutMethod(_) | Self::PutIntegration(_) => &[],
            Self::CreateRestDeployment(_) => &["id", "invokeUrl"],
            Self::CreateRestStage(_) => &["stageName", "invokeUrl"],
            Self::CreateApiKey(_) => &["id", "value"],
            Self::CreateUsagePlan(_) => &["id"],
            Self::CreateUsagePlanKey(_) => &[],
            Self::CreateUserPool(_) => &["UserPool.Id", "UserPool.Arn"],
            Self::CreateUserPoolClient(_) => &["UserPoolClient.ClientId"],
            Self::SignUp(_) => &["UserSub"],
            Self::CreateAuthorizer(_) => &["AuthorizerId"],
            Self::CreateRestAuthorizer(_) => &["id"],
            Self::CreateBucket(_) => &["Location"],
            Self::PutBucketWebsite(_) | Self::PutBucketPolicy(_) | Self::UploadSite(_) => &[],
        }
    }

    /// Every string parameter, for checking the variables they refer to.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Self::ExecutionRole(a) => {
                let mut texts = vec![&a.name];
                texts.extend(&a.create);
                texts.extend(&a.tables);
                texts.extend(&a.functions);
                texts
            }
            Self::CreateTable(a) => vec![&a.table, &a.partition_key, &a.key_type],
            Self::CreateFunction(a) => {
                let mut texts = vec![&a.name, &a.code, &a.role];
                texts.extend(&a.runtime);
                texts.extend(&a.handler);
                texts.extend(a.environment.values());
                texts
            }
            Self::UpdateFunctionConfiguration(a) => vec![&a.function],
            Self::AddPermission(a) => {
                let mut texts = vec![&a.function, &a.statement_id, &a.principal, &a.action];
                texts.extend(&a.source_arn);
                texts
            }
            Self::CreateApi(a) => {
                let mut texts = vec![&a.name, &a.protocol];
                texts.extend(&a.route_selection_expression);
                texts
            }
            Self::CreateIntegration(a) => {
                let mut texts = vec![&a.api, &a.integration_type, &a.uri];
                texts.extend(&a.method);
                texts.extend(&a.payload_format_version);
                texts
            }
            Self::CreateRoutes(a) => {
                let mut texts = vec![&a.api, &a.target, &a.authorization];
                texts.extend(&a.route_keys);
                texts.extend(&a.authorizer);
                texts.extend(&a.scopes);
                texts
            }
            Self::CreateStage(a) => vec![&a.api, &a.stage],
            Self::CreateDeployment(a) => vec![&a.api, &a.stage],
            Self::CreateRestApi(a) => {
                let mut texts = vec![&a.name, &a.endpoint_type];
                texts.extend(&a.description);
                texts
            }
            Self::CreateResource(a) => vec![&a.api, &a.parent, &a.path_part],
            Self::PutMethod(a) => {
                let mut texts = vec![&a.api, &a.resource, &a.method, &a.authorization];
                texts.extend(&a.authorizer);
                texts
            }
            Self::PutIntegration(a) => {
                let mut texts = vec![&a.api, &a.resource, &a.method, &a.integration_type];
                texts.extend(&a.uri);
                texts.push(&a.integration_method);
                texts.extend(&a.passthrough_behavior);
                texts.extend(a.request_templates.values());
                for response in &a.responses {
                    texts.push(&response.status);
                    texts.extend(&response.selection_pattern);
                    texts.extend(response.templates.values());
                }
                texts
            }
            Self::CreateRestDeployment(a) => {
                let mut texts = vec![&a.api];
                texts.extend(&a.stage);
                texts.extend(a.variables.values());
                texts
            }
            Self::CreateRestStage(a) => {
                let mut texts = vec![&a.api, &a.stage, &a.deployment];
                texts.extend(&a.description);
                texts.extend(a.variables.values());
                texts
            }
            Self::CreateApiKey(a) => {
                let mut texts = vec![&a.name];
                texts.extend(&a.value);
                texts
            }
            Self::CreateUsagePlan(a) => {
                let mut texts = vec![&a.name];
                texts.extend(&a.stages);
                texts.extend(&a.quota_period);
                texts
            }
            Self::CreateUsagePlanKey(a) => vec![&a.plan, &a.key],
            Self::CreateUserPool(a) => a.texts(),
            Self::CreateUserPoolClient(a) => a.texts(),
            Self::SignUp(a) => a.texts(),
            Self::CreateAuthorizer(a) => a.texts(),
            Self::CreateRestAuthorizer(a) => a.texts(),
            Self::CreateBucket(a) => a.texts(),
            Self::PutBucketWebsite(a) => a.texts(),
            Self::PutBucketPolicy(a) => a.texts(),
            Self::UploadSite(a) => a.texts(),
        }
        .into_iter()
        .map(String::as_str)
        .collect()
    }

    /// The AWS CLI commands that do what this action does.
    pub fn cli(&self, context: &CliContext<'_>) -> Vec<CliCommand> {
        let fill = |text: &str| context.vars.fill_known(text);
        let tag_pairs = || {
            format!(
                "serverless-lab:lesson={},serverless-lab:target={}",
                context.lesson, context.target
            )
        };
        let commands = match self {
            Self::ExecutionRole(a) => {
                vec![CliCommand::new("iam", "get-role").arg("role-name", fill(&a.name))]
            }
            Self::CreateTable(a) => vec![
                CliCommand::new("dynamodb", "create-table")
                    .arg("table-name", fill(&a.table))
                    .arg(
                        "attribute-definitions",
                        format!(
                            "AttributeName={},AttributeType={}",
                            fill(&a.partition_key),
                            fill(&a.key_type)
                        ),
                    )
                    .arg(
                        "key-schema",
                        format!("AttributeName={},KeyType=HASH", fill(&a.partition_key)),
                    )
                    .arg("billing-mode", "PAY_PER_REQUEST")
                    .args(
                        "tags",
                        [
                            format!("Key=serverless-lab:lesson,Value={}", context.lesson),
                            format!("Key=serverless-lab:target,Value={}", context.target),
                        ],
                    ),
            ],
            Self::CreateFunction(a) => vec![
                CliCommand::new("lambda", "create-function")
                    .arg("function-name", fill(&a.name))
                    .arg("runtime", a.runtime_of(&fill(&a.code)))
                    .arg("handler", a.handler_of(&fill(&a.code)))
                    .arg("architectures", "x86_64")
                    .arg("role", role_arn(&fill(&a.role), &fill("${ACCOUNT_ID}")))
                    .arg("zip-file", a.zip_file(&fill(&a.code), context.zip_dir))
                    .arg_opt("timeout", a.timeout.map(|t| t.to_string()))
                    .arg_opt("memory-size", a.memory_size.map(|m| m.to_string()))
                    .arg_opt(
                        "environment",
                        (!a.environment.is_empty()).then(|| {
                            let pairs: Vec<String> = a
                                .environment
                                .iter()
                                .map(|(name, value)| format!("{name}={}", fill(value)))
                                .collect();
                            format!("Variables={{{}}}", pairs.join(","))
                        }),
                    )
                    .arg("tags", tag_pairs()),
            ],
            Self::UpdateFunctionConfiguration(a) => vec![
                CliCommand::new("lambda", "update-function-configuration")
                    .arg("function-name", fill(&a.function))
                    .arg_opt("memory-size", a.memory_size.map(|m| m.to_string()))
                    .arg_opt("timeout", a.timeout.map(|t| t.to_string())),
            ],
            Self::AddPermission(a) => vec![
                CliCommand::new("lambda", "add-permission")
                    .arg("function-name", fill(&a.function))
                    .arg("statement-id", fill(&a.statement_id))
                    .arg("action", fill(&a.action))
                    .arg("principal", fill(&a.principal))
                    .arg_opt("source-arn", a.source_arn.as_deref().map(fill)),
            ],
            Self::CreateApi(a) => vec![
                CliCommand::new("apigatewayv2", "create-api")
                    .arg("name", fill(&a.name))
                    .arg("protocol-type", fill(&a.protocol))
                    .arg_opt(
                        "route-selection-expression",
                        a.route_selection_expression.as_deref().map(fill),
                    )
                    .arg("tags", tag_pairs()),
            ],
            Self::CreateIntegration(a) => vec![
                CliCommand::new("apigatewayv2", "create-integration")
                    .arg("api-id", fill(&a.api))
                    .arg("integration-type", fill(&a.integration_type))
                    .arg("integration-uri", fill(&a.uri))
                    .arg_opt("integration-method", a.method.as_deref().map(fill))
                    .arg_opt(
                        "payload-format-version",
                        a.payload_format_version.as_deref().map(fill),
                    ),
            ],
            Self::CreateRoutes(a) => a
                .route_keys
                .iter()
                .map(|route_key| {
                    let command = CliCommand::new("apigatewayv2", "create-route")
                        .arg("api-id", fill(&a.api))
                        .arg("route-key", fill(route_key))
                        .arg("target", fill(&a.target));
                    if a.authorization == "NONE" {
                        return command;
                    }
                    let command = command
                        .arg("authorization-type", fill(&a.authorization))
                        .arg_opt("authorizer-id", a.authorizer.as_deref().map(fill));
                    if a.scopes.is_empty() {
                        command
                    } else {
                        command.args("authorization-scopes", a.scopes.iter().map(|s| fill(s)))
                    }
                })
                .collect(),
            Self::CreateStage(a) => {
                let command = CliCommand::new("apigatewayv2", "create-stage")
                    .arg("api-id", fill(&a.api))
                    .arg("stage-name", fill(&a.stage));
                vec![
                    if a.auto_deploy {
                        command.flag("auto-deploy")
                    } else {
                        command.flag("no-auto-deploy")
                    }
                    .arg("tags", tag_pairs()),
                ]
            }
            Self::CreateDeployment(a) => vec![
                CliCommand::new("apigatewayv2", "create-deployment")
                    .arg("api-id", fill(&a.api))
                    .arg("stage-name", fill(&a.stage)),
            ],
            Self::CreateRestApi(a) => vec![
                CliCommand::new("apigateway", "create-rest-api")
                    .arg("name", fill(&a.name))
                    .arg_opt("description", a.description.as_deref().map(fill))
                    .arg(
                        "endpoint-configuration",
                        format!("types={}", fill(&a.endpoint_type)),
                    )
                    .arg("tags", tag_pairs()),
            ],
            Self::CreateResource(a) => vec![
                CliCommand::new("apigateway", "create-resource")
                    .arg("rest-api-id", fill(&a.api))
                    .arg("parent-id", fill(&a.parent))
                    .arg("path-part", fill(&a.path_part)),
            ],
            Self::PutMethod(a) => {
                let command = CliCommand::new("apigateway", "put-method")
                    .arg("rest-api-id", fill(&a.api))
                    .arg("resource-id", fill(&a.resource))
                    .arg("http-method", fill(&a.method))
                    .arg("authorization-type", fill(&a.authorization))
                    .arg_opt("authorizer-id", a.authorizer.as_deref().map(fill));
                vec![if a.api_key_required {
                    command.flag("api-key-required")
                } else {
                    command
                }]
            }
            Self::PutIntegration(a) => {
                let json_map = |map: &std::collections::BTreeMap<String, String>| {
                    let filled: std::collections::BTreeMap<String, String> =
                        map.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
                    serde_json::to_string(&filled).unwrap_or_default()
                };
                let on_method = |command: &str| {
                    CliCommand::new("apigateway", command)
                        .arg("rest-api-id", fill(&a.api))
                        .arg("resource-id", fill(&a.resource))
                        .arg("http-method", fill(&a.method))
                };
                let mut commands = vec![
                    on_method("put-integration")
                        .arg("type", fill(&a.integration_type))
                        .arg("integration-http-method", fill(&a.integration_method))
                        .arg_opt("uri", a.uri.as_deref().map(fill))
                        .arg_opt(
                            "passthrough-behavior",
                            a.passthrough_behavior.as_deref().map(fill),
                        )
                        .arg_opt(
                            "request-templates",
                            (!a.request_templates.is_empty())
                                .then(|| json_map(&a.request_templates)),
                        ),
                ];
                for response in &a.responses {
                    commands.push(
                        on_method("put-method-response")
                            .arg("status-code", fill(&response.status))
                            .arg("response-models", r#"{"application/json": "Empty"}"#),
                    );
                    commands.push(
                        on_method("put-integration-response")
                            .arg("status-code", fill(&response.status))
                            .arg_opt(
                                "selection-pattern",
                                response.selection_pattern.as_deref().map(fill),
                            )
                            .arg("response-templates", json_map(&response.templates)),
                    );
                }
                commands
            }
            Self::CreateRestDeployment(a) => vec![
                CliCommand::new("apigateway", "create-deployment")
                    .arg("rest-api-id", fill(&a.api))
                    .arg_opt("stage-name", a.stage.as_deref().map(fill))
                    .arg_opt("variables", stage_variables(&a.variables, &fill)),
            ],
            Self::CreateRestStage(a) => {
                let command = CliCommand::new("apigateway", "create-stage")
                    .arg("rest-api-id", fill(&a.api))
                    .arg("stage-name", fill(&a.stage))
                    .arg("deployment-id", fill(&a.deployment))
                    .arg_opt("description", a.description.as_deref().map(fill))
                    .arg_opt("variables", stage_variables(&a.variables, &fill));
                let mut commands = vec![if a.cache_ttl.is_some() {
                    command
                        .flag("cache-cluster-enabled")
                        .arg("cache-cluster-size", "0.5")
                } else {
                    command
                }];
                let settings = a.settings();
                if !settings.is_empty() {
                    commands.push(
                        CliCommand::new("apigateway", "update-stage")
                            .arg("rest-api-id", fill(&a.api))
                            .arg("stage-name", fill(&a.stage))
                            .args(
                                "patch-operations",
                                settings.into_iter().map(|(path, value)| {
                                    format!("op=replace,path={path},value={value}")
                                }),
                            ),
                    );
                }
                commands
            }
            Self::CreateApiKey(a) => {
                let command = CliCommand::new("apigateway", "create-api-key")
                    .arg("name", fill(&a.name))
                    .arg_opt("value", a.value.as_deref().map(fill));
                vec![
                    if a.enabled {
                        command.flag("enabled")
                    } else {
                        command.flag("no-enabled")
                    }
                    .arg("tags", tag_pairs()),
                ]
            }
            Self::CreateUsagePlan(a) => {
                let throttle = match (a.rate_limit, a.burst_limit) {
                    (None, None) => None,
                    (rate, burst) => Some(
                        [
                            burst.map(|b| format!("burstLimit={b}")),
                            rate.map(|r| format!("rateLimit={r}")),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(","),
                    ),
                };
                let quota = a.quota_limit.map(|limit| {
                    format!(
                        "limit={limit},period={}",
                        a.quota_period
                            .as_deref()
                            .map_or_else(|| "DAY".to_owned(), fill)
                    )
                });
                let mut command =
                    CliCommand::new("apigateway", "create-usage-plan").arg("name", fill(&a.name));
                if !a.stages.is_empty() {
                    command = command.args(
                        "api-stages",
                        a.stages.iter().map(|stage| {
                            let stage = fill(stage);
                            let (api, name) = stage.split_once(':').unwrap_or((&stage, ""));
                            format!("apiId={api},stage={name}")
                        }),
                    );
                }
                vec![
                    command
                        .arg_opt("throttle", throttle)
                        .arg_opt("quota", quota)
                        .arg("tags", tag_pairs()),
                ]
            }
            Self::CreateUsagePlanKey(a) => vec![
                CliCommand::new("apigateway", "create-usage-plan-key")
                    .arg("usage-plan-id", fill(&a.plan))
                    .arg("key-id", fill(&a.key))
                    .arg("key-type", "API_KEY"),
            ],
            Self::CreateUserPool(a) => a.cli(&fill, &tag_pairs()),
            Self::CreateUserPoolClient(a) => a.cli(&fill),
            Self::SignUp(a) => a.cli(&fill),
            Self::CreateAuthorizer(a) => a.cli(&fill),
            Self::CreateRestAuthorizer(a) => a.cli(&fill),
            Self::CreateBucket(a) => a.cli(
                &fill,
                &[
                    ("serverless-lab:lesson", context.lesson),
                    ("serverless-lab:target", context.target),
                ],
            ),
            Self::PutBucketWebsite(a) => a.cli(&fill),
            Self::PutBucketPolicy(a) => a.cli(&fill),
            Self::UploadSite(a) => a.cli(&fill, context.lesson),
        };
        commands
            .into_iter()
            .map(|command| {
                command
                    .arg("region", context.region)
                    .arg_opt("endpoint-url", context.endpoint_url)
            })
            .collect()
    }
}

/// `--variables name=value,…` of a REST API stage, when it has any.
fn stage_variables(
    variables: &std::collections::BTreeMap<String, String>,
    fill: &dyn Fn(&str) -> String,
) -> Option<String> {
    (!variables.is_empty()).then(|| {
        variables
            .iter()
            .map(|(name, value)| format!("{name}={}", fill(value)))
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn read<T: DeserializeOwned>(params: toml::Table) -> Result<T, InvalidAction> {
    toml::Value::Table(params)
        .try_into()
        .map_err(|error: toml::de::Error| InvalidAction(error.message().to_owned()))
}

/// An action a lesson names that does not exist, or whose parameters are wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidAction(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn context(vars: &Vars) -> CliContext<'_> {
        CliContext {
            lesson: "crud-http-api",
            target: "sandbox",
            region: "us-east-1",
            endpoint_url: Some("http://127.0.0.1:4566"),
            vars,
            zip_dir: "target/lambda",
        }
    }

    fn params(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn create_function_renders_the_labs_command_with_the_zip() {
        let action = Action::parse(
            "lambda.create-function",
            params(
                r#"name = "LambdaCRUD"
code = "crud""#,
            ),
        )
        .unwrap();
        let mut vars = Vars::default();
        vars.set("ACCOUNT_ID", "000000000000");
        let commands = action.cli(&context(&vars));
        assert_eq!(
            commands[0].to_string(),
            "aws lambda create-function \\\n  --function-name LambdaCRUD \\\n  --runtime provided.al2023 \\\n  \
             --handler bootstrap \\\n  --architectures x86_64 \\\n  \
             --role arn:aws:iam::000000000000:role/LabRole \\\n  \
             --zip-file fileb://target/lambda/crud/bootstrap.zip \\\n  \
             --tags serverless-lab:lesson=crud-http-api,serverless-lab:target=sandbox \\\n  \
             --region us-east-1 \\\n  --endpoint-url http://127.0.0.1:4566"
        );
    }

    #[test]
    fn routes_render_one_command_each_with_unset_variables_left_to_the_shell() {
        let action = Action::parse(
            "apigatewayv2.create-routes",
            params(
                r#"api = "${API_ID}"
route_keys = ["GET /", "POST /"]
target = "integrations/${INTEGRATION_ID}""#,
            ),
        )
        .unwrap();
        let mut vars = Vars::default();
        vars.set("API_ID", "a1b2c3");
        let commands = action.cli(&context(&vars));
        assert_eq!(commands.len(), 2);
        let first = commands[0].to_string();
        assert!(first.contains("--api-id a1b2c3 \\"), "{first}");
        assert!(first.contains("--route-key 'GET /' \\"), "{first}");
        assert!(
            first.contains("--target \"integrations/${INTEGRATION_ID}\""),
            "{first}"
        );
    }

    #[test]
    fn a_rest_integration_renders_with_a_method_and_integration_response_per_status() {
        let action = Action::parse(
            "apigateway.put-integration",
            params(
                r#"api = "${REST_API_ID}"
resource = "r1"
method = "POST"
type = "AWS"
uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${LAMBDA_ARN}/invocations"
request_templates = { "application/json" = "$input.json('$')" }

[[responses]]
status = "200"
templates = { "application/json" = "" }

[[responses]]
status = "400"
selection_pattern = "Bad.*""#,
            ),
        )
        .unwrap();
        let mut vars = Vars::default();
        vars.set("REST_API_ID", "a1b2c3");
        let commands: Vec<String> = action
            .cli(&context(&vars))
            .iter()
            .map(ToString::to_string)
            .collect();
        let names: Vec<&str> = commands
            .iter()
            .map(|c| c.lines().next().unwrap_or_default())
            .collect();
        assert_eq!(
            names,
            [
                "aws apigateway put-integration \\",
                "aws apigateway put-method-response \\",
                "aws apigateway put-integration-response \\",
                "aws apigateway put-method-response \\",
                "aws apigateway put-integration-response \\",
            ]
        );
        assert!(
            commands[0].contains("--rest-api-id a1b2c3 \\"),
            "{}",
            commands[0]
        );
        assert!(
            commands[0]
                .contains(r#"--request-templates '{"application/json":"$input.json('\''$'\'')"}'"#),
            "{}",
            commands[0]
        );
        assert!(
            commands[4].contains("--selection-pattern 'Bad.*' \\"),
            "{}",
            commands[4]
        );
    }

    #[test]
    fn unknown_actions_and_parameters_are_refused() {
        let error = Action::parse("sqs.create-queue", toml::Table::new())
            .unwrap_err()
            .to_string();
        assert!(error.starts_with(
            "unknown action \"sqs.create-queue\"; the actions are iam.execution-role"
        ));
        let error = Action::parse(
            "dynamodb.create-table",
            params(
                r#"table = "t"
partition_key = "k"
sort_key = "s""#,
            ),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("unknown field `sort_key`"), "{error}");
        let error = Action::parse("apigatewayv2.create-stage", params(r#"api = "a""#))
            .unwrap_err()
            .to_string();
        assert!(error.contains("missing field `stage`"), "{error}");
    }
}
