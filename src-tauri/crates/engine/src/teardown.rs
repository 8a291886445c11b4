//! Removes everything the lab created on a target, in dependency order: usage plans (their
//! API stages let go first) and API keys → APIs (with their
//! stages, routes and integrations), REST APIs (with their resources, methods and stages) →
//! permissions → functions → their log groups → tables → an
//! execution role the engine created (its policies first).
//!
//! What a lesson found already there and used as it was (journaled as *adopted*: the student
//! made it before the lesson) is kept, listed with what it holds; it goes only when asked for by
//! name. Throttling is retried with backoff; "already gone" counts as done; a failure is
//! reported and the rest goes on; a second run finishes what the first could not. Afterwards
//! each removed resource is looked up again to verify it is gone.

use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;

use crate::cloud::{Cloud, describe_error};
use crate::journal::{Journal, JournalError, Kind, Resource, Scope, State};
use crate::provision::{LESSON_TAG, ROLE_PATH, TARGET_TAG};

/// How many times a throttled call is tried.
const ATTEMPTS: u32 = 5;

/// How many pages of a kept table are counted before its count is given as "at least".
const COUNTED_PAGES: usize = 20;

/// What happened to one resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "kebab-case")]
pub enum Outcome {
    Deleted,
    AlreadyGone,
    Failed(String),
}

/// A resource teardown will remove.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Planned {
    pub resource: Resource,
    /// False for a lab resource found by its tags that the journal does not know.
    pub journaled: bool,
}

/// A resource that existed before the lesson, which teardown keeps.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Kept {
    pub resource: Resource,
    /// What deleting it would also delete, for a second thought (`3 items`).
    pub holds: Option<String>,
}

impl Kept {
    /// Its name on the target, as `--delete-adopted` takes it.
    pub fn name(&self) -> &str {
        self.resource
            .physical_id
            .as_deref()
            .unwrap_or(&self.resource.label)
    }
}

/// What teardown would do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// What it removes, in order.
    pub removals: Vec<Planned>,
    /// What it keeps: resources the lessons adopted.
    pub kept: Vec<Kept>,
}

impl Plan {
    /// Moves the kept resources named in `names` into the removals (in teardown order); a name
    /// no kept resource has is refused.
    pub fn delete_adopted(&mut self, names: &[String]) -> Result<(), TeardownError> {
        if let Some(unknown) = names
            .iter()
            .find(|name| !self.kept.iter().any(|kept| kept.name() == name.as_str()))
        {
            return Err(TeardownError::NotKept {
                name: unknown.clone(),
                kept: self
                    .kept
                    .iter()
                    .map(|kept| kept.name().to_owned())
                    .collect(),
            });
        }
        let (chosen, kept) = std::mem::take(&mut self.kept)
            .into_iter()
            .partition(|kept| names.iter().any(|name| name == kept.name()));
        self.kept = kept;
        self.removals
            .extend(chosen.into_iter().map(|kept: Kept| Planned {
                resource: kept.resource,
                journaled: true,
            }));
        self.removals.sort_by_key(|p| p.resource.kind);
        Ok(())
    }
}

/// One resource and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Removal {
    pub planned: Planned,
    pub outcome: Outcome,
}

/// The whole teardown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub removals: Vec<Removal>,
    /// What it kept (adopted resources not asked for).
    pub kept: Vec<Kept>,
    /// Lab resources still found on the target afterwards.
    pub leftovers: Vec<String>,
}

impl Report {
    pub fn complete(&self) -> bool {
        self.leftovers.is_empty()
            && self
                .removals
                .iter()
                .all(|removal| !matches!(removal.outcome, Outcome::Failed(_)))
    }
}

