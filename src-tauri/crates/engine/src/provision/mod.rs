//! Performs a step's action through the AWS SDK, journaling what it creates.
//!
//! Every action is idempotent. A resource that exists already with the expected configuration
//! is used as it is: when it carries the lab's tags an earlier run made it and it is journaled
//! as created (teardown removes it); otherwise the student made it before the lesson and it is
//! journaled as *adopted* (teardown keeps it). A conflicting one is reported, and a create is
//! journaled as an intent before the call so a crash cannot hide it from teardown.

mod execution_role;
mod function_config;
mod identity;
mod rest_api;
mod website;

mod error;

pub use error::{ProvisionError, aws_error, service_error};

use std::time::Duration;

use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
    Tag,
};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, FunctionCode, Runtime, State as FunctionState};
use lab_functions::Artifacts;
use serde_json::{Value, json};

use crate::cloud::Cloud;
use crate::journal::{Journal, Kind, Scope, State};
use crate::lesson::Vars;
pub use execution_role::{POLICY_NAME, ROLE_PATH, TRUST_POLICY, access_policy};

use crate::lesson::action::{
    Action, AddPermission, CreateApi, CreateDeployment, CreateFunction, CreateIntegration,
    CreateStage, CreateTable,
};

/// The tag keys on everything the lab creates.
pub const LESSON_TAG: &str = "serverless-lab:lesson";
pub const TARGET_TAG: &str = "serverless-lab:target";

/// How long to wait for a table or function to become usable.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// What performing a step needs.
#[derive(Debug)]
pub struct Context<'a> {
    pub cloud: &'a Cloud,
    pub journal: &'a Journal,
    pub scope: &'a Scope,
    pub lesson: &'a str,
    pub step: &'a str,
    pub artifacts: &'a Artifacts,
    /// The lesson's web page, for `s3.upload-site`.
    pub site: &'a [crate::lesson::SiteFile],
}

/// What an action did.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// One line for people: what now exists.
    pub summary: String,
    /// The fields `outputs` may capture, shaped as the AWS CLI prints the response.
    pub response: Value,
    /// AWS CLI commands for what the action did beyond its usual equivalent (creating a role
    /// where `LabRole` is missing), as a student would type them.
    pub commands: Vec<String>,
    /// What the action found already there, made before the lesson, and uses as it is
    /// (`table ccbda-lambda-first`): teardown keeps it.
    pub adopted: Option<String>,
}

pub(crate) fn code_of<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(error: &E) -> Option<&str> {
    error.code()
}

