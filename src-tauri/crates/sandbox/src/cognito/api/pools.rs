//! CreateUserPool, DescribeUserPool, UpdateUserPool, ListUserPools, DeleteUserPool.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value as Json, json};

use super::{Answer, Context, invalid, now_seconds, pool_missing, required};
use crate::cognito::model::{PasswordPolicy, Pool, standard_schema};
use crate::cognito::tokens::{self, Signer};
use crate::cognito::{PoolState, Pools, error, put_pool};
use crate::store::Mutation;

/// The characters after a pool id's `{region}_`.
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Attributes a pool may verify, or let users sign in with.
const SIGN_IN_ATTRIBUTES: [&str; 2] = ["email", "phone_number"];

pub fn create(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let name = required(body, "PoolName")?;
    if name.is_empty() || name.chars().count() > 128 {
        return Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'poolName' failed to satisfy constraint: Member must have length less than or equal to 128"
        )));
    }
    let settings = Settings::read(body)?;
    let username_attributes = sign_in_attributes(body, "UsernameAttributes")?;
    let alias_attributes = strings(body, "AliasAttributes");
    if !username_attributes.is_empty() && !alias_attributes.is_empty() {
        return Err(invalid(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.",
        ));
    }
    let custom_schema = custom_schema(&body["Schema"])?;
    let key = tokens::new_key().map_err(|failure| {
        error(
            "InternalErrorException",
            format!("Could not make the pool's key: {failure}"),
        )
    })?;
    let signer = Signer::open(&key).map_err(|failure| {
        error(
            "InternalErrorException",
            format!("Could not read the pool's key: {failure}"),
        )
    })?;
    let scope = context.scope;
    let id = loop {
        let id = format!("{}_{}", scope.region, crate::random::text(9, ID_ALPHABET));
        if !pools.contains_key(&id) {
            break id;
        }
    };
    let now = now_seconds();
    let pool = Pool {
        arn: format!(
            "arn:aws:cognito-idp:{}:{}:userpool/{id}",
            scope.region, scope.account
        ),
        id: id.clone(),
        name: name.to_owned(),
        created: now,
        modified: now,
        policy: settings.policy,
        auto_verified: settings.auto_verified,
        username_attributes,
        alias_attributes,
        custom_schema,
        tags: settings.tags,
        admin_create_only: settings.admin_create_only,
        clients: BTreeMap::new(),
        key,
    };
    let mutation = put_pool(scope, &pool);
    let view = describe_view(&pool, 0);
    pools.insert(
        id,
        PoolState {
            pool,
            users: BTreeMap::new(),
            signer: Arc::new(signer),
            challenges: Default::default(),
        },
    );
    Ok((json!({"UserPool": view}), vec![mutation]))
}

/// What CreateUserPool and UpdateUserPool both set: an update replaces each of them, with
/// Cognito's default for one it leaves out.
struct Settings {
    policy: PasswordPolicy,
    auto_verified: Vec<String>,
    admin_create_only: bool,
    tags: BTreeMap<String, String>,
}

