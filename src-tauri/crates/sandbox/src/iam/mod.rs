//! IAM (query protocol, XML), the part a lab needs: roles with their trust policies, inline
//! policies, attached managed policies and tags. IAM is global: roles belong to the account,
//! whatever region a request is signed for.
//!
//! Like an AWS Academy Learner Lab account, every account starts with a `LabRole` that Lambda
//! may assume. The sandbox does not evaluate policies: they are kept and returned as given.

mod role;

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::http::StatusCode;

pub use role::Role;
use role::{
    check_name, check_path, check_policy, error, new_role_id, no_such_role, url_encode, validation,
    write_tags,
};

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

/// Why saved roles could not be read.
#[derive(Debug, thiserror::Error)]
#[error("role {name} of account {account} is unreadable")]
pub struct LoadError {
    account: String,
    name: String,
    #[source]
    source: serde_json::Error,
}

/// The roles of every account.
#[derive(Debug)]
pub struct Iam {
    store: Store,
    /// Roles by account, then by name.
    roles: Mutex<BTreeMap<String, BTreeMap<String, Role>>>,
}

impl Iam {
    /// Loads the saved roles and gives `account` its `LabRole` unless it has roles already.
    pub fn load(
        store: Store,
        stored: Vec<StoredDefinition>,
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
        let iam = Self {
            store,
            roles: Mutex::new(roles),
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
            inline: BTreeMap::new(),
            attached: Vec::new(),
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
                let prefix = params.get("PathPrefix").unwrap_or("/");
                let roles: Vec<Role> = self
                    .lock()
                    .get(account)
                    .map(|roles| {
                        roles
                            .values()
                            .filter(|role| role.path.starts_with(prefix))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(respond(&|xml| {
                    xml.element("Roles", |xml| {
                        for role in &roles {
                            xml.element("member", |xml| role.write(xml, false));
                        }
                    })
                    .text("IsTruncated", "false");
                }))
            }
            "DeleteRole" => {
                self.delete_role(account, params).await?;
                Ok(empty())
            }
            "PutRolePolicy" => {
                let policy = check_name("policyName", params.get("PolicyName"), 128)?;
                let document = check_policy("policyDocument", params.get("PolicyDocument"))?;
                self.update(account, params, |role| {
                    role.inline.insert(policy.clone(), document.clone());
                    Ok(())
                })
                .await?;
                Ok(empty())
            }
            "GetRolePolicy" => {
                let role = self.role(account, params)?;
                let policy = check_name("policyName", params.get("PolicyName"), 128)?;
                let document = role
                    .inline
                    .get(&policy)
                    .ok_or_else(|| no_such_policy(&policy))?;
                Ok(respond(&|xml| {
                    xml.text("RoleName", &role.name)
                        .text("PolicyName", &policy)
                        .text("PolicyDocument", &url_encode(document));
                }))
            }
            "ListRolePolicies" => {
                let role = self.role(account, params)?;
                Ok(respond(&|xml| {
                    xml.element("PolicyNames", |xml| {
                        for name in role.inline.keys() {
                            xml.text("member", name);
                        }
                    })
                    .text("IsTruncated", "false");
                }))
            }
            "DeleteRolePolicy" => {
                let policy = check_name("policyName", params.get("PolicyName"), 128)?;
                self.update(account, params, |role| {
                    role.inline
                        .remove(&policy)
                        .map(drop)
                        .ok_or_else(|| no_such_policy(&policy))
                })
                .await?;
                Ok(empty())
            }
            "AttachRolePolicy" => {
                let arn = check_policy_arn(params.get("PolicyArn"))?;
                self.update(account, params, |role| {
                    if !role.attached.contains(&arn) {
                        role.attached.push(arn.clone());
                    }
                    Ok(())
                })
                .await?;
                Ok(empty())
            }
            "DetachRolePolicy" => {
                let arn = check_policy_arn(params.get("PolicyArn"))?;
                self.update(account, params, |role| {
                    let before = role.attached.len();
                    role.attached.retain(|attached| attached != &arn);
                    if role.attached.len() == before {
                        return Err(error(
                            "NoSuchEntity",
                            StatusCode::NOT_FOUND,
                            format!("Policy {arn} was not found."),
                        ));
                    }
                    Ok(())
                })
                .await?;
                Ok(empty())
            }
            "ListAttachedRolePolicies" => {
                let role = self.role(account, params)?;
                Ok(respond(&|xml| {
                    xml.element("AttachedPolicies", |xml| {
                        for arn in &role.attached {
                            let name = arn.rsplit('/').next().unwrap_or(arn);
                            xml.element("member", |xml| {
                                xml.text("PolicyName", name).text("PolicyArn", arn);
                            });
                        }
                    })
                    .text("IsTruncated", "false");
                }))
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
            inline: BTreeMap::new(),
            attached: Vec::new(),
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
            if !role.inline.is_empty() {
                return Err(delete_conflict(
                    "Cannot delete entity, must delete policies first.",
                ));
            }
            if !role.attached.is_empty() {
                return Err(delete_conflict(
                    "Cannot delete entity, must detach all policies first.",
                ));
            }
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

fn read_tags(params: &QueryParams) -> Result<Vec<(String, String)>, AwsError> {
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

/// A managed policy ARN the sandbox can attach: any AWS managed policy.
fn check_policy_arn(value: Option<&str>) -> Result<String, AwsError> {
    let arn = value.ok_or_else(|| {
        validation(
            "1 validation error detected: Value null at 'policyArn' failed to satisfy \
             constraint: Member must not be null",
        )
    })?;
    if !arn.starts_with("arn:aws:iam::") {
        return Err(error(
            "InvalidInput",
            StatusCode::BAD_REQUEST,
            format!("ARN {arn} is not valid."),
        ));
    }
    if !arn.starts_with("arn:aws:iam::aws:policy/") {
        // Customer managed policies (CreatePolicy) are not part of the sandbox.
        return Err(error(
            "NoSuchEntity",
            StatusCode::NOT_FOUND,
            format!("Policy {arn} does not exist or is not attachable."),
        ));
    }
    Ok(arn.to_owned())
}

fn no_such_policy(name: &str) -> AwsError {
    error(
        "NoSuchEntity",
        StatusCode::NOT_FOUND,
        format!("The role policy with name {name} cannot be found."),
    )
}

fn delete_conflict(message: &str) -> AwsError {
    error("DeleteConflict", StatusCode::CONFLICT, message.to_owned())
}

fn store_failed(source: StoreError) -> AwsError {
    tracing::error!(error = %source, "saving an IAM change failed");
    error(
        "ServiceFailure",
        StatusCode::INTERNAL_SERVER_ERROR,
        "The request processing has failed because of an unknown error, exception or failure.",
    )
}