/// What teardown would remove, in order — the journal's live resources, then lab resources
/// found by their `serverless-lab:target` tag that the journal does not know — and what it
/// keeps: adopted resources, unless the lab's tags say an earlier run made them, and the
/// permissions on a function that stays.
pub async fn plan(cloud: &Cloud, journal: &Journal, scope: &Scope) -> Result<Plan, TeardownError> {
    let tagged = sweep(cloud).await.map_err(TeardownError::Sweep)?;
    let is_tagged = |resource: &Resource| {
        tagged
            .iter()
            .any(|found| found.kind == resource.kind && found.physical_id == resource.physical_id)
    };
    let (adopted, journaled): (Vec<Resource>, Vec<Resource>) = journal
        .live(scope)?
        .into_iter()
        .partition(|resource| resource.state == State::Adopted && !is_tagged(resource));
    let mut removals: Vec<Planned> = journaled
        .into_iter()
        .map(|resource| Planned {
            resource,
            journaled: true,
        })
        .collect();
    for resource in tagged {
        let known = removals.iter().any(|p| {
            p.resource.kind == resource.kind && p.resource.physical_id == resource.physical_id
        });
        if !known {
            removals.push(Planned {
                resource,
                journaled: false,
            });
        }
    }
    // A statement goes with its function: one on a function teardown removes is removed first.
    let (with_their_function, adopted): (Vec<Resource>, Vec<Resource>) =
        adopted.into_iter().partition(|resource| {
            resource.kind == Kind::Permission
                && removals.iter().any(|p| {
                    p.resource.kind == Kind::Function
                        && p.resource.physical_id.as_deref() == permission_function(resource)
                })
        });
    removals.extend(with_their_function.into_iter().map(|resource| Planned {
        resource,
        journaled: true,
    }));
    removals.sort_by_key(|p| p.resource.kind);
    let mut kept = Vec::new();
    for resource in adopted {
        let holds = holdings(cloud, &resource).await;
        kept.push(Kept { resource, holds });
    }
    Ok(Plan { removals, kept })
}

/// The function a permission's id (`function/statement`) names.
fn permission_function(resource: &Resource) -> Option<&str> {
    resource
        .physical_id
        .as_deref()
        .and_then(|id| id.split_once('/'))
        .map(|(function, _)| function)
}

/// What deleting `resource` would also delete, when that is data: a table's items, counted.
async fn holdings(cloud: &Cloud, resource: &Resource) -> Option<String> {
    if resource.kind != Kind::Table {
        return None;
    }
    let name = resource.physical_id.as_deref()?;
    let mut count: i64 = 0;
    let mut start = None;
    for _ in 0..COUNTED_PAGES {
        let page = cloud
            .dynamodb
            .scan()
            .table_name(name)
            .select(aws_sdk_dynamodb::types::Select::Count)
            .set_exclusive_start_key(start)
            .send()
            .await;
        let page = match page {
            Ok(page) => page,
            Err(error) => return Some(format!("items not counted: {}", describe_error(&error))),
        };
        count += i64::from(page.count());
        start = page.last_evaluated_key;
        if start.is_none() {
            let noun = if count == 1 { "item" } else { "items" };
            return Some(format!("{count} {noun}"));
        }
    }
    Some(format!("at least {count} items"))
}

/// Teardown could not start.
#[derive(Debug, thiserror::Error)]
pub enum TeardownError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("listing the lab's tagged resources failed: {0}")]
    Sweep(String),
    #[error("{name} is not among what teardown keeps ({})", if kept.is_empty() { "it keeps nothing".to_owned() } else { kept.join(", ") })]
    NotKept { name: String, kept: Vec<String> },
}

/// Carries out `plan` (from [`plan`], with the adopted resources asked for moved into its
/// removals), reporting each removal as it goes.
pub async fn teardown(
    cloud: &Cloud,
    journal: &Journal,
    scope: &Scope,
    plan: Plan,
    mut on_removal: impl FnMut(&Removal),
) -> Result<Report, TeardownError> {
    let mut removals = Vec::new();
    for planned in plan.removals {
        let outcome = remove(cloud, &planned.resource).await;
        if planned.journaled && !matches!(outcome, Outcome::Failed(_)) {
            journal.complete(planned.resource.id, State::Deleted, None)?;
        }
        let removal = Removal { planned, outcome };
        on_removal(&removal);
        removals.push(removal);
    }
    let mut leftovers = verify(cloud, &removals).await;
    match sweep(cloud).await {
        Ok(still_tagged) => leftovers.extend(still_tagged.iter().map(|resource| {
            let name = resource.physical_id.as_deref().unwrap_or(&resource.label);
            format!("{} {name} (tagged)", resource.kind.as_str())
        })),
        Err(reason) => leftovers.push(format!("the final listing failed: {reason}")),
    }
    leftovers.dedup();
    let failed = removals
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Failed(_)));
    if leftovers.is_empty() && !failed {
        journal.reset_progress(scope)?;
    }
    Ok(Report {
        removals,
        kept: plan.kept,
        leftovers,
    })
}