/// Performs `action` with its parameters filled from `vars`.
pub async fn perform(
    context: &Context<'_>,
    action: &Action,
    vars: &Vars,
) -> Result<Done, ProvisionError> {
    let fill = |text: &str| {
        vars.fill(text).map_err(|unfilled| {
            ProvisionError::Lesson(format!("{unfilled}: run the step that defines it first"))
        })
    };
    // A map's values, each filled.
    let fill_values = |map: &std::collections::BTreeMap<String, String>| {
        map.iter()
            .map(|(name, value)| Ok((name.clone(), fill(value)?)))
            .collect::<Result<std::collections::BTreeMap<_, _>, ProvisionError>>()
    };
    match action {
        Action::ExecutionRole(a) => {
            let lesson_role = format!("serverless-lab-{}", context.lesson);
            let wanted = execution_role::Wanted {
                name: fill(&a.name)?,
                create: fill(a.create.as_deref().unwrap_or(&lesson_role))?,
                tables: a.tables.iter().map(|t| fill(t)).collect::<Result<_, _>>()?,
                functions: a
                    .functions
                    .iter()
                    .map(|f| fill(f))
                    .collect::<Result<_, _>>()?,
                manage_connections: a.manage_connections,
            };
            execution_role::ensure(context, a, &wanted).await
        }
        Action::CreateTable(a) => {
            create_table(
                context,
                a,
                &fill(&a.table)?,
                &fill(&a.partition_key)?,
                &fill(&a.key_type)?,
            )
            .await
        }
        Action::CreateFunction(a) => {
            let environment = fill_values(&a.environment)?.into_iter().collect();
            create_function(
                context,
                a,
                &Names {
                    name: fill(&a.name)?,
                    code: fill(&a.code)?,
                    role: fill(&a.role)?,
                },
                environment,
            )
            .await
        }
        Action::UpdateFunctionConfiguration(a) => {
            function_config::update(context, &fill(&a.function)?, a.memory_size, a.timeout).await
        }
        Action::AddPermission(a) => {
            add_permission(
                context,
                a,
                &fill(&a.function)?,
                &fill(&a.statement_id)?,
                vars,
            )
            .await
        }
        Action::CreateApi(a) => create_api(context, a, &fill(&a.name)?).await,
        Action::CreateIntegration(a) => {
            create_integration(context, a, &fill(&a.api)?, &fill(&a.uri)?).await
        }
        Action::CreateRoutes(a) => {
            let keys = a
                .route_keys
                .iter()
                .map(|key| fill(key))
                .collect::<Result<Vec<_>, _>>()?;
            let authorization = RouteAuthorization {
                kind: fill(&a.authorization)?,
                authorizer: a.authorizer.as_deref().map(fill).transpose()?,
                scopes: a.scopes.iter().map(|s| fill(s)).collect::<Result<_, _>>()?,
            };
            create_routes(
                context,
                &fill(&a.api)?,
                &keys,
                &fill(&a.target)?,
                &authorization,
            )
            .await
        }
        Action::CreateStage(a) => create_stage(context, a, &fill(&a.api)?, &fill(&a.stage)?).await,
        Action::CreateDeployment(a) => {
            create_deployment(context, a, &fill(&a.api)?, &fill(&a.stage)?).await
        }
        Action::CreateRestApi(a) => rest_api::create_rest_api(context, a, &fill(&a.name)?).await,
        Action::CreateResource(a) => {
            rest_api::create_resource(
                context,
                &fill(&a.api)?,
                &fill(&a.parent)?,
                &fill(&a.path_part)?,
            )
            .await
        }
        Action::PutMethod(a) => {
            let method = rest_api::MethodTarget {
                api: fill(&a.api)?,
                resource: fill(&a.resource)?,
                method: fill(&a.method)?,
                authorizer: a.authorizer.as_deref().map(fill).transpose()?,
            };
            rest_api::put_method(context, a, &method).await
        }
        Action::CreateUserPool(a) => {
            identity::create_user_pool(context, a, &fill(&a.name)?, &fill).await
        }
        Action::CreateUserPoolClient(a) => {
            let flows = a
                .auth_flows
                .iter()
                .map(|f| fill(f))
                .collect::<Result<_, _>>()?;
            identity::create_user_pool_client(context, a, &fill(&a.pool)?, &fill(&a.name)?, flows)
                .await
        }
        Action::SignUp(a) => {
            let applicant = identity::Applicant {
                pool: fill(&a.pool)?,
                client: fill(&a.client)?,
                username: fill(&a.username)?,
                password: fill(&a.password)?,
                email: a.email.as_deref().map(fill).transpose()?,
            };
            identity::sign_up(context, &applicant).await
        }
        Action::CreateAuthorizer(a) => {
            identity::create_authorizer(context, a, &fill(&a.api)?, &fill).await
        }
        Action::CreateRestAuthorizer(a) => {
            identity::create_rest_authorizer(context, a, &fill(&a.api)?, &fill).await
        }
        Action::CreateBucket(a) => website::create_bucket(context, &fill(&a.bucket)?).await,
        Action::PutBucketWebsite(a) => {
            let error_document = a.error_document.as_deref().map(fill).transpose()?;
            website::put_bucket_website(
                context,
                &fill(&a.bucket)?,
                &fill(&a.index_document)?,
                error_document.as_deref(),
            )
            .await
        }
        Action::PutBucketPolicy(a) => website::put_bucket_policy(context, &fill(&a.bucket)?).await,
        Action::UploadSite(a) => website::upload_site(context, &fill(&a.bucket)?, vars).await,
        Action::PutIntegration(a) => {
            let target = rest_api::IntegrationTarget {
                api: fill(&a.api)?,
                resource: fill(&a.resource)?,
                method: fill(&a.method)?,
                uri: a.uri.as_deref().map(fill).transpose()?,
            };
            rest_api::put_integration(context, a, &target, &fill).await
        }
        Action::CreateApiKey(a) => {
            let value = a.value.as_deref().map(fill).transpose()?;
            rest_api::create_api_key(context, a, &fill(&a.name)?, value).await
        }
        Action::CreateUsagePlan(a) => {
            let stages = a.stages.iter().map(|s| fill(s)).collect::<Result<_, _>>()?;
            let period = a.quota_period.as_deref().map(fill).transpose()?;
            let limits = rest_api::PlanLimits::of(a, stages, period)?;
            rest_api::create_usage_plan(context, &fill(&a.name)?, limits).await
        }
        Action::CreateUsagePlanKey(a) => {
            rest_api::create_usage_plan_key(context, &fill(&a.plan)?, &fill(&a.key)?).await
        }
        Action::CreateRestDeployment(a) => {
            let variables = fill_values(&a.variables)?;
            let stage = a.stage.as_deref().map(fill).transpose()?;
            rest_api::create_deployment(context, &fill(&a.api)?, stage.as_deref(), variables).await
        }
        Action::CreateRestStage(a) => {
            let variables = fill_values(&a.variables)?;
            let stage = rest_api::Stage {
                api: fill(&a.api)?,
                name: fill(&a.stage)?,
                deployment: fill(&a.deployment)?,
                description: a.description.as_deref().map(fill).transpose()?,
                variables,
                cached: a.cache_ttl.is_some(),
                settings: a.settings(),
            };
            rest_api::create_stage(context, stage).await
        }
    }
}

