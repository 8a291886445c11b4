//! An IAM user as the sandbox keeps it — its access keys (the secret kept, so the signatures
//! API Gateway checks for `AWS_IAM` authorization can be verified) and its policies — with the
//! operations on users and their keys.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::policies::{Policies, PolicyOperation};
use super::role::{check_name, check_path, error};
use super::{Iam, Listed as _, listed, read_tags, store_failed, write_list};
use crate::store::Mutation;
use crate::wire::{AwsError, QueryParams, Xml};

/// How many access keys a user may have.
const MAX_ACCESS_KEYS: usize = 2;

/// A user: who signs with its access keys, and what its policies allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub created: String,
    pub tags: Vec<(String, String)>,
    pub access_keys: Vec<AccessKey>,
    #[serde(flatten)]
    pub policies: Policies,
}

/// An access key: its id, its secret and whether it may sign.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub created: String,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl super::Listed for User {
    fn path(&self) -> &str {
        &self.path
    }

    fn write(&self, xml: &mut Xml, with_tags: bool) {
        xml.text("Path", &self.path)
            .text("UserName", &self.name)
            .text("UserId", &self.id)
            .text("Arn", &self.arn)
            .text("CreateDate", &self.created);
        if with_tags && !self.tags.is_empty() {
            xml.element("Tags", |xml| super::role::write_tags(xml, &self.tags));
        }
    }
}

/// An IAM id: `prefix` and 17 characters of IAM's alphabet (`AIDA…` users, `AKIA…` keys).
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    format!("{prefix}{}", crate::random::text(16, ALPHABET))
}

fn no_such_user(name: &str) -> AwsError {
    error(
        "NoSuchEntity",
        StatusCode::NOT_FOUND,
        format!("The user with name {name} cannot be found."),
    )
}

fn put(account: &str, user: &User) -> Mutation {
    Mutation::PutIamUser {
        account: account.to_owned(),
        name: user.name.clone(),
        definition: serde_json::to_string(user).unwrap_or_default(),
    }
}

/// The operations on users [`Iam::handle_user`] answers.
pub const OPERATIONS: [&str; 14] = [
    "CreateUser",
    "GetUser",
    "ListUsers",
    "DeleteUser",
    "CreateAccessKey",
    "ListAccessKeys",
    "DeleteAccessKey",
    "PutUserPolicy",
    "GetUserPolicy",
    "ListUserPolicies",
    "DeleteUserPolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "ListAttachedUserPolicies",
];

