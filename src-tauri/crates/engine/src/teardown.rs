//! Removes everything the journal holds for a target, in dependency order: APIs (with their
//! stages, routes and integrations) → permissions → functions → their log groups → tables.
//!
//! Throttling is retried with backoff; "already gone" counts as done; a failure is reported
//! and the rest goes on; a second run finishes what the first could not. Afterwards each
//! removed resource is looked up again to verify it is gone.

use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;

use crate::cloud::Cloud;
use crate::journal::{Journal, JournalError, Kind, Resource, Scope, State};
use crate::provision::LESSON_TAG;

/// How many times a throttled call is tried.
const ATTEMPTS: u32 = 5;

/// What happened to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Deleted,
    AlreadyGone,
    Failed(String),
}

/// One resource and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub resource: Resource,
    pub outcome: Outcome,
}

/// The whole teardown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub removals: Vec<Removal>,
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

/// What teardown would remove, in order.
pub fn plan(journal: &Journal, scope: &Scope) -> Result<Vec<Resource>, JournalError> {
    journal.live(scope)
}

/// Removes every live resource of `scope`, reporting each as it goes.
pub async fn teardown(
    cloud: &Cloud,
    journal: &Journal,
    scope: &Scope,
    mut on_removal: impl FnMut(&Removal),
) -> Result<Report, JournalError> {
    let mut removals = Vec::new();
    for resource in journal.live(scope)? {
        let outcome = remove(cloud, &resource).await;
        if !matches!(outcome, Outcome::Failed(_)) {
            journal.complete(resource.id, State::Deleted, None)?;
        }
        let removal = Removal { resource, outcome };
        on_removal(&removal);
        removals.push(removal);
    }
    let leftovers = verify(cloud, &removals).await;
    if leftovers.is_empty()
        && removals
            .iter()
            .all(|r| !matches!(r.outcome, Outcome::Failed(_)))
    {
        journal.reset_progress(scope)?;
    }
    Ok(Report {
        removals,
        leftovers,
    })
}

async fn remove(cloud: &Cloud, resource: &Resource) -> Outcome {
    match resource.kind {
        Kind::Api => remove_apis(cloud, resource).await,
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
            Err(error) => return Outcome::Failed(describe(&error)),
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

/// Runs `call`, retrying throttling with exponential backoff; "not found" is already gone.
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
                Some("ResourceNotFoundException" | "NotFoundException") => {
                    return Outcome::AlreadyGone;
                }
                Some(code) if is_throttling(code) && attempt < ATTEMPTS => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                _ => return Outcome::Failed(describe(&error)),
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

fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(error: &E) -> String {
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        _ => aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string(),
    }
}

/// Looks each removed resource up again; what is still there is a leftover.
async fn verify(cloud: &Cloud, removals: &[Removal]) -> Vec<String> {
    let mut leftovers = Vec::new();
    for removal in removals {
        let resource = &removal.resource;
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
            Kind::Permission => false,
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