/// Lab resources on the target by their tags: everything tagged `serverless-lab:target` with
/// this target's kind, whatever the journal says. A function brings its log group along.
async fn sweep(cloud: &Cloud) -> Result<Vec<Resource>, String> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = cloud
            .tagging
            .get_resources()
            .tag_filters(
                aws_sdk_resourcegroupstagging::types::TagFilter::builder()
                    .key(TARGET_TAG)
                    .values(cloud.kind)
                    .build(),
            )
            .set_pagination_token(token.clone())
            .send()
            .await
            .map_err(|error| describe_error(&error))?;
        for mapping in page.resource_tag_mapping_list() {
            let Some(arn) = mapping.resource_arn() else {
                continue;
            };
            let lesson = mapping
                .tags()
                .iter()
                .find(|tag| tag.key() == LESSON_TAG)
                .map(|tag| tag.value().to_owned())
                .unwrap_or_default();
            for (kind, physical_id) in kinds_of(arn) {
                found.push(Resource {
                    id: 0,
                    kind,
                    label: physical_id.clone(),
                    physical_id: Some(physical_id),
                    lesson: lesson.clone(),
                    step: "found by its tags".to_owned(),
                    state: State::Created,
                    updated_at: String::new(),
                });
            }
        }
        token = page
            .pagination_token()
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    // The Tagging API does not cover IAM: the engine's roles are found by their path.
    found.extend(sweep_roles(cloud).await?);
    Ok(found)
}

/// The roles under [`ROLE_PATH`] tagged for this target. An account that may not list roles
/// (AWS Academy) cannot have had one created by the engine either.
async fn sweep_roles(cloud: &Cloud) -> Result<Vec<Resource>, String> {
    let mut found = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = match cloud
            .iam
            .list_roles()
            .path_prefix(ROLE_PATH)
            .set_marker(marker.clone())
            .send()
            .await
        {
            Ok(page) => page,
            Err(error) if error.code() == Some("AccessDenied") => return Ok(found),
            Err(error) => return Err(describe_error(&error)),
        };
        for role in page.roles() {
            let tags = cloud
                .iam
                .list_role_tags()
                .role_name(role.role_name())
                .send()
                .await
                .map_err(|error| describe_error(&error))?;
            let tag = |key: &str| {
                tags.tags()
                    .iter()
                    .find(|tag| tag.key() == key)
                    .map(|tag| tag.value().to_owned())
            };
            if tag(TARGET_TAG).as_deref() == Some(cloud.kind) {
                found.push(Resource {
                    id: 0,
                    kind: Kind::Role,
                    label: role.role_name().to_owned(),
                    physical_id: Some(role.role_name().to_owned()),
                    lesson: tag(LESSON_TAG).unwrap_or_default(),
                    step: "found by its tags".to_owned(),
                    state: State::Created,
                    updated_at: String::new(),
                });
            }
        }
        marker = page
            .marker()
            .filter(|_| page.is_truncated())
            .map(str::to_owned);
        if marker.is_none() {
            return Ok(found);
        }
    }
}

