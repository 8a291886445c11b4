//! Amazon Cognito user pools (awsJson 1.1, `AWSCognitoIdentityProviderService.*`): pools with
//! their password policy and app clients, users who sign up, confirm with a code and sign in,
//! and the tokens Cognito issues — RS256 JWTs signed with each pool's own key, verifiable
//! against the pool's JWKS at `{issuer}/.well-known/jwks.json`, where the issuer is
//! `{sandbox}/{poolId}` (AWS's is `https://cognito-idp.{region}.amazonaws.com/{poolId}`: the
//! same path on the service's own host).
//!
//! Codes are random and "delivered" to the [`Mailbox`] the sandbox keeps (never a fixed code);
//! passwords are kept hashed ([`password`]); pools and users are durable through the store, each
//! user a row of its own. [`api`] has one function per operation.

mod api;
mod challenges;
mod mailbox;
mod model;
mod password;
pub mod srp;
mod tokens;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::Value as Json;

pub use mailbox::{Mailbox, Message};
use model::{Pool, User};
use tokens::Signer;

use crate::regional::Regional;
use crate::store::{Mutation, Scope, Store, StoredDefinition};
use crate::wire::AwsError;

/// The awsJson target prefix of Cognito user pool operations.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// The namespace of Cognito's error types.
const NAMESPACE: &str = "com.amazonaws.cognito.identity.idp.model";

pub(crate) fn error(code: &'static str, message: impl Into<String>) -> AwsError {
    AwsError::new(NAMESPACE, code, StatusCode::BAD_REQUEST, message)
}

/// A pool with its users and its key, ready to sign.
#[derive(Debug)]
pub(crate) struct PoolState {
    pub pool: Pool,
    /// By username as users sign in with it (lower case: usernames are not case sensitive).
    pub users: BTreeMap<String, User>,
    pub signer: Arc<Signer>,
    /// Sign-ins waiting for a challenge's answer.
    pub challenges: challenges::Challenges,
}

pub(crate) type Pools = BTreeMap<String, PoolState>;

/// A stored pool or user that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("loading Cognito {what}: {message}")]
pub struct LoadError {
    what: String,
    message: String,
}

/// The Cognito service of a sandbox.
#[derive(Debug)]
pub struct Cognito {
    regions: Regional<Pools>,
    store: Store,
    mailbox: Arc<Mailbox>,
    /// The sandbox's URL: each pool's issuer is under it.
    endpoint: Mutex<String>,
}

impl Cognito {
    /// Restores the saved pools and their users.
    pub fn load(
        store: Store,
        pools: Vec<StoredDefinition>,
        users: Vec<StoredDefinition>,
    ) -> Result<Self, LoadError> {
        let failed = |what: &str, message: String| LoadError {
            what: what.to_owned(),
            message,
        };
        let mut regions: HashMap<Scope, Pools> = HashMap::new();
        for row in pools {
            let pool: Pool = serde_json::from_str(&row.definition)
                .map_err(|e| failed(&format!("pool {}", row.name), e.to_string()))?;
            let signer = Signer::open(&pool.key)
                .map_err(|e| failed(&format!("pool {}", row.name), e.to_string()))?;
            regions.entry(row.scope).or_default().insert(
                row.name,
                PoolState {
                    pool,
                    users: BTreeMap::new(),
                    signer: Arc::new(signer),
                    challenges: challenges::Challenges::default(),
                },
            );
        }
        for row in users {
            let user: User = serde_json::from_str(&row.definition)
                .map_err(|e| failed(&format!("user {}", row.name), e.to_string()))?;
            let Some((pool_id, key)) = row.name.split_once('/') else {
                return Err(failed(&row.name, "not a `pool/user` key".to_owned()));
            };
            if let Some(state) = regions
                .get_mut(&row.scope)
                .and_then(|pools| pools.get_mut(pool_id))
            {
                state.users.insert(key.to_owned(), user);
            }
        }
        Ok(Self {
            regions: Regional::new(regions),
            store,
            mailbox: Arc::default(),
            endpoint: Mutex::new(String::new()),
        })
    }

    /// The sandbox's own URL, under which each pool's issuer is.
    pub fn set_endpoint(&self, endpoint: String) {
        *self.endpoint.lock().unwrap_or_else(|p| p.into_inner()) = endpoint;
    }

    fn issuer(&self, pool_id: &str) -> String {
        let endpoint = self.endpoint.lock().unwrap_or_else(|p| p.into_inner());
        format!("{}/{pool_id}", endpoint.trim_end_matches('/'))
    }

    /// The messages the sandbox "sent" (verification codes), newest last.
    pub fn mailbox(&self) -> &Arc<Mailbox> {
        &self.mailbox
    }

    /// The JWKS of pool `pool_id` (in any region of `account`), if there is such a pool.
    pub fn jwks(&self, account: &str, pool_id: &str) -> Option<Json> {
        let (_, region) = self.find_pool(account, pool_id)?;
        let pools = region.read().unwrap_or_else(|p| p.into_inner());
        let state = pools.get(pool_id)?;
        Some(serde_json::json!({"keys": [state.signer.jwk()]}))
    }

