//! Who signs with a key the sandbox issued: an IAM user's access key, or the session credentials
//! STS's `AssumeRole` hands out (kept in memory until they expire, like STS's own), with the
//! secret that checks the signature and the policies that decide what the signer may do.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::StatusCode;

use super::role::{error, validation};
use super::user::{SECRET_ALPHABET, new_id};
use super::{Iam, Role};
use crate::wire::{AwsError, QueryParams, Xml};

/// STS's XML namespace.
const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The most assumed-role sessions kept; past it the oldest go.
const MAX_SESSIONS: usize = 10_000;

/// A signer the sandbox knows.
#[derive(Clone, PartialEq, Eq)]
pub struct Principal {
    /// `arn:aws:iam::…:user/name` or `arn:aws:sts::…:assumed-role/role/session`.
    pub arn: String,
    /// `AIDA…` for a user, `AROA…:session` for an assumed role.
    pub user_id: String,
    pub account: String,
    pub secret: String,
    /// The session token an assumed role's requests must carry.
    pub session_token: Option<String>,
    /// When the credentials stop working, in epoch milliseconds.
    pub expires: Option<i64>,
    /// The user or role whose policies apply.
    pub identity: Identity,
}

impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("arn", &self.arn)
            .finish_non_exhaustive()
    }
}

/// The IAM entity whose policies a principal carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    User(String),
    Role(String),
}

/// The sessions of assumed roles, by access key id.
#[derive(Debug, Default)]
pub(super) struct Sessions {
    by_key: Mutex<HashMap<String, Principal>>,
}

impl Sessions {
    fn insert(&self, key: String, principal: Principal) {
        let now = crate::clock::now_millis();
        let mut sessions = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        sessions.retain(|_, session| session.expires.is_none_or(|at| at > now));
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, session)| session.expires)
                .map(|(key, _)| key.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(key, principal);
    }

    fn get(&self, key: &str) -> Option<Principal> {
        let sessions = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        sessions.get(key).cloned()
    }
}

impl Iam {
    /// Who signs with `access_key`, if the sandbox issued it: an active key of a user, or an
    /// assumed role's session (returned even once expired, so the caller can say so).
    pub fn principal(&self, access_key: &str) -> Option<Principal> {
        if let Some(session) = self.assumed.get(access_key) {
            return Some(session);
        }
        let users = self.lock_users();
        users.iter().find_map(|(account, users)| {
            users.values().find_map(|user| {
                let key = user
                    .access_keys
                    .iter()
                    .find(|key| key.id == access_key && key.status == "Active")?;
                Some(Principal {
                    arn: user.arn.clone(),
                    user_id: user.id.clone(),
                    account: account.clone(),
                    secret: key.secret.clone(),
                    session_token: None,
                    expires: None,
                    identity: Identity::User(user.name.clone()),
                })
            })
        })
    }

    /// The identity policies of `identity` in `account`: each policy's name and its document
    /// (none for an AWS managed policy, which [`super::evaluate`] knows by ARN).
    pub fn identity_policies(
        &self,
        account: &str,
        identity: &Identity,
    ) -> Vec<(String, Option<String>)> {
        let policies = match identity {
            Identity::User(name) => self
                .lock_users()
                .get(account)
                .and_then(|users| users.get(name))
                .map(|user| user.policies.clone()),
            Identity::Role(name) => self
                .lock()
                .get(account)
                .and_then(|roles| roles.get(name))
                .map(|role| role.policies.clone()),
        }
        .unwrap_or_default();
        let inline = policies
            .inline
            .into_iter()
            .map(|(name, document)| (name, Some(document)));
        let attached = policies.attached.into_iter().map(|arn| (arn, None));
        inline.chain(attached).collect()
    }

    /// The role named by `arn` (`arn:aws:iam::ACCOUNT:role/[path/]NAME`) in `account`.
    pub fn role_by_arn(&self, account: &str, arn: &str) -> Option<Role> {
        let name = arn.rsplit('/').next()?;
        self.lock()
            .get(account)
            .and_then(|roles| roles.get(name))
            .filter(|role| role.arn == arn)
            .cloned()
    }

    /// STS `AssumeRole`: session credentials for the role `RoleArn` names, signing as
    /// `arn:aws:sts::…:assumed-role/{role}/{RoleSessionName}`. The sandbox does not check the
    /// caller against the role's trust policy (it does not know the caller).
    pub fn assume_role(
        &self,
        account: &str,
        params: &QueryParams,
        request_id: &str,
    ) -> Result<String, AwsError> {
        let arn = params.get("RoleArn").unwrap_or_default();
        let session_name = params.get("RoleSessionName").unwrap_or_default();
        let valid_name = (2..=64).contains(&session_name.len())
            && session_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !valid_name {
            return Err(validation(format!(
                "1 validation error detected: Value '{session_name}' at 'roleSessionName' failed \
                 to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
            )));
        }
        let role = self.role_by_arn(account, arn).ok_or_else(|| {
            error(
                "AccessDenied",
                StatusCode::FORBIDDEN,
                format!("User: arn:aws:iam::{account}:root is not authorized to perform: sts:AssumeRole on resource: {arn}"),
            )
        })?;
        let seconds: i64 = params
            .get("DurationSeconds")
            .map_or(Ok(3600), str::parse)
            .map_err(|_| validation("DurationSeconds must be a number"))?;
        if !(900..=i64::from(role.max_session_duration)).contains(&seconds) {
            return Err(validation(format!(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role \
                 ({} seconds) or is below 900.",
                role.max_session_duration
            )));
        }
        let access_key = new_id("ASIA");
        let expires = crate::clock::now_millis() + seconds * 1000;
        let principal = Principal {
            arn: format!(
                "arn:aws:sts::{account}:assumed-role/{}/{session_name}",
                role.name
            ),
            user_id: format!("{}:{session_name}", role.id),
            account: account.to_owned(),
            secret: crate::random::text(40, SECRET_ALPHABET),
            session_token: Some(crate::random::text(200, SECRET_ALPHABET)),
            expires: Some(expires),
            identity: Identity::Role(role.name.clone()),
        };
        self.assumed.insert(access_key.clone(), principal.clone());
        let expiration = format!("{}Z", crate::clock::Civil::at(expires).date_time());
        Ok(Xml::response(
            "AssumeRole",
            STS_NAMESPACE,
            request_id,
            |xml: &mut Xml| {
                xml.element("Credentials", |xml| {
                    xml.text("AccessKeyId", &access_key)
                        .text("SecretAccessKey", &principal.secret)
                        .text(
                            "SessionToken",
                            principal.session_token.as_deref().unwrap_or_default(),
                        )
                        .text("Expiration", &expiration);
                })
                .element("AssumedRoleUser", |xml| {
                    xml.text("AssumedRoleId", &principal.user_id)
                        .text("Arn", &principal.arn);
                });
            },
        ))
    }
}