/// What an ARN names, as teardown removes it.
fn kinds_of(arn: &str) -> Vec<(Kind, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let (Some(service), Some(resource)) = (parts.get(2), parts.get(5)) else {
        return Vec::new();
    };
    match *service {
        "dynamodb" => resource
            .strip_prefix("table/")
            .map(|name| vec![(Kind::Table, name.to_owned())])
            .unwrap_or_default(),
        "lambda" => resource
            .strip_prefix("function:")
            .map(|name| {
                let name = name.split(':').next().unwrap_or(name);
                vec![
                    (Kind::Function, name.to_owned()),
                    (Kind::LogGroup, format!("/aws/lambda/{name}")),
                ]
            })
            .unwrap_or_default(),
        // A REST API's stages are tagged too (`/restapis/{id}/stages/{name}`): they name their API.
        "apigateway" => match (
            resource.strip_prefix("/apis/"),
            resource.strip_prefix("/restapis/"),
        ) {
            (Some(id), _) => vec![(Kind::Api, id.to_owned())],
            (_, Some(rest)) => vec![(
                Kind::RestApi,
                rest.split('/').next().unwrap_or(rest).to_owned(),
            )],
            _ => Vec::new(),
        },
        "cognito-idp" => resource
            .strip_prefix("userpool/")
            .map(|id| vec![(Kind::UserPool, id.to_owned())])
            .unwrap_or_default(),
        // `arn:aws:s3:::{bucket}`.
        "s3" if !resource.is_empty() && !resource.contains('/') => {
            vec![(Kind::Bucket, (*resource).to_owned())]
        }
        "logs" => resource
            .strip_prefix("log-group:")
            .map(|name| vec![(Kind::LogGroup, name.trim_end_matches(":*").to_owned())])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

async fn remove(cloud: &Cloud, resource: &Resource) -> Outcome {
    match resource.kind {
        Kind::Role => {
            let name = resource.physical_id.as_deref().unwrap_or(&resource.label);
            remove_role(cloud, name).await
        }
        Kind::UsagePlan => {
            let id = resource.physical_id.as_deref().unwrap_or(&resource.label);
            remove_usage_plan(cloud, id).await
        }
        Kind::ApiKey => {
            let id = resource.physical_id.as_deref().unwrap_or(&resource.label);
            with_retries(|| async {
                cloud
                    .rest
                    .delete_api_key()
                    .api_key(id)
                    .send()
                    .await
                    .map(drop)
            })
            .await
        }
        Kind::UserPool => {
            let id = resource.physical_id.as_deref().unwrap_or(&resource.label);
            with_retries(|| async {
                cloud
                    .cognito
                    .delete_user_pool()
                    .user_pool_id(id)
                    .send()
                    .await
                    .map(drop)
            })
            .await
        }
        Kind::Bucket => {
            let name = resource.physical_id.as_deref().unwrap_or(&resource.label);
            remove_bucket(cloud, name).await
        }
        Kind::Api => remove_apis(cloud, resource).await,
        Kind::RestApi => {
            let id = resource.physical_id.as_deref().unwrap_or(&resource.label);
            with_retries(|| async {
                cloud
                    .rest
                    .delete_rest_api()
                    .rest_api_id(id)
                    .send()
                    .await
                    .map(drop)
            })
            .await
        }
        Kind::Permission => {
            let id = resource.physical_id.as_deref().unwrap_or(&resource.label);
            let Some((function, statement)) = id.split_once('/') else {
                return Outcome::Failed(format!("malformed permission id {id}"));
            };
            with_retries(|| async {
                cloud
                    .lambda
                    .remove_permission()
                    .function_name(function)
                    .statement_id(statement)
                    .send()
                    .await
                    .map(drop)
            })
            .await
        }
        Kind::Function => {
            let name = resource.physical_id.as_deref().unwrap_or(&resource.label);
            with_retries(|| async {
                cloud
                    .lambda
                    .delete_function()
                    .function_name(name)
                    .send()
                    .await
                    .map(drop)
            })
            .await
        }
        Kind::LogGroup => {
            let name = resource.physical_id.as_deref().unwrap_or(&resource.label);
            with_retries(|| async {
                cloud
                    .logs
                    .delete_log_group()
                    .log_group_name(name)
                    .send()
                    .await
                    .map(drop)
            })
            .await
        }
        Kind::Table => {
            let name = resource.physical_id.as_deref().unwrap_or(&resource.label);
            with_retries(|| async {
                cloud
                    .dynamodb
                    .delete_table()
                    .table_name(name)
                    .send()
                    .await
                    .map(drop)
            })
            .await
        }
    }
}

/// An API by its id, or — when only the intent was journaled — every API with its name and
/// the lesson's tag.
async fn remove_apis(cloud: &Cloud, resource: &Resource) -> Outcome {
    let ids = match &resource.physical_id {
        Some(id) => vec![id.clone()],
        None => match cloud.apigw.get_apis().send().await {
            Ok(apis) => apis
                .items()
                .iter()
                .filter(|api| {
                    api.name() == Some(resource.label.as_str())
                        && api.tags().and_then(|tags| tags.get(LESSON_TAG))
                            == Some(&resource.lesson)
                })
                .filter_map(|api| api.api_id().map(str::to_owned))
                .collect(),
            Err(error) => return Outcome::Failed(describe_error(&error)),
        },
    };
    if ids.is_empty() {
        return Outcome::AlreadyGone;
    }
    let mut outcome = Outcome::AlreadyGone;
    for id in ids {
        match with_retries(|| async { cloud.apigw.delete_api().api_id(&id).send().await.map(drop) })
            .await
        {
            Outcome::Deleted => outcome = Outcome::Deleted,
            Outcome::AlreadyGone => {}
            failed => return failed,
        }
    }
    outcome
}

/// A usage plan goes once it covers no API stage (AWS refuses to delete one that does).
async fn remove_usage_plan(cloud: &Cloud, id: &str) -> Outcome {
    use aws_sdk_apigateway::types::{Op, PatchOperation};
    let plan = match cloud.rest.get_usage_plan().usage_plan_id(id).send().await {
        Ok(plan) => plan,
        Err(error) if error.code() == Some("NotFoundException") => return Outcome::AlreadyGone,
        Err(error) => return Outcome::Failed(describe_error(&error)),
    };
    let stages: Vec<PatchOperation> = plan
        .api_stages()
        .iter()
        .map(|stage| {
            PatchOperation::builder()
                .op(Op::Remove)
                .path("/apiStages")
                .value(format!(
                    "{}:{}",
                    stage.api_id().unwrap_or_default(),
                    stage.stage().unwrap_or_default()
                ))
                .build()
        })
        .collect();
    if !stages.is_empty() {
        let removed = with_retries(|| async {
            cloud
                .rest
                .update_usage_plan()
                .usage_plan_id(id)
                .set_patch_operations(Some(stages.clone()))
                .send()
                .await
                .map(drop)
        })
        .await;
        if let Outcome::Failed(reason) = removed {
            return Outcome::Failed(reason);
        }
    }
    with_retries(|| async {
        cloud
            .rest
            .delete_usage_plan()
            .usage_plan_id(id)
            .send()
            .await
            .map(drop)
    })
    .await
}

/// A role goes once its inline policies are deleted and its managed policies detached.
async fn remove_role(cloud: &Cloud, name: &str) -> Outcome {
    let iam = &cloud.iam;
    let inline = match iam.list_role_policies().role_name(name).send().await {
        Ok(listed) => listed.policy_names().to_vec(),
        Err(error) if error.code() == Some("NoSuchEntity") => return Outcome::AlreadyGone,
        Err(error) => return Outcome::Failed(describe_error(&error)),
    };
    let deleted = each_with_retries(&inline, |policy| async move {
        iam.delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map(drop)
    })
    .await;
    if let Err(failed) = deleted {
        return failed;
    }
    let attached = match iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
    {
        Ok(listed) => listed
            .attached_policies()
            .iter()
            .filter_map(|policy| policy.policy_arn().map(str::to_owned))
            .collect::<Vec<_>>(),
        Err(error) => return Outcome::Failed(describe_error(&error)),
    };
    let detached = each_with_retries(&attached, |arn| async move {
        iam.detach_role_policy()
            .role_name(name)
            .policy_arn(arn)
            .send()
            .await
            .map(drop)
    })
    .await;
    if let Err(failed) = detached {
        return failed;
    }
    with_retries(|| async { iam.delete_role().role_name(name).send().await.map(drop) }).await
}

/// Runs `call` on each item with retries, stopping at the first failure.
async fn each_with_retries<'a, F, Fut, E>(items: &'a [String], call: F) -> Result<(), Outcome>
where
    F: Fn(&'a str) -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    for item in items {
        if let Outcome::Failed(reason) = with_retries(|| call(item)).await {
            return Err(Outcome::Failed(reason));
        }
    }
    Ok(())
}

