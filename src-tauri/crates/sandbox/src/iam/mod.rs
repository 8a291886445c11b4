//! IAM (query protocol, XML), the part a lab needs: roles with their trust policies, users with
//! their access keys, inline and attached managed policies, tags; and STS's `AssumeRole`, whose
//! session credentials sign as the role. IAM is global: roles and users belong to the account,
//! whatever region a request is signed for.
//!
//! Like an AWS Academy Learner Lab account, every account starts with a `LabRole` that Lambda
//! may assume. Policies are kept as given and evaluated in one place only: API Gateway's
//! `AWS_IAM` authorization ([`evaluate`]), for a request signed by a key the sandbox issued
//! ([`Iam::principal`]).

mod assumed;
pub mod evaluate;
mod policies;
mod role;
mod user;

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::http::StatusCode;

pub use assumed::{Identity, Principal};
use policies::{Policies, PolicyOperation};
pub use role::Role;
use role::{
    check_name, check_path, check_policy, error, new_role_id, no_such_role, validation, write_tags,
};
pub use user::User;

use crate::store::{Mutation, Store, StoreError, StoredDefinition};
use crate::wire::{AwsError, QueryParams, Xml};

/// The XML namespace of IAM's responses and errors.
pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The role every account has, as in AWS Academy.
pub const LAB_ROLE: &str = "LabRole";

/// The store keeps IAM's rows under this region: IAM is global.
pub const GLOBAL_REGION: &str = "aws-global";

/// The operations [`Iam::handle`] answers.
pub const OPERATIONS: [&str; 13] = [
    "CreateRole",
    "GetRole",
    "ListRoles",
    "DeleteRole",
    "PutRolePolicy",
    "GetRolePolicy",
    "ListRolePolicies",
    "DeleteRolePolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
    "ListRoleTags",
    "TagRole",
];

const LAB_ROLE_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","apigateway.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;

/// Why saved roles or users could not be read.
#[derive(Debug, thiserror::Error)]
#[error("IAM entity {name} of account {account} is unreadable")]
pub struct LoadError {
    account: String,
    name: String,
    #[source]
    source: serde_json::Error,
}

/// Whether [`Iam::handle`] answers `action`.
pub fn serves(action: &str) -> bool {
    OPERATIONS.contains(&action) || user::OPERATIONS.contains(&action)
}

/// The roles and users of every account, and the sessions of assumed roles.
#[derive(Debug)]
pub struct Iam {
    store: Store,
    /// Roles by account, then by name.
    roles: Mutex<BTreeMap<String, BTreeMap<String, Role>>>,
    /// Users by account, then by name.
    users: Mutex<BTreeMap<String, BTreeMap<String, User>>>,
    /// Sessions of assumed roles, by access key id.
    assumed: assumed::Sessions,
}

impl Iam {
    /// Loads the saved roles and gives `account` its `LabRole` unless it has roles already.
    pub fn load(
        store: Store,
        stored: Vec<StoredDefinition>,
        stored_users: Vec<StoredDefinition>,
        account: &str,
    ) -> Result<Self, LoadError> {
        let mut roles: BTreeMap<String, BTreeMap<String, Role>> = BTreeMap::new();
        for row in stored {
            let role: Role = serde_json::from_str(&row.definition).map_err(|source| LoadError {
                account: row.scope.account.clone(),
                name: row.name.clone(),
                source,
            })?;
            roles
                .entry(row.scope.account)
                .or_default()
                .insert(row.name, role);
        }
        let mut users: BTreeMap<String, BTreeMap<String, User>> = BTreeMap::new();
        for row in stored_users {
            let user: User = serde_json::from_str(&row.definition).map_err(|source| LoadError {
                account: row.scope.account.clone(),
                name: row.name.clone(),
                source,
            })?;
            users
                .entry(row.scope.account)
                .or_default()
                .insert(row.name, user);
        }
        let iam = Self {
            store,
            roles: Mutex::new(roles),
            users: Mutex::new(users),
            assumed: assumed::Sessions::default(),
        };
        iam.seed_lab_role(account);
        Ok(iam)
    }