impl Settings {
    fn read(body: &Json) -> Result<Self, super::AwsError> {
        Ok(Self {
            policy: password_policy(&body["Policies"]["PasswordPolicy"])?,
            auto_verified: sign_in_attributes(body, "AutoVerifiedAttributes")?,
            admin_create_only: body["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"]
                .as_bool()
                .unwrap_or(false),
            tags: body["UserPoolTags"]
                .as_object()
                .map(|tags| {
                    tags.iter()
                        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// A list of `email`/`phone_number` (the attributes a pool verifies or signs users in with).
fn sign_in_attributes(body: &Json, member: &str) -> Result<Vec<String>, super::AwsError> {
    let values = strings(body, member);
    if let Some(other) = values
        .iter()
        .find(|value| !SIGN_IN_ATTRIBUTES.contains(&value.as_str()))
    {
        return Err(invalid(format!(
            "1 validation error detected: Value '[{other}]' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [phone_number, email]",
            crate::wire::lower_camel(member)
        )));
    }
    Ok(values)
}

/// UpdateUserPool: the pool's policies, verified attributes and sign-up setting replaced (what
/// the request leaves out goes back to Cognito's default); its name, username attributes and
/// schema stay as created, as on AWS.
pub fn update(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let id = required(body, "UserPoolId")?;
    let state = pools.get_mut(id).ok_or_else(|| pool_missing(id))?;
    let settings = Settings::read(body)?;
    let pool = &mut state.pool;
    pool.policy = settings.policy;
    pool.auto_verified = settings.auto_verified;
    pool.admin_create_only = settings.admin_create_only;
    if body["UserPoolTags"].is_object() {
        pool.tags = settings.tags;
    }
    pool.modified = now_seconds();
    Ok((json!({}), vec![put_pool(context.scope, pool)]))
}

pub fn describe(pools: &Pools, body: &Json) -> Answer {
    let id = required(body, "UserPoolId")?;
    let state = pools.get(id).ok_or_else(|| pool_missing(id))?;
    let view = describe_view(&state.pool, state.users.len());
    Ok((json!({"UserPool": view}), Vec::new()))
}

pub fn list(pools: &Pools, body: &Json) -> Answer {
    let max = body["MaxResults"].as_i64().ok_or_else(|| {
        invalid("1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null")
    })?;
    if !(1..=60).contains(&max) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60"
        )));
    }
    let after = body["NextToken"].as_str();
    let mut listed = pools
        .values()
        .filter(|state| after.is_none_or(|after| state.pool.id.as_str() > after))
        .map(|state| {
            json!({
                "Id": state.pool.id,
                "Name": state.pool.name,
                "LambdaConfig": {},
                "LastModifiedDate": state.pool.modified,
                "CreationDate": state.pool.created,
            })
        });
    let page: Vec<Json> = listed.by_ref().take(max as usize).collect();
    let mut answer = json!({"UserPools": page});
    if listed.next().is_some()
        && let Some(last) = page.last()
    {
        answer["NextToken"] = last["Id"].clone();
    }
    Ok((answer, Vec::new()))
}

pub fn delete(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let id = required(body, "UserPoolId")?;
    pools.remove(id).ok_or_else(|| pool_missing(id))?;
    Ok((
        json!({}),
        vec![Mutation::DeleteUserPool {
            scope: context.scope.clone(),
            id: id.to_owned(),
        }],
    ))
}

/// The strings of a list member (none when it is absent).
fn strings(body: &Json, member: &str) -> Vec<String> {
    body[member]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|value| value.as_str().map(str::to_owned))
        .collect()
}

/// The password policy a request asks for; Cognito's defaults where it says nothing.
fn password_policy(given: &Json) -> Result<PasswordPolicy, super::AwsError> {
    let defaults = PasswordPolicy::default();
    if given.is_null() {
        return Ok(defaults);
    }
    let flag = |member: &str, default: bool| given[member].as_bool().unwrap_or(default);
    let minimum_length = given["MinimumLength"]
        .as_u64()
        .map_or(Ok(defaults.minimum_length), |length| {
            if (6..=99).contains(&length) {
                Ok(length as u32)
            } else {
                Err(invalid(format!(
                    "1 validation error detected: Value '{length}' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value {}",
                    if length < 6 { "greater than or equal to 6" } else { "less than or equal to 99" }
                )))
            }
        })?;
    Ok(PasswordPolicy {
        minimum_length,
        require_uppercase: flag("RequireUppercase", false),
        require_lowercase: flag("RequireLowercase", false),
        require_numbers: flag("RequireNumbers", false),
        require_symbols: flag("RequireSymbols", false),
        temporary_validity_days: given["TemporaryPasswordValidityDays"]
            .as_u64()
            .map_or(defaults.temporary_validity_days, |days| days as u32),
    })
}

/// The custom attributes a `Schema` declares (standard ones it lists are kept as standard).
fn custom_schema(schema: &Json) -> Result<Vec<Json>, super::AwsError> {
    let standard = standard_schema();
    let mut custom = Vec::new();
    for attribute in schema.as_array().into_iter().flatten() {
        let Some(name) = attribute["Name"].as_str() else {
            return Err(invalid(
                "1 validation error detected: Value null at 'schema.1.member.name' failed to satisfy constraint: Member must not be null",
            ));
        };
        if standard
            .iter()
            .any(|known| known["Name"].as_str() == Some(name))
        {
            continue;
        }
        if name.is_empty() || name.len() > 20 {
            return Err(invalid(format!(
                "1 validation error detected: Value '{name}' at 'schema.1.member.name' failed to satisfy constraint: Member must have length less than or equal to 20"
            )));
        }
        let mut declared = attribute.clone();
        if declared["AttributeDataType"].is_null() {
            declared["AttributeDataType"] = json!("String");
        }
        custom.push(declared);
    }
    Ok(custom)
}

/// A pool as CreateUserPool and DescribeUserPool answer.
fn describe_view(pool: &Pool, users: usize) -> Json {
    let mut schema = standard_schema();
    schema.extend(pool.custom_schema.iter().map(|attribute| {
        let mut attribute = attribute.clone();
        if let Some(name) = attribute["Name"].as_str() {
            attribute["Name"] = json!(format!("custom:{name}"));
        }
        attribute["DeveloperOnlyAttribute"] = json!(false);
        if attribute["Mutable"].is_null() {
            attribute["Mutable"] = json!(true);
        }
        attribute["Required"] = json!(false);
        attribute
    }));
    let mut view = json!({
        "Id": pool.id,
        "Name": pool.name,
        "Policies": {"PasswordPolicy": pool.policy.view()},
        "DeletionProtection": "INACTIVE",
        "LambdaConfig": {},
        "LastModifiedDate": pool.modified,
        "CreationDate": pool.created,
        "SchemaAttributes": schema,
        "AutoVerifiedAttributes": pool.auto_verified,
        "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []},
        "MfaConfiguration": "OFF",
        "EstimatedNumberOfUsers": users,
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        "UserPoolTags": pool.tags,
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": pool.admin_create_only,
            "UnusedAccountValidityDays": pool.policy.temporary_validity_days,
        },
        "UsernameConfiguration": {"CaseSensitive": false},
        "Arn": pool.arn,
        "AccountRecoverySetting": {"RecoveryMechanisms": [
            {"Priority": 1, "Name": "verified_email"},
            {"Priority": 2, "Name": "verified_phone_number"},
        ]},
    });
    if !pool.username_attributes.is_empty() {
        view["UsernameAttributes"] = json!(pool.username_attributes);
    }
    if !pool.alias_attributes.is_empty() {
        view["AliasAttributes"] = json!(pool.alias_attributes);
    }
    view
}