/// Runs `call`, retrying throttling with exponential backoff; "not found" is already gone.
/// Empties a bucket (every object, a page at a time), then deletes it.
async fn remove_bucket(cloud: &Cloud, name: &str) -> Outcome {
    loop {
        let page = match cloud.s3.list_objects_v2().bucket(name).send().await {
            Ok(page) => page,
            Err(error) if error.code() == Some("NoSuchBucket") => return Outcome::AlreadyGone,
            Err(error) => return Outcome::Failed(describe_error(&error)),
        };
        let keys: Vec<aws_sdk_s3::types::ObjectIdentifier> = page
            .contents()
            .iter()
            .filter_map(|object| object.key())
            .filter_map(|key| {
                aws_sdk_s3::types::ObjectIdentifier::builder()
                    .key(key)
                    .build()
                    .ok()
            })
            .collect();
        if keys.is_empty() {
            break;
        }
        let batch = match aws_sdk_s3::types::Delete::builder()
            .set_objects(Some(keys))
            .quiet(true)
            .build()
        {
            Ok(batch) => batch,
            Err(error) => return Outcome::Failed(error.to_string()),
        };
        if let Err(error) = cloud
            .s3
            .delete_objects()
            .bucket(name)
            .delete(batch)
            .send()
            .await
        {
            return Outcome::Failed(describe_error(&error));
        }
    }
    with_retries(|| async { cloud.s3.delete_bucket().bucket(name).send().await.map(drop) }).await
}