    fn seed_lab_role(&self, account: &str) {
        let mut roles = self.lock();
        let account_roles = roles.entry(account.to_owned()).or_default();
        if !account_roles.is_empty() {
            return;
        }
        let role = Role {
            name: LAB_ROLE.to_owned(),
            path: "/".to_owned(),
            id: new_role_id(),
            arn: format!("arn:aws:iam::{account}:role/{LAB_ROLE}"),
            created: crate::apigw::model::now_iso(),
            assume_role_policy: LAB_ROLE_TRUST.to_owned(),
            description: None,
            max_session_duration: 3600,
            tags: Vec::new(),
            policies: Policies::default(),
        };
        // Not awaited: the seed is rewritten at the next start if this commit is lost.
        drop(self.store.submit(vec![put(account, &role)]));
        account_roles.insert(LAB_ROLE.to_owned(), role);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, BTreeMap<String, Role>>> {
        self.roles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_users(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, BTreeMap<String, User>>> {
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Answers `action` for `account`: the XML response, or the error IAM would send.
    pub async fn handle(
        &self,
        account: &str,
        action: &str,
        params: &QueryParams,
        request_id: &str,
    ) -> Result<String, AwsError> {
        let respond =
            |result: &dyn Fn(&mut Xml)| Xml::response(action, NAMESPACE, request_id, result);
        let empty = || Xml::empty_response(action, NAMESPACE, request_id);
        if user::OPERATIONS.contains(&action) {
            return self.handle_user(account, action, params, request_id).await;
        }
        if let Some(operation) = PolicyOperation::of(action, "Role") {
            if operation.changes() {
                self.update(account, params, |role| {
                    operation.change(&mut role.policies, "role", params)
                })
                .await?;
                return Ok(empty());
            }
            let role = self.role(account, params)?;
            let write = operation.read(&role.policies, "role", params, "RoleName", &role.name)?;
            return Ok(respond(&write));
        }
        match action {
            "CreateRole" => {
                let role = self.create_role(account, params).await?;
                Ok(respond(&|xml| {
                    xml.element("Role", |xml| role.write(xml, true));
                }))
            }
            "GetRole" => {
                let role = self.role(account, params)?;
                Ok(respond(&|xml| {
                    xml.element("Role", |xml| role.write(xml, true));
                }))
            }
            "ListRoles" => {
                let roles = listed(&self.lock(), account, params);
                Ok(respond(&|xml| write_list(xml, "Roles", &roles)))
            }
            "DeleteRole" => {
                self.delete_role(account, params).await?;
                Ok(empty())
            }
            "ListRoleTags" => {
                let role = self.role(account, params)?;
                Ok(respond(&|xml| {
                    xml.element("Tags", |xml| write_tags(xml, &role.tags))
                        .text("IsTruncated", "false");
                }))
            }
            "TagRole" => {
                let tags = read_tags(params)?;
                self.update(account, params, |role| {
                    for (key, value) in &tags {
                        match role.tags.iter_mut().find(|(existing, _)| existing == key) {
                            Some(tag) => tag.1.clone_from(value),
                            None => role.tags.push((key.clone(), value.clone())),
                        }
                    }
                    check_tag_count(role.tags.len())
                })
                .await?;
                Ok(empty())
            }
            other => Err(AwsError::unknown_operation(other)),
        }
    }

    /// The role a request's `RoleName` names.
    fn role(&self, account: &str, params: &QueryParams) -> Result<Role, AwsError> {
        let name = check_name("roleName", params.get("RoleName"), 64)?;
        self.lock()
            .get(account)
            .and_then(|roles| roles.get(&name))
            .cloned()
            .ok_or_else(|| no_such_role(&name))
    }

    async fn create_role(&self, account: &str, params: &QueryParams) -> Result<Role, AwsError> {
        let name = check_name("roleName", params.get("RoleName"), 64)?;
        let path = check_path(params.get("Path"))?;
        let trust = check_policy(
            "assumeRolePolicyDocument",
            params.get("AssumeRolePolicyDocument"),
        )?;
        let max_session_duration = match params.get("MaxSessionDuration") {
            None => 3600,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|seconds| (3600..=43_200).contains(seconds))
                .ok_or_else(|| {
                    validation(format!(
                        "1 validation error detected: Value '{text}' at 'maxSessionDuration' \
                         failed to satisfy constraint: Member must have value less than or equal \
                         to 43200"
                    ))
                })?,
        };
        let description = params.get("Description").map(str::to_owned);
        if description
            .as_ref()
            .is_some_and(|text| text.chars().count() > 1000)
        {
            return Err(validation(
                "1 validation error detected: Value at 'description' failed to satisfy \
                 constraint: Member must have length less than or equal to 1000",
            ));
        }
        let tags = read_tags(params)?;
        check_tag_count(tags.len())?;
        let role = Role {
            arn: format!("arn:aws:iam::{account}:role{path}{name}"),
            name: name.clone(),
            path,
            id: new_role_id(),
            created: crate::apigw::model::now_iso(),
            assume_role_policy: trust,
            description,
            max_session_duration,
            tags,
            policies: Policies::default(),
        };
        let commit = {
            let mut roles = self.lock();
            let account_roles = roles.entry(account.to_owned()).or_default();
            // Role names are unique regardless of case.
            if account_roles
                .keys()
                .any(|existing| existing.eq_ignore_ascii_case(&name))
            {
                return Err(error(
                    "EntityAlreadyExists",
                    StatusCode::CONFLICT,
                    format!("Role with name {name} already exists."),
                ));
            }
            account_roles.insert(name, role.clone());
            self.store.submit(vec![put(account, &role)])
        };
        commit.durable().await.map_err(store_failed)?;
        Ok(role)
    }

    async fn delete_role(&self, account: &str, params: &QueryParams) -> Result<(), AwsError> {
        let name = check_name("roleName", params.get("RoleName"), 64)?;
        let commit = {
            let mut roles = self.lock();
            let account_roles = roles.entry(account.to_owned()).or_default();
            let role = account_roles
                .get(&name)
                .ok_or_else(|| no_such_role(&name))?;
            role.policies.check_deletable()?;
            account_roles.remove(&name);
            self.store.submit(vec![Mutation::DeleteRole {
                account: account.to_owned(),
                name,
            }])
        };
        commit.durable().await.map_err(store_failed)
    }

    /// Changes the role a request names with `change`, then saves it.
    async fn update(
        &self,
        account: &str,
        params: &QueryParams,
        change: impl FnOnce(&mut Role) -> Result<(), AwsError>,
    ) -> Result<(), AwsError> {
        let name = check_name("roleName", params.get("RoleName"), 64)?;
        let commit = {
            let mut roles = self.lock();
            let role = roles
                .get_mut(account)
                .and_then(|roles| roles.get_mut(&name))
                .ok_or_else(|| no_such_role(&name))?;
            let mut changed = role.clone();
            change(&mut changed)?;
            *role = changed;
            self.store.submit(vec![put(account, role)])
        };
        commit.durable().await.map_err(store_failed)
    }
}

fn put(account: &str, role: &Role) -> Mutation {
    Mutation::PutRole {
        account: account.to_owned(),
        name: role.name.clone(),
        definition: serde_json::to_string(role).unwrap_or_default(),
    }
}

/// A role or a user, as the List operations show them.
trait Listed: Clone {
    fn path(&self) -> &str;
    fn write(&self, xml: &mut Xml, with_tags: bool);
}

impl Listed for Role {
    fn path(&self) -> &str {
        &self.path
    }

    fn write(&self, xml: &mut Xml, with_tags: bool) {
        Role::write(self, xml, with_tags);
    }
}

/// The entities of `account` under the request's `PathPrefix`.
fn listed<T: Listed>(
    all: &BTreeMap<String, BTreeMap<String, T>>,
    account: &str,
    params: &QueryParams,
) -> Vec<T> {
    let prefix = params.get("PathPrefix").unwrap_or("/");
    all.get(account)
        .map(|entities| {
            entities
                .values()
                .filter(|entity| entity.path().starts_with(prefix))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// `<{member}><member>…</member>…</{member}><IsTruncated>false</IsTruncated>`.
fn write_list<T: Listed>(xml: &mut Xml, member: &str, entities: &[T]) {
    xml.element(member, |xml| {
        for entity in entities {
            xml.element("member", |xml| entity.write(xml, false));
        }
    })
    .text("IsTruncated", "false");
}

pub(crate) fn read_tags(params: &QueryParams) -> Result<Vec<(String, String)>, AwsError> {
    params
        .members("Tags")
        .iter()
        .map(|tag| {
            let key = tag
                .get("Key")
                .filter(|key| !key.is_empty())
                .ok_or_else(|| {
                    validation(
                        "1 validation error detected: Value null at 'tags.member.key' failed to \
                     satisfy constraint: Member must not be null",
                    )
                })?;
            Ok((
                key.to_owned(),
                tag.get("Value").unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn check_tag_count(count: usize) -> Result<(), AwsError> {
    if count > 50 {
        return Err(error(
            "LimitExceeded",
            StatusCode::CONFLICT,
            "Cannot exceed quota for TagsPerRole: 50.",
        ));
    }
    Ok(())
}

pub(crate) fn store_failed(source: StoreError) -> AwsError {
    tracing::error!(error = %source, "saving an IAM change failed");
    error(
        "ServiceFailure",
        StatusCode::INTERNAL_SERVER_ERROR,
        "The request processing has failed because of an unknown error, exception or failure.",
    )
}