impl Context<'_> {
    /// Journals an intent, runs `create`, and completes the row with its outcome.
    pub(crate) async fn journaled<T>(
        &self,
        kind: Kind,
        label: &str,
        physical_id: Option<&str>,
        create: impl std::future::Future<Output = Result<(T, Option<String>), ProvisionError>>,
    ) -> Result<T, ProvisionError> {
        let row =
            self.journal
                .intent(self.scope, kind, label, physical_id, self.lesson, self.step)?;
        match create.await {
            Ok((value, id)) => {
                self.journal.complete(row, State::Created, id.as_deref())?;
                Ok(value)
            }
            Err(error) => {
                // The call failed: nothing was created.
                let _ = self.journal.complete(row, State::Deleted, None);
                Err(error)
            }
        }
    }

    /// Journals a resource the student made before the lesson (it does not carry the lab's
    /// tags), which the lesson uses as it is: teardown keeps it. Answers what the run reports.
    pub(crate) fn adopt(
        &self,
        kind: Kind,
        label: &str,
        physical_id: &str,
    ) -> Result<String, ProvisionError> {
        self.record(kind, label, physical_id, State::Adopted)?;
        Ok(format!("{} {physical_id}", kind.as_str()))
    }

    /// Journals a resource an earlier run of the lab made (it carries the lab's tags or the
    /// engine's role path) that the journal does not hold: it is the lab's, teardown removes it.
    pub(crate) fn reclaim(
        &self,
        kind: Kind,
        label: &str,
        physical_id: &str,
    ) -> Result<(), ProvisionError> {
        self.record(kind, label, physical_id, State::Created)
    }

    /// Journals a resource in `state`, unless the journal already holds it.
    pub(crate) fn record(
        &self,
        kind: Kind,
        label: &str,
        physical_id: &str,
        state: State,
    ) -> Result<(), ProvisionError> {
        let journal_error = |error: crate::journal::JournalError| ProvisionError::from(error);
        if !self
            .journal
            .has_live(self.scope, kind, physical_id)
            .map_err(journal_error)?
        {
            let row = self
                .journal
                .intent(
                    self.scope,
                    kind,
                    label,
                    Some(physical_id),
                    self.lesson,
                    self.step,
                )
                .map_err(journal_error)?;
            self.journal
                .complete(row, state, None)
                .map_err(journal_error)?;
        }
        Ok(())
    }

    /// Whether a resource named `found` with `tags` is the one named `wanted` that this lesson
    /// made on an earlier run.
    pub(crate) fn made(
        &self,
        wanted: &str,
        found: Option<&str>,
        tags: Option<&std::collections::HashMap<String, String>>,
    ) -> bool {
        found == Some(wanted)
            && tags
                .and_then(|tags| tags.get(LESSON_TAG))
                .map(String::as_str)
                == Some(self.lesson)
    }

    pub(crate) fn tags(&self) -> [(String, String); 2] {
        [
            (LESSON_TAG.to_owned(), self.lesson.to_owned()),
            (TARGET_TAG.to_owned(), self.cloud.kind.to_owned()),
        ]
    }
}