impl Iam {
    /// Answers one of the user [`OPERATIONS`].
    pub(super) async fn handle_user(
        &self,
        account: &str,
        action: &str,
        params: &QueryParams,
        request_id: &str,
    ) -> Result<String, AwsError> {
        let respond =
            |result: &dyn Fn(&mut Xml)| Xml::response(action, super::NAMESPACE, request_id, result);
        let empty = || Xml::empty_response(action, super::NAMESPACE, request_id);
        if let Some(operation) = PolicyOperation::of(action, "User") {
            if operation.changes() {
                self.update_user(account, params, |user| {
                    operation.change(&mut user.policies, "user", params)
                })
                .await?;
                return Ok(empty());
            }
            let user = self.user(account, params)?;
            let write = operation.read(&user.policies, "user", params, "UserName", &user.name)?;
            return Ok(respond(&write));
        }
        match action {
            "CreateUser" => {
                let user = self.create_user(account, params).await?;
                Ok(respond(&|xml| {
                    xml.element("User", |xml| user.write(xml, true));
                }))
            }
            "GetUser" => {
                if params.get("UserName").is_none() {
                    return Err(error(
                        "ValidationError",
                        StatusCode::BAD_REQUEST,
                        "Must specify userName when calling with non-User credentials",
                    ));
                }
                let user = self.user(account, params)?;
                Ok(respond(&|xml| {
                    xml.element("User", |xml| user.write(xml, true));
                }))
            }
            "ListUsers" => {
                let users = listed(&self.lock_users(), account, params);
                Ok(respond(&|xml| write_list(xml, "Users", &users)))
            }
            "DeleteUser" => {
                let name = check_name("userName", params.get("UserName"), 64)?;
                let commit = {
                    let mut users = self.lock_users();
                    let account_users = users.entry(account.to_owned()).or_default();
                    let user = account_users
                        .get(&name)
                        .ok_or_else(|| no_such_user(&name))?;
                    if !user.access_keys.is_empty() {
                        return Err(error(
                            "DeleteConflict",
                            StatusCode::CONFLICT,
                            "Cannot delete entity, must delete access keys first.",
                        ));
                    }
                    user.policies.check_deletable()?;
                    account_users.remove(&name);
                    self.store.submit(vec![Mutation::DeleteIamUser {
                        account: account.to_owned(),
                        name,
                    }])
                };
                commit.durable().await.map_err(store_failed)?;
                Ok(empty())
            }
            "CreateAccessKey" => {
                let key = AccessKey {
                    id: new_id("AKIA"),
                    secret: crate::random::text(40, SECRET_ALPHABET),
                    status: "Active".to_owned(),
                    created: crate::apigw::model::now_iso(),
                };
                let user = self
                    .update_user(account, params, |user| {
                        if user.access_keys.len() >= MAX_ACCESS_KEYS {
                            return Err(error(
                                "LimitExceeded",
                                StatusCode::CONFLICT,
                                "Cannot exceed quota for AccessKeysPerUser: 2",
                            ));
                        }
                        user.access_keys.push(key.clone());
                        Ok(())
                    })
                    .await?;
                Ok(respond(&|xml| {
                    xml.element("AccessKey", |xml| {
                        xml.text("UserName", &user.name)
                            .text("AccessKeyId", &key.id)
                            .text("Status", &key.status)
                            .text("SecretAccessKey", &key.secret)
                            .text("CreateDate", &key.created);
                    });
                }))
            }
            "ListAccessKeys" => {
                let user = self.user(account, params)?;
                Ok(respond(&|xml| {
                    xml.element("AccessKeyMetadata", |xml| {
                        for key in &user.access_keys {
                            xml.element("member", |xml| {
                                xml.text("UserName", &user.name)
                                    .text("AccessKeyId", &key.id)
                                    .text("Status", &key.status)
                                    .text("CreateDate", &key.created);
                            });
                        }
                    })
                    .text("IsTruncated", "false")
                    .text("UserName", &user.name);
                }))
            }
            "DeleteAccessKey" => {
                let id = params.get("AccessKeyId").unwrap_or_default().to_owned();
                self.update_user(account, params, |user| {
                    let before = user.access_keys.len();
                    user.access_keys.retain(|key| key.id != id);
                    if user.access_keys.len() == before {
                        return Err(error(
                            "NoSuchEntity",
                            StatusCode::NOT_FOUND,
                            format!("The Access Key with id {id} cannot be found."),
                        ));
                    }
                    Ok(())
                })
                .await?;
                Ok(empty())
            }
            other => Err(AwsError::unknown_operation(other)),
        }
    }

    /// The user a request's `UserName` names.
    fn user(&self, account: &str, params: &QueryParams) -> Result<User, AwsError> {
        let name = check_name("userName", params.get("UserName"), 64)?;
        self.lock_users()
            .get(account)
            .and_then(|users| users.get(&name))
            .cloned()
            .ok_or_else(|| no_such_user(&name))
    }

    async fn create_user(&self, account: &str, params: &QueryParams) -> Result<User, AwsError> {
        let name = check_name("userName", params.get("UserName"), 64)?;
        let path = check_path(params.get("Path"))?;
        let tags = read_tags(params)?;
        let user = User {
            arn: format!("arn:aws:iam::{account}:user{path}{name}"),
            name: name.clone(),
            path,
            id: new_id("AIDA"),
            created: crate::apigw::model::now_iso(),
            tags,
            access_keys: Vec::new(),
            policies: Policies::default(),
        };
        let commit = {
            let mut users = self.lock_users();
            let account_users = users.entry(account.to_owned()).or_default();
            if account_users
                .keys()
                .any(|existing| existing.eq_ignore_ascii_case(&name))
            {
                return Err(error(
                    "EntityAlreadyExists",
                    StatusCode::CONFLICT,
                    format!("User with name {name} already exists."),
                ));
            }
            account_users.insert(name, user.clone());
            self.store.submit(vec![put(account, &user)])
        };
        commit.durable().await.map_err(store_failed)?;
        Ok(user)
    }

    /// Changes the user a request names with `change`, saves it and returns it as saved.
    async fn update_user(
        &self,
        account: &str,
        params: &QueryParams,
        change: impl FnOnce(&mut User) -> Result<(), AwsError>,
    ) -> Result<User, AwsError> {
        let name = check_name("userName", params.get("UserName"), 64)?;
        let (commit, saved) = {
            let mut users = self.lock_users();
            let user = users
                .get_mut(account)
                .and_then(|users| users.get_mut(&name))
                .ok_or_else(|| no_such_user(&name))?;
            let mut changed = user.clone();
            change(&mut changed)?;
            *user = changed;
            (self.store.submit(vec![put(account, user)]), user.clone())
        };
        commit.durable().await.map_err(store_failed)?;
        Ok(saved)
    }
}

/// The characters of a secret access key.
pub const SECRET_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