    /// The region holding pool `pool_id`: the one its id names.
    fn find_pool(
        &self,
        account: &str,
        pool_id: &str,
    ) -> Option<(Scope, Arc<std::sync::RwLock<Pools>>)> {
        let region = pool_id.split_once('_')?.0;
        if !crate::names::is_region(region) {
            return None;
        }
        let scope = Scope {
            account: account.to_owned(),
            region: region.to_owned(),
        };
        let state = self.regions.get(&scope);
        Some((scope, state))
    }

    /// Runs one operation; `operation` is the part of `X-Amz-Target` after the prefix.
    pub async fn handle(
        &self,
        scope: &Scope,
        operation: &str,
        body: &[u8],
    ) -> Result<Json, AwsError> {
        let request = api::Request::parse(operation, body)?;
        // A pool id names its region; an app client is looked for in every region of the
        // account (the public operations are unsigned, so their scope says nothing).
        let target = match request.target()? {
            api::Target::Region => scope.clone(),
            api::Target::Pool(pool_id) => match self.find_pool(&scope.account, pool_id) {
                Some((target, _)) => target,
                None => return Err(api::pool_missing(pool_id)),
            },
            api::Target::Client(client_id) => self
                .client_scope(scope, client_id)
                .ok_or_else(|| api::client_missing(client_id))?,
            api::Target::Token(token) => self.token_scope(scope, token)?,
        };
        let context = api::Context {
            scope: &target,
            issuer: &|pool_id: &str| self.issuer(pool_id),
            mailbox: &self.mailbox,
        };
        let region = self.regions.get(&target);
        let (output, commit) = {
            let mut pools = region.write().unwrap_or_else(|p| p.into_inner());
            let (output, mutations) = request.run(&context, &mut pools)?;
            let commit = (!mutations.is_empty()).then(|| self.store.submit(mutations));
            (output, commit)
        };
        if let Some(commit) = commit {
            commit.durable().await.map_err(|error| {
                AwsError::new(
                    NAMESPACE,
                    "InternalErrorException",
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("The change could not be saved: {error}"),
                )
            })?;
        }
        Ok(output)
    }

    /// The region of the account whose pool has app client `client_id`.
    fn client_scope(&self, scope: &Scope, client_id: &str) -> Option<Scope> {
        let has_client = |pools: &Pools| {
            pools
                .values()
                .any(|state| state.pool.clients.contains_key(client_id))
        };
        let here = self.regions.get(scope);
        if has_client(&here.read().unwrap_or_else(|p| p.into_inner())) {
            return Some(scope.clone());
        }
        self.regions
            .all()
            .into_iter()
            .filter(|(other, _)| other.account == scope.account)
            .find(|(_, pools)| has_client(&pools.read().unwrap_or_else(|p| p.into_inner())))
            .map(|(other, _)| other)
    }

    /// The region of the pool that issued `token` (its `iss` names the pool).
    fn token_scope(&self, scope: &Scope, token: &str) -> Result<Scope, AwsError> {
        let pool_id = tokens::peek(token)
            .and_then(|claims| {
                let issuer = claims["iss"].as_str()?.to_owned();
                Some(issuer.rsplit('/').next()?.to_owned())
            })
            .ok_or_else(|| error("NotAuthorizedException", "Invalid Access Token"))?;
        self.find_pool(&scope.account, &pool_id)
            .map(|(scope, _)| scope)
            .ok_or_else(|| error("NotAuthorizedException", "Invalid Access Token"))
    }

    /// Every pool's ARN and tags, for the Tagging API.
    pub fn tagged(&self, scope: &Scope) -> Vec<(String, BTreeMap<String, String>)> {
        let region = self.regions.get(scope);
        let pools = region.read().unwrap_or_else(|p| p.into_inner());
        pools
            .values()
            .map(|state| (state.pool.arn.clone(), state.pool.tags.clone()))
            .collect()
    }
}

/// Whether the `X-Amz-Target` header `target` names one of Cognito's public operations (sign-up,
/// sign-in and what takes a user's own access token), which any web page may call.
pub fn is_public_target(target: &str) -> bool {
    target
        .strip_prefix(TARGET_PREFIX)
        .is_some_and(api::is_public)
}

/// The claims of a token, unverified (to tell which pool issued it).
pub fn peek_claims(token: &str) -> Option<Json> {
    tokens::peek(token)
}

/// The mutation that saves `pool`.
fn put_pool(scope: &Scope, pool: &Pool) -> Mutation {
    Mutation::PutUserPool {
        scope: scope.clone(),
        id: pool.id.clone(),
        definition: serde_json::to_string(pool).unwrap_or_default(),
    }
}

/// The mutation that saves `user` of pool `pool_id` under `key`.
fn put_user(scope: &Scope, pool_id: &str, key: &str, user: &User) -> Mutation {
    Mutation::PutPoolUser {
        scope: scope.clone(),
        key: format!("{pool_id}/{key}"),
        definition: serde_json::to_string(user).unwrap_or_default(),
    }
}