async fn create_table(
    context: &Context<'_>,
    _action: &CreateTable,
    table: &str,
    partition_key: &str,
    key_type: &str,
) -> Result<Done, ProvisionError> {
    let dynamodb = &context.cloud.dynamodb;
    let existing = dynamodb.describe_table().table_name(table).send().await;
    let mut adopted = None;
    let arn = match existing {
        Ok(found) => {
            let description = found.table;
            let keys: Vec<&str> = description
                .as_ref()
                .map(|table| table.key_schema())
                .unwrap_or_default()
                .iter()
                .map(|key| key.attribute_name())
                .collect();
            if keys != [partition_key] {
                return Err(ProvisionError::Conflict(format!(
                    "a table named {table} exists already with the key ({}), not ({partition_key}): \
                     delete it or rename the lesson's table",
                    keys.join(", ")
                )));
            }
            let arn = description
                .as_ref()
                .and_then(|table| table.table_arn())
                .unwrap_or_default()
                .to_owned();
            if table_is_the_labs(dynamodb, &arn).await {
                context.reclaim(Kind::Table, table, table)?;
            } else {
                adopted = Some(context.adopt(Kind::Table, table, table)?);
            }
            arn
        }
        Err(error) if code_of(&error) == Some("ResourceNotFoundException") => {
            let created = context
                .journaled(Kind::Table, table, Some(table), async {
                    let tags = context
                        .tags()
                        .into_iter()
                        .map(|(key, value)| Tag::builder().key(key).value(value).build())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|error| ProvisionError::Failed(error.to_string()))?;
                    let attribute = AttributeDefinition::builder()
                        .attribute_name(partition_key)
                        .attribute_type(ScalarAttributeType::from(key_type))
                        .build()
                        .map_err(|error| ProvisionError::Failed(error.to_string()))?;
                    let key = KeySchemaElement::builder()
                        .attribute_name(partition_key)
                        .key_type(KeyType::Hash)
                        .build()
                        .map_err(|error| ProvisionError::Failed(error.to_string()))?;
                    let output = dynamodb
                        .create_table()
                        .table_name(table)
                        .attribute_definitions(attribute)
                        .key_schema(key)
                        .billing_mode(BillingMode::PayPerRequest)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .map_err(|error| aws_error("CreateTable", error))?;
                    let arn = output
                        .table_description()
                        .and_then(|description| description.table_arn())
                        .unwrap_or_default()
                        .to_owned();
                    Ok((arn, None))
                })
                .await?;
            wait_for_table(context.cloud, table).await?;
            created
        }
        Err(error) => return Err(aws_error("DescribeTable", error)),
    };
    Ok(Done {
        summary: format!("table {table} is ACTIVE ({arn})"),
        response: json!({"TableDescription": {"TableArn": arn, "TableName": table}}),
        commands: Vec::new(),
        adopted,
    })
}

/// Whether the table at `arn` carries the lab's lesson tag. A table whose tags cannot be read
/// counts as the student's: keeping it is the safe side.
async fn table_is_the_labs(dynamodb: &aws_sdk_dynamodb::Client, arn: &str) -> bool {
    match dynamodb
        .list_tags_of_resource()
        .resource_arn(arn)
        .send()
        .await
    {
        Ok(listed) => listed.tags().iter().any(|tag| tag.key() == LESSON_TAG),
        Err(error) => {
            tracing::debug!(%arn, error = %aws_sdk_dynamodb::error::DisplayErrorContext(&error), "the table's tags could not be read");
            false
        }
    }
}

async fn wait_for_table(cloud: &Cloud, table: &str) -> Result<(), ProvisionError> {
    wait_until(&format!("table {table} to become ACTIVE"), || async {
        let output = cloud
            .dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|error| aws_error("DescribeTable", error))?;
        let status = output.table().and_then(|table| table.table_status());
        Ok(status == Some(&TableStatus::Active))
    })
    .await
}

