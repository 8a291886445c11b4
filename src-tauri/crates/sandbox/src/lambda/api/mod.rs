//! The Lambda control plane, one function per operation over a [`Call`]: [`functions`]
//! (create, read, list, delete, code and configuration updates), [`versions`] (publishing and
//! aliases), [`permissions`] (resource policies), [`settings`] (reserved concurrency, tags,
//! account settings). Each runs under its region's lock; what it changes is saved through the
//! store before the request is answered (see [`wire::rest`](crate::wire::rest)).

mod functions;
mod permissions;
mod settings;
mod versions;

use axum::http::StatusCode;

use super::function::{self, error, not_found};
use super::model::Function;
use super::{Lambda, arn, name_of};
use crate::store::Scope;
use crate::wire::{AwsError, BodyError, Reply, lower_camel, parse_json_body};

/// What an operation answers.
type Answer = Result<Reply, AwsError>;

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    parse_json_body(body).map_err(|failure| match failure {
        BodyError::Missing(field) => function::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_camel(&field)
        )),
        BodyError::Malformed(text) => error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            format!("Could not parse request body into json: {text}"),
        ),
    })
}

impl Lambda {
    /// Runs `change` on function `reference` under the region's lock; saves the function after.
    fn change<T>(
        &self,
        scope: &Scope,
        reference: &str,
        change: impl FnOnce(&mut Function) -> Result<T, AwsError>,
    ) -> Result<T, AwsError> {
        let name = name_of(reference);
        let region = self.regions.get(scope);
        let mut functions = region.write().unwrap_or_else(|p| p.into_inner());
        let function = functions
            .get_mut(name)
            .ok_or_else(|| not_found(&arn(scope, name)))?;
        let result = change(function)?;
        self.persist(scope, name, Some(function))?;
        Ok(result)
    }

    fn read<T>(
        &self,
        scope: &Scope,
        reference: &str,
        read: impl FnOnce(&Function) -> T,
    ) -> Result<T, AwsError> {
        let name = name_of(reference);
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        let function = functions
            .get(name)
            .ok_or_else(|| not_found(&arn(scope, name)))?;
        Ok(read(function))
    }
}