async fn with_retries<F, Fut, E>(call: F) -> Outcome
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut delay = Duration::from_millis(200);
    for attempt in 1..=ATTEMPTS {
        match call().await {
            Ok(()) => return Outcome::Deleted,
            Err(error) => match error.code() {
                Some(
                    "ResourceNotFoundException"
                    | "NotFoundException"
                    | "NoSuchEntity"
                    | "NoSuchBucket",
                ) => {
                    return Outcome::AlreadyGone;
                }
                Some(code) if is_throttling(code) && attempt < ATTEMPTS => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                _ => return Outcome::Failed(describe_error(&error)),
            },
        }
    }
    Outcome::Failed("still throttled after retries".to_owned())
}

fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "ThrottlingException"
            | "Throttling"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "ProvisionedThroughputExceededException"
            | "LimitExceededException"
    )
}

/// Looks each removed resource up again; what is still there is a leftover.
async fn verify(cloud: &Cloud, removals: &[Removal]) -> Vec<String> {
    let mut leftovers = Vec::new();
    for removal in removals {
        let resource = &removal.planned.resource;
        let name = resource
            .physical_id
            .clone()
            .unwrap_or_else(|| resource.label.clone());
        let still_there = match resource.kind {
            Kind::Api => match cloud.apigw.get_apis().send().await {
                Ok(apis) => apis.items().iter().any(|api| {
                    api.api_id() == Some(&name)
                        || (api.name() == Some(resource.label.as_str())
                            && api.tags().and_then(|tags| tags.get(LESSON_TAG))
                                == Some(&resource.lesson))
                }),
                Err(_) => true,
            },
            Kind::UsagePlan => match cloud
                .rest
                .get_usage_plan()
                .usage_plan_id(&name)
                .send()
                .await
            {
                Ok(_) => true,
                Err(error) => error.code() != Some("NotFoundException"),
            },
            Kind::ApiKey => match cloud.rest.get_api_key().api_key(&name).send().await {
                Ok(_) => true,
                Err(error) => error.code() != Some("NotFoundException"),
            },
            Kind::UserPool => match cloud
                .cognito
                .describe_user_pool()
                .user_pool_id(&name)
                .send()
                .await
            {
                Ok(_) => true,
                Err(error) => error.code() != Some("ResourceNotFoundException"),
            },
            Kind::RestApi => match cloud.rest.get_rest_api().rest_api_id(&name).send().await {
                Ok(_) => true,
                Err(error) => error.code() != Some("NotFoundException"),
            },
            Kind::Bucket => match cloud.s3.head_bucket().bucket(&name).send().await {
                Ok(_) => true,
                Err(error) => !error.as_service_error().is_some_and(|e| e.is_not_found()),
            },
            Kind::Permission => false,
            Kind::Role => cloud.iam.get_role().role_name(&name).send().await.is_ok(),
            Kind::Function => cloud
                .lambda
                .get_function_configuration()
                .function_name(&name)
                .send()
                .await
                .is_ok(),
            Kind::LogGroup => match cloud
                .logs
                .describe_log_groups()
                .log_group_name_prefix(&name)
                .send()
                .await
            {
                Ok(groups) => groups
                    .log_groups()
                    .iter()
                    .any(|group| group.log_group_name() == Some(&name)),
                Err(_) => true,
            },
            Kind::Table => cloud
                .dynamodb
                .describe_table()
                .table_name(&name)
                .send()
                .await
                .is_ok(),
        };
        if still_there {
            leftovers.push(format!("{} {name}", resource.kind.as_str()));
        }
    }
    leftovers
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use aws_sdk_dynamodb::error::ErrorMetadata;

    use super::*;

    fn error(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder()
            .code(code)
            .message("injected")
            .build()
    }

    /// A call that fails with `code` for its first `failures` attempts.
    async fn outcome_of(code: &str, failures: u32) -> (Outcome, u32) {
        let calls = AtomicU32::new(0);
        let outcome = with_retries(|| {
            let attempt = calls.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if attempt <= failures {
                    Err(error(code))
                } else {
                    Ok(())
                }
            }
        })
        .await;
        (outcome, calls.load(Ordering::SeqCst))
    }

    // Paused time: the backoff sleeps pass instantly.
    #[tokio::test(start_paused = true)]
    async fn throttling_is_retried_until_it_passes() {
        assert_eq!(
            outcome_of("ThrottlingException", 2).await,
            (Outcome::Deleted, 3)
        );
        assert_eq!(
            outcome_of("TooManyRequestsException", 1).await,
            (Outcome::Deleted, 2)
        );
    }

    #[test]
    fn arns_name_what_teardown_removes() {
        assert_eq!(
            kinds_of("arn:aws:dynamodb:us-east-1:000000000000:table/things"),
            [(Kind::Table, "things".to_owned())]
        );
        assert_eq!(
            kinds_of("arn:aws:lambda:us-east-1:000000000000:function:LambdaCRUD"),
            [
                (Kind::Function, "LambdaCRUD".to_owned()),
                (Kind::LogGroup, "/aws/lambda/LambdaCRUD".to_owned())
            ]
        );
        assert_eq!(
            kinds_of("arn:aws:apigateway:us-east-1::/apis/a1b2c3"),
            [(Kind::Api, "a1b2c3".to_owned())]
        );
        assert_eq!(
            kinds_of("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/F:*"),
            [(Kind::LogGroup, "/aws/lambda/F".to_owned())]
        );
        assert_eq!(
            kinds_of("arn:aws:s3:::lab-site"),
            [(Kind::Bucket, "lab-site".to_owned())]
        );
        // An object's ARN is not something teardown removes on its own.
        assert!(kinds_of("arn:aws:s3:::lab-site/index.html").is_empty());
    }

    #[tokio::test]
    async fn missing_is_gone_and_other_errors_fail_at_once() {
        assert_eq!(
            outcome_of("ResourceNotFoundException", 1).await,
            (Outcome::AlreadyGone, 1)
        );
        assert_eq!(
            outcome_of("NotFoundException", 1).await,
            (Outcome::AlreadyGone, 1)
        );
        assert_eq!(
            outcome_of("AccessDeniedException", 1).await,
            (
                Outcome::Failed("AccessDeniedException: injected".to_owned()),
                1
            )
        );
    }

    #[tokio::test(start_paused = true)]
    async fn endless_throttling_gives_up_with_a_failure() {
        let (outcome, calls) = outcome_of("ThrottlingException", 99).await;
        assert_eq!(calls, ATTEMPTS);
        assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    }
}