/// Polls `ready` until it says yes, for at most [`READY_WITHIN`].
async fn wait_until<F, Fut>(what: &str, ready: F) -> Result<(), ProvisionError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<bool, ProvisionError>>,
{
    let deadline = tokio::time::Instant::now() + READY_WITHIN;
    while !ready().await? {
        if tokio::time::Instant::now() > deadline {
            return Err(ProvisionError::Failed(format!(
                "waited {}s for {what}: giving up",
                READY_WITHIN.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}

/// A function's name, code and role with their variables filled.
struct Names {
    name: String,
    code: String,
    role: String,
}

async fn create_function(
    context: &Context<'_>,
    action: &CreateFunction,
    names: &Names,
    environment: std::collections::HashMap<String, String>,
) -> Result<Done, ProvisionError> {
    let (name, code, role) = (
        names.name.as_str(),
        names.code.as_str(),
        names.role.as_str(),
    );
    let lambda = &context.cloud.lambda;
    let mut adopted = None;
    let arn = match lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
    {
        Ok(existing) => {
            let runtime = existing
                .runtime()
                .map(|runtime| runtime.as_str().to_owned());
            let arn = existing.function_arn().unwrap_or_default().to_owned();
            let the_labs = function_is_the_labs(lambda, &arn).await;
            let (wanted_runtime, wanted_handler) =
                (action.runtime_of(code), action.handler_of(code));
            if runtime.as_deref() != Some(wanted_runtime.as_str()) {
                if !the_labs {
                    return Err(ProvisionError::Conflict(format!(
                        "a function named {name} exists already with runtime {}, not \
                         {wanted_runtime}: delete it or tear the lesson down first",
                        runtime.unwrap_or_default(),
                    )));
                }
                // The lab's own function, deployed from the other code of a choice: it is
                // switched to this one.
                switch_code(context, name, code, &wanted_runtime, &wanted_handler).await?;
            }
            if the_labs {
                context.reclaim(Kind::Function, name, name)?;
            } else {
                adopted = Some(context.adopt(Kind::Function, name, name)?);
            }
            arn
        }
        Err(error) if code_of(&error) == Some("ResourceNotFoundException") => {
            let package = context.artifacts.load(code)?;
            let role_arn = crate::lesson::action::role_arn(role, &context.cloud.account);
            let arn = context
                .journaled(Kind::Function, name, Some(name), async {
                    let mut request = lambda
                        .create_function()
                        .function_name(name)
                        .runtime(Runtime::from(action.runtime_of(code).as_str()))
                        .handler(action.handler_of(code))
                        .architectures(Architecture::X8664)
                        .role(&role_arn)
                        .code(
                            FunctionCode::builder()
                                .zip_file(Blob::new(package.zip))
                                .build(),
                        )
                        .set_timeout(action.timeout)
                        .set_memory_size(action.memory_size);
                    if !environment.is_empty() {
                        request = request.environment(
                            aws_sdk_lambda::types::Environment::builder()
                                .set_variables(Some(environment))
                                .build(),
                        );
                    }
                    for (key, value) in context.tags() {
                        request = request.tags(key, value);
                    }
                    let output =
                        send_while_role_propagates(context.cloud, &role_arn, request).await?;
                    Ok((output.function_arn().unwrap_or_default().to_owned(), None))
                })
                .await?;
            // Lambda creates the function's log group when it first writes; teardown removes it.
            context.record(
                Kind::LogGroup,
                &format!("/aws/lambda/{name}"),
                &format!("/aws/lambda/{name}"),
                State::Created,
            )?;
            arn
        }
        Err(error) => {
            return Err(aws_error("GetFunctionConfiguration", error));
        }
    };
    wait_for_function(context.cloud, name).await?;
    Ok(Done {
        summary: format!("function {name} is Active ({arn})"),
        response: json!({"FunctionArn": arn, "FunctionName": name}),
        commands: Vec::new(),
        adopted,
    })
}

/// Whether the function at `arn` carries the lab's lesson tag (unreadable tags: the student's).
/// Deploys `code` to the lab's function `name` in place of what it ran: its package, then its
/// runtime and handler, each waited for.
async fn switch_code(
    context: &Context<'_>,
    name: &str,
    code: &str,
    runtime: &str,
    handler: &str,
) -> Result<(), ProvisionError> {
    let package = context.artifacts.load(code)?;
    let lambda = &context.cloud.lambda;
    lambda
        .update_function_code()
        .function_name(name)
        .zip_file(Blob::new(package.zip))
        .send()
        .await
        .map_err(|error| aws_error("UpdateFunctionCode", error))?;
    function_config::wait_for_update(context, name).await?;
    lambda
        .update_function_configuration()
        .function_name(name)
        .runtime(Runtime::from(runtime))
        .handler(handler)
        .send()
        .await
        .map_err(|error| aws_error("UpdateFunctionConfiguration", error))?;
    function_config::wait_for_update(context, name).await
}

async fn function_is_the_labs(lambda: &aws_sdk_lambda::Client, arn: &str) -> bool {
    match lambda.list_tags().resource(arn).send().await {
        Ok(listed) => listed
            .tags()
            .is_some_and(|tags| tags.contains_key(LESSON_TAG)),
        Err(error) => {
            tracing::debug!(%arn, error = %aws_sdk_lambda::error::DisplayErrorContext(&error), "the function's tags could not be read");
            false
        }
    }
}

/// How long a new role may take to reach Lambda: AWS's IAM is eventually consistent.
const ROLE_PROPAGATION: Duration = Duration::from_secs(40);

/// Sends CreateFunction, and sends it again while its execution role may not have reached
/// Lambda yet. AWS answers such a call with `InvalidParameterValueException`, a code it gives
/// other mistakes too, so a call is retried only with that code, on AWS (the sandbox's roles
/// reach its Lambda at once), and while the role is younger than [`ROLE_PROPAGATION`] by its
/// IAM `CreateDate` — a role made just before by the lesson.
async fn send_while_role_propagates(
    cloud: &Cloud,
    role_arn: &str,
    request: aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder,
) -> Result<aws_sdk_lambda::operation::create_function::CreateFunctionOutput, ProvisionError> {
    let deadline = tokio::time::Instant::now() + ROLE_PROPAGATION;
    loop {
        match request.clone().send().await {
            Ok(output) => return Ok(output),
            Err(error) => {
                let error = error.into_service_error();
                let may_be_propagating = code_of(&error) == Some("InvalidParameterValueException")
                    && cloud.endpoint_url.is_none()
                    && tokio::time::Instant::now() < deadline
                    && role_age(cloud, role_arn)
                        .await
                        .is_some_and(|age| age < ROLE_PROPAGATION);
                if !may_be_propagating {
                    return Err(service_error("CreateFunction", error));
                }
                tracing::debug!(
                    "the execution role is new and may not have reached Lambda; retrying"
                );
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
        }
    }
}

/// How long ago the role (by ARN or name) was created, when IAM says.
async fn role_age(cloud: &Cloud, role: &str) -> Option<Duration> {
    let name = role.rsplit('/').next().unwrap_or(role);
    let output = cloud.iam.get_role().role_name(name).send().await.ok()?;
    let created = std::time::SystemTime::try_from(*output.role()?.create_date()).ok()?;
    std::time::SystemTime::now().duration_since(created).ok()
}

async fn wait_for_function(cloud: &Cloud, name: &str) -> Result<(), ProvisionError> {
    wait_until(&format!("function {name} to become Active"), || async {
        let output = cloud
            .lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(|error| aws_error("GetFunctionConfiguration", error))?;
        match output.state() {
            Some(FunctionState::Active) | None => Ok(true),
            Some(FunctionState::Failed) => Err(ProvisionError::Failed(format!(
                "function {name} failed to start: {}",
                output.state_reason().unwrap_or_default()
            ))),
            _ => Ok(false),
        }
    })
    .await
}

async fn add_permission(
    context: &Context<'_>,
    action: &AddPermission,
    function: &str,
    statement_id: &str,
    vars: &Vars,
) -> Result<Done, ProvisionError> {
    let fill = |text: &str| {
        vars.fill(text)
            .map_err(|unfilled| ProvisionError::Lesson(unfilled.to_string()))
    };
    let physical_id = format!("{function}/{statement_id}");
    let source_arn = action.source_arn.as_deref().map(fill).transpose()?;
    let sent = context
        .cloud
        .lambda
        .add_permission()
        .function_name(function)
        .statement_id(statement_id)
        .action(fill(&action.action)?)
        .principal(fill(&action.principal)?)
        .set_source_arn(source_arn)
        .send()
        .await;
    let mut adopted = None;
    let statement = match sent {
        Ok(output) => {
            context.record(Kind::Permission, &physical_id, &physical_id, State::Created)?;
            output.statement().unwrap_or_default().to_owned()
        }
        // The statement is there already: the lab's when the function is (an earlier run
        // added it), else the student's along with their function.
        Err(error) if code_of(&error) == Some("ResourceConflictException") => {
            let functions = context
                .journal
                .live_state(context.scope, Kind::Function, function)
                .map_err(|error| ProvisionError::Failed(error.to_string()))?;
            if functions == Some(State::Created) {
                context.reclaim(Kind::Permission, &physical_id, &physical_id)?;
            } else {
                adopted = Some(context.adopt(Kind::Permission, &physical_id, &physical_id)?);
            }
            String::new()
        }
        Err(error) => return Err(aws_error("AddPermission", error)),
    };
    Ok(Done {
        summary: format!(
            "{} may invoke {function} (statement {statement_id})",
            action.principal
        ),
        response: json!({"Statement": statement}),
        commands: Vec::new(),
        adopted,
    })
}

async fn create_api(
    context: &Context<'_>,
    action: &CreateApi,
    name: &str,
) -> Result<Done, ProvisionError> {
    let apigw = &context.cloud.apigw;
    let apis = apigw
        .get_apis()
        .send()
        .await
        .map_err(|error| aws_error("GetApis", error))?;
    let ours = apis
        .items()
        .iter()
        .find(|api| context.made(name, api.name(), api.tags()));
    let (api_id, endpoint) = match ours {
        Some(api) => {
            let id = api.api_id().unwrap_or_default().to_owned();
            context.reclaim(Kind::Api, name, &id)?;
            (id, api.api_endpoint().unwrap_or_default().to_owned())
        }
        None => {
            context
                .journaled(Kind::Api, name, None, async {
                    let mut request = apigw
                        .create_api()
                        .name(name)
                        .protocol_type(ProtocolType::from(action.protocol.as_str()))
                        .set_route_selection_expression(action.route_selection_expression.clone());
                    for (key, value) in context.tags() {
                        request = request.tags(key, value);
                    }
                    let output = request
                        .send()
                        .await
                        .map_err(|error| aws_error("CreateApi", error))?;
                    let id = output.api_id().unwrap_or_default().to_owned();
                    let endpoint = output.api_endpoint().unwrap_or_default().to_owned();
                    Ok(((id.clone(), endpoint), Some(id)))
                })
                .await?
        }
    };
    Ok(Done {
        summary: format!("{} API {name} is {api_id} at {endpoint}", action.protocol),
        response: json!({"ApiId": api_id, "ApiEndpoint": endpoint}),
        commands: Vec::new(),
        adopted: None,
    })
}

async fn create_integration(
    context: &Context<'_>,
    action: &CreateIntegration,
    api: &str,
    uri: &str,
) -> Result<Done, ProvisionError> {
    let apigw = &context.cloud.apigw;
    let existing = apigw
        .get_integrations()
        .api_id(api)
        .send()
        .await
        .map_err(|error| aws_error("GetIntegrations", error))?;
    let found = existing.items().iter().find(|integration| {
        integration.integration_uri() == Some(uri)
            && integration.integration_type().map(|kind| kind.as_str())
                == Some(action.integration_type.as_str())
    });
    let id = match found {
        Some(integration) => integration.integration_id().unwrap_or_default().to_owned(),
        None => apigw
            .create_integration()
            .api_id(api)
            .integration_type(IntegrationType::from(action.integration_type.as_str()))
            .integration_uri(uri)
            .set_integration_method(action.method.clone())
            .set_payload_format_version(action.payload_format_version.clone())
            .send()
            .await
            .map_err(|error| aws_error("CreateIntegration", error))?
            .integration_id()
            .unwrap_or_default()
            .to_owned(),
    };
    Ok(Done {
        summary: format!("integration {id}: {} → {uri}", action.integration_type),
        response: json!({"IntegrationId": id}),
        commands: Vec::new(),
        adopted: None,
    })
}

/// How the routes a step creates are authorized.
struct RouteAuthorization {
    /// `NONE`, `JWT`, `CUSTOM` or `AWS_IAM`.
    kind: String,
    authorizer: Option<String>,
    scopes: Vec<String>,
}

async fn create_routes(
    context: &Context<'_>,
    api: &str,
    route_keys: &[String],
    target: &str,
    authorization: &RouteAuthorization,
) -> Result<Done, ProvisionError> {
    let apigw = &context.cloud.apigw;
    let existing = apigw
        .get_routes()
        .api_id(api)
        .send()
        .await
        .map_err(|error| aws_error("GetRoutes", error))?;
    for route_key in route_keys {
        let present = existing
            .items()
            .iter()
            .find(|route| route.route_key() == Some(route_key));
        let authorized_as = |route: &aws_sdk_apigatewayv2::types::Route| {
            route
                .authorization_type()
                .map_or("NONE", |kind| kind.as_str())
                == authorization.kind
                && route.authorizer_id() == authorization.authorizer.as_deref()
        };
        match present {
            Some(route) if route.target() == Some(target) && authorized_as(route) => continue,
            Some(route) => {
                return Err(ProvisionError::Conflict(format!(
                    "route {route_key} exists already with target {} and authorization {}, not {target} and {}",
                    route.target().unwrap_or("none"),
                    route
                        .authorization_type()
                        .map_or("NONE", |kind| kind.as_str()),
                    authorization.kind
                )));
            }
            None => {
                let mut request = apigw
                    .create_route()
                    .api_id(api)
                    .route_key(route_key)
                    .target(target);
                if authorization.kind != "NONE" {
                    request = request
                        .authorization_type(aws_sdk_apigatewayv2::types::AuthorizationType::from(
                            authorization.kind.as_str(),
                        ))
                        .set_authorizer_id(authorization.authorizer.clone())
                        .set_authorization_scopes(
                            (!authorization.scopes.is_empty())
                                .then(|| authorization.scopes.clone()),
                        );
                }
                request
                    .send()
                    .await
                    .map_err(|error| aws_error("CreateRoute", error))?;
            }
        }
    }
    Ok(Done {
        summary: format!("routes {} → {target}", route_keys.join(", ")),
        response: json!({}),
        commands: Vec::new(),
        adopted: None,
    })
}

async fn create_stage(
    context: &Context<'_>,
    action: &CreateStage,
    api: &str,
    stage: &str,
) -> Result<Done, ProvisionError> {
    let apigw = &context.cloud.apigw;
    match apigw.get_stage().api_id(api).stage_name(stage).send().await {
        Ok(existing)
            if existing.auto_deploy() == Some(action.auto_deploy)
                || (existing.auto_deploy().is_none() && !action.auto_deploy) => {}
        Ok(_) => {
            return Err(ProvisionError::Conflict(format!(
                "stage {stage} exists already with a different auto-deploy setting"
            )));
        }
        Err(error) if code_of(&error) == Some("NotFoundException") => {
            let mut request = apigw
                .create_stage()
                .api_id(api)
                .stage_name(stage)
                .auto_deploy(action.auto_deploy);
            for (key, value) in context.tags() {
                request = request.tags(key, value);
            }
            request
                .send()
                .await
                .map_err(|error| aws_error("CreateStage", error))?;
        }
        Err(error) => return Err(aws_error("GetStage", error)),
    }
    let deploys = if action.auto_deploy {
        "deploys automatically"
    } else {
        "waits for deployments"
    };
    Ok(Done {
        summary: format!("stage {stage} {deploys}"),
        response: json!({"StageName": stage}),
        commands: Vec::new(),
        adopted: None,
    })
}

async fn create_deployment(
    context: &Context<'_>,
    _action: &CreateDeployment,
    api: &str,
    stage: &str,
) -> Result<Done, ProvisionError> {
    let output = context
        .cloud
        .apigw
        .create_deployment()
        .api_id(api)
        .stage_name(stage)
        .send()
        .await
        .map_err(|error| aws_error("CreateDeployment", error))?;
    let id = output.deployment_id().unwrap_or_default().to_owned();
    Ok(Done {
        summary: format!("deployment {id} is live on stage {stage}"),
        response: json!({"DeploymentId": id}),
        commands: Vec::new(),
        adopted: None,
    })
}
