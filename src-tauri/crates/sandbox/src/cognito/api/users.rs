//! SignUp, ConfirmSignUp, ResendConfirmationCode and the administrators' user operations
//! (AdminCreateUser, AdminConfirmSignUp, AdminGetUser, AdminDeleteUser, AdminSetUserPassword,
//! ListUsers), with what they share: finding a user by the name they sign in with, the client's
//! `SECRET_HASH`, and codes delivered to the mailbox.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value as Json, json};

use super::{
    Answer, Context, invalid, now_seconds, optional, pool_missing, required, user_missing,
};
use crate::cognito::mailbox::Message;
use crate::cognito::model::{AppClient, PendingCode, Pool, User, UserStatus, knows_attribute};
use crate::cognito::{PoolState, Pools, error, password, put_user};
use crate::store::Mutation;
use crate::wire::AwsError;

/// How long a confirmation code works: 24 hours.
const CODE_MILLIS: i64 = 24 * 3600 * 1000;

/// The pool whose app client is `client_id`, and the client.
pub(super) fn pool_of_client<'a>(
    pools: &'a mut Pools,
    client_id: &str,
) -> Result<(&'a mut PoolState, AppClient), AwsError> {
    let state = pools
        .values_mut()
        .find(|state| state.pool.clients.contains_key(client_id))
        .ok_or_else(|| super::client_missing(client_id))?;
    let client = state.pool.clients[client_id].clone();
    Ok((state, client))
}

/// The pool a client-side call goes to (by its `ClientId`), once its `SECRET_HASH` checks
/// out, and the user it names (`Username`).
fn client_side<'p, 'b>(
    pools: &'p mut Pools,
    body: &'b Json,
) -> Result<(&'p mut PoolState, &'b str), AwsError> {
    let client_id = required(body, "ClientId")?;
    let name = required(body, "Username")?;
    let (state, client) = pool_of_client(pools, client_id)?;
    check_secret_hash(&client, name, optional(body, "SecretHash"))?;
    Ok((state, name))
}

/// Checks the `SECRET_HASH` a call through a client with a secret must carry:
/// Base64(HMAC-SHA256(secret, username + client id)).
pub(super) fn check_secret_hash(
    client: &AppClient,
    username: &str,
    given: Option<&str>,
) -> Result<(), AwsError> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    let Some(given) = given else {
        return Err(error(
            "NotAuthorizedException",
            format!(
                "Client {} is configured with secret but SECRET_HASH was not received",
                client.id
            ),
        ));
    };
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(aws_lc_rs::hmac::sign(
        &key,
        format!("{username}{}", client.id).as_bytes(),
    ));
    if expected == given {
        Ok(())
    } else {
        Err(error(
            "NotAuthorizedException",
            format!("Unable to verify secret hash for client {}", client.id),
        ))
    }
}

/// The key of the user who signs in as `name`: their username, or — in a pool whose users sign
/// in with an email or phone number, or have aliases — that attribute's owner.
pub(super) fn user_key(pool_state: &PoolState, name: &str) -> Option<String> {
    let lower = name.to_lowercase();
    if pool_state.users.contains_key(&lower) {
        return Some(lower);
    }
    let pool = &pool_state.pool;
    let sign_in_attributes: Vec<&String> = pool
        .username_attributes
        .iter()
        .chain(&pool.alias_attributes)
        .collect();
    pool_state
        .users
        .iter()
        .find(|(_, user)| {
            sign_in_attributes.iter().any(|attribute| {
                user.attributes
                    .get(attribute.as_str())
                    .is_some_and(|value| value.to_lowercase() == lower)
            }) || user.sub == name
        })
        .map(|(key, _)| key.clone())
}

/// An email or phone number as Cognito shows where a code went: `a***@e***`.
fn masked(destination: &str) -> String {
    match destination.split_once('@') {
        Some((local, domain)) => format!(
            "{}***@{}***",
            local.chars().next().unwrap_or('*'),
            domain.chars().next().unwrap_or('*')
        ),
        None => {
            let tail: String = destination
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("+*******{tail}")
        }
    }
}

/// Sends `user` a new code for the attribute the pool verifies (email first), and answers
/// where it went; nothing when the pool verifies nothing the user has.
fn send_code(context: &Context<'_>, pool: &Pool, user: &mut User, reason: &str) -> Option<Json> {
    let attribute = ["email", "phone_number"].into_iter().find(|attribute| {
        pool.auto_verified
            .iter()
            .any(|verified| verified == attribute)
            && user.attributes.contains_key(*attribute)
    })?;
    Some(deliver_code(context, pool, user, attribute, reason))
}

/// Sends `user` a new code at `attribute` (`email` or `phone_number`), and answers where it went.
fn deliver_code(
    context: &Context<'_>,
    pool: &Pool,
    user: &mut User,
    attribute: &str,
    reason: &str,
) -> Json {
    let destination = user.attributes.get(attribute).cloned().unwrap_or_default();
    let code = crate::random::text(6, b"0123456789");
    user.pending = Some(PendingCode {
        code: code.clone(),
        expires: crate::clock::now_millis() + CODE_MILLIS,
    });
    let medium = if attribute == "email" { "EMAIL" } else { "SMS" };
    context.mailbox.deliver(Message {
        sent_at: crate::clock::now_millis(),
        pool_id: pool.id.clone(),
        username: user.username.clone(),
        medium: medium.to_owned(),
        destination: destination.clone(),
        reason: reason.to_owned(),
        subject: "Your verification code".to_owned(),
        body: format!("Your verification code is {code}. "),
        code,
    });
    json!({
        "Destination": masked(&destination),
        "DeliveryMedium": medium,
        "AttributeName": attribute,
    })
}

/// The attributes a request gives (`UserAttributes`), checked against the pool's schema.
fn given_attributes(pool: &Pool, body: &Json) -> Result<BTreeMap<String, String>, AwsError> {
    let mut attributes = BTreeMap::new();
    for attribute in body["UserAttributes"].as_array().into_iter().flatten() {
        let (Some(name), Some(value)) = (attribute["Name"].as_str(), attribute["Value"].as_str())
        else {
            return Err(invalid(
                "1 validation error detected: Value null at 'userAttributes.1.member.name' failed to satisfy constraint: Member must not be null",
            ));
        };
        if name == "sub" {
            return Err(invalid(
                "Attributes did not conform to the schema: sub: Attribute cannot be updated.",
            ));
        }
        if !knows_attribute(pool, name) {
            return Err(invalid(format!(
                "Attributes did not conform to the schema: {name}: Attribute does not exist in the schema.\n"
            )));
        }
        if name == "email" && !value.contains('@') {
            return Err(invalid("Invalid email address format."));
        }
        attributes.insert(name.to_owned(), value.to_owned());
    }
    Ok(attributes)
}

/// The most users a pool holds in the sandbox (they are kept in memory as well as on disk).
const MAX_USERS_PER_POOL: usize = 50_000;

/// A new user (not yet stored) who signs in as `name`, or why there cannot be one.
fn new_user(
    state: &PoolState,
    name: &str,
    mut attributes: BTreeMap<String, String>,
    password: &str,
    status: UserStatus,
) -> Result<(String, User), AwsError> {
    let pool = &state.pool;
    if state.users.len() >= MAX_USERS_PER_POOL {
        return Err(error(
            "LimitExceededException",
            format!(
                "The sandbox keeps at most {MAX_USERS_PER_POOL} users in a user pool: delete some first."
            ),
        ));
    }
    let signs_in_with_email = pool.username_attributes.iter().any(|a| a == "email");
    let sub = uuid::Uuid::new_v4().to_string();
    let username = if pool.username_attributes.is_empty() {
        if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_whitespace) {
            return Err(invalid(format!(
                "1 validation error detected: Value '{name}' at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{M}}\\p{{S}}\\p{{N}}\\p{{P}}]+"
            )));
        }
        name.to_owned()
    } else {
        if signs_in_with_email && !name.contains('@') {
            return Err(invalid("Username should be an email."));
        }
        let attribute = if name.contains('@') {
            "email"
        } else {
            "phone_number"
        };
        attributes.insert(attribute.to_owned(), name.to_owned());
        sub.clone()
    };
    if user_key(state, name).is_some() || state.users.contains_key(&username.to_lowercase()) {
        return Err(error(
            "UsernameExistsException",
            if pool.username_attributes.is_empty() {
                "User already exists"
            } else {
                "An account with the given email already exists."
            },
        ));
    }
    let now = now_seconds();
    let mut user = User {
        username: username.clone(),
        sub,
        attributes,
        status,
        enabled: true,
        created: now,
        modified: now,
        password_hash: String::new(),
        srp: None,
        temporary_until: None,
        pending: None,
        sessions: Vec::new(),
    };
    user.set_password(&pool.id, hashed(password)?, password);
    Ok((username.to_lowercase(), user))
}

fn hashed(password: &str) -> Result<String, AwsError> {
    password::hash(password).map_err(|failure| {
        error(
            "InternalErrorException",
            format!("The password could not be hashed: {failure}"),
        )
    })
}

fn check_password(pool: &Pool, password: &str) -> Result<(), AwsError> {
    match password::violation(&pool.policy, password) {
        Some(why) => Err(error("InvalidPasswordException", why)),
        None => Ok(()),
    }
}

pub fn sign_up(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let (state, name) = client_side(pools, body)?;
    let password = required(body, "Password")?;
    if state.pool.admin_create_only {
        return Err(error(
            "NotAuthorizedException",
            "SignUp is not permitted for this user pool",
        ));
    }
    let attributes = given_attributes(&state.pool, body)?;
    check_password(&state.pool, password)?;
    let (key, mut user) = new_user(state, name, attributes, password, UserStatus::Unconfirmed)?;
    let delivery = send_code(context, &state.pool, &mut user, "SignUp");
    let mut answer = json!({"UserConfirmed": false, "UserSub": user.sub});
    if let Some(delivery) = delivery {
        answer["CodeDeliveryDetails"] = delivery;
    }
    let mutation = put_user(context.scope, &state.pool.id, &key, &user);
    state.users.insert(key, user);
    Ok((answer, vec![mutation]))
}

/// The user a client-side call names, with the "not found" Cognito gives those calls.
fn client_user<'a>(
    state: &'a mut PoolState,
    name: &str,
) -> Result<(String, &'a mut User), AwsError> {
    let key = user_key(state, name).ok_or_else(|| {
        error(
            "UserNotFoundException",
            "Username/client id combination not found.",
        )
    })?;
    let user = state.users.get_mut(&key).ok_or_else(user_missing)?;
    Ok((key, user))
}

/// A confirmation of a user who is not waiting for one.
fn cannot_confirm(status: UserStatus) -> AwsError {
    error(
        "NotAuthorizedException",
        format!(
            "User cannot be confirmed. Current status is {}",
            status.as_str()
        ),
    )
}

/// Takes the code `user` was sent, if `code` is it and it has not expired.
fn take_code(user: &mut User, code: &str) -> Result<(), AwsError> {
    let expired = || {
        error(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again.",
        )
    };
    let pending = user.pending.as_ref().ok_or_else(expired)?;
    if pending.code != code {
        return Err(error(
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        ));
    }
    if pending.expires < crate::clock::now_millis() {
        return Err(expired());
    }
    user.pending = None;
    Ok(())
}

pub fn confirm_sign_up(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let (state, name) = client_side(pools, body)?;
    let code = required(body, "ConfirmationCode")?;
    let pool_id = state.pool.id.clone();
    let (key, user) = client_user(state, name)?;
    if user.status != UserStatus::Unconfirmed {
        return Err(cannot_confirm(user.status));
    }
    take_code(user, code)?;
    user.status = UserStatus::Confirmed;
    for attribute in ["email", "phone_number"] {
        if user.attributes.contains_key(attribute) {
            user.attributes
                .insert(format!("{attribute}_verified"), "true".to_owned());
            break;
        }
    }
    user.modified = now_seconds();
    Ok((
        json!({}),
        vec![put_user(context.scope, &pool_id, &key, user)],
    ))
}

pub fn resend_code(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let (state, name) = client_side(pools, body)?;
    let pool = state.pool.clone();
    let (key, user) = client_user(state, name)?;
    if user.status != UserStatus::Unconfirmed {
        return Err(invalid("User is already confirmed."));
    }
    let delivery = send_code(context, &pool, user, "ResendCode")
        .ok_or_else(|| invalid("Auto verification not turned on."))?;
    Ok((
        json!({"CodeDeliveryDetails": delivery}),
        vec![put_user(context.scope, &pool.id, &key, user)],
    ))
}

pub fn forgot_password(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let (state, name) = client_side(pools, body)?;
    let pool = state.pool.clone();
    let (key, user) = client_user(state, name)?;
    // A code goes only to a verified address.
    let attribute = ["email", "phone_number"]
        .into_iter()
        .find(|attribute| {
            user.attributes.contains_key(*attribute)
                && user
                    .attributes
                    .get(&format!("{attribute}_verified"))
                    .is_some_and(|verified| verified == "true")
        })
        .ok_or_else(|| {
            invalid("Cannot reset password for the user as there is no registered/verified email or phone_number")
        })?;
    let delivery = deliver_code(context, &pool, user, attribute, "ForgotPassword");
    Ok((
        json!({"CodeDeliveryDetails": delivery}),
        vec![put_user(context.scope, &pool.id, &key, user)],
    ))
}

pub fn confirm_forgot_password(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let (state, name) = client_side(pools, body)?;
    let code = required(body, "ConfirmationCode")?;
    let password = required(body, "Password")?;
    let pool = state.pool.clone();
    check_password(&pool, password)?;
    let hash = hashed(password)?;
    let (key, user) = client_user(state, name)?;
    take_code(user, code)?;
    user.set_password(&pool.id, hash, password);
    if user.status == UserStatus::ForceChangePassword {
        user.status = UserStatus::Confirmed;
        user.temporary_until = None;
    }
    user.modified = now_seconds();
    Ok((
        json!({}),
        vec![put_user(context.scope, &pool.id, &key, user)],
    ))
}

/// A temporary password that meets `pool`'s policy.
fn temporary_password(pool: &Pool) -> String {
    let length = (pool.policy.minimum_length as usize).max(12);
    let mut password = crate::random::text(length - 4, b"abcdefghjkmnpqrstuvwxyz23456789");
    password.push_str(&crate::random::text(1, b"ABCDEFGHJKLMNPQRSTUVWXYZ"));
    password.push_str(&crate::random::text(1, b"abcdefghjkmnpqrstuvwxyz"));
    password.push_str(&crate::random::text(1, b"23456789"));
    password.push_str(&crate::random::text(1, b"!#%&*+-=?"));
    password
}

pub fn admin_create(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let pool_id = required(body, "UserPoolId")?;
    let name = required(body, "Username")?;
    let state = pools
        .get_mut(pool_id)
        .ok_or_else(|| pool_missing(pool_id))?;
    let attributes = given_attributes(&state.pool, body)?;
    let temporary = match optional(body, "TemporaryPassword") {
        Some(given) => {
            check_password(&state.pool, given)?;
            given.to_owned()
        }
        None => temporary_password(&state.pool),
    };
    let (key, mut user) = new_user(
        state,
        name,
        attributes,
        &temporary,
        UserStatus::ForceChangePassword,
    )?;
    user.temporary_until = Some(
        crate::clock::now_millis()
            + i64::from(state.pool.policy.temporary_validity_days) * 24 * 3600 * 1000,
    );
    if optional(body, "MessageAction") != Some("SUPPRESS")
        && let Some(destination) = user
            .attributes
            .get("email")
            .or_else(|| user.attributes.get("phone_number"))
    {
        context.mailbox.deliver(Message {
            sent_at: crate::clock::now_millis(),
            pool_id: pool_id.to_owned(),
            username: user.username.clone(),
            medium: if destination.contains('@') {
                "EMAIL"
            } else {
                "SMS"
            }
            .to_owned(),
            destination: destination.clone(),
            reason: "AdminCreateUser".to_owned(),
            subject: "Your temporary password".to_owned(),
            body: format!(
                "Your username is {} and temporary password is {temporary}. ",
                user.username
            ),
            code: temporary.clone(),
        });
    }
    let view = user.view("Attributes");
    let mutation = put_user(context.scope, pool_id, &key, &user);
    state.users.insert(key, user);
    Ok((json!({"User": view}), vec![mutation]))
}

/// The user an administrator's call names.
fn admin_user<'a>(
    pools: &'a mut Pools,
    body: &Json,
) -> Result<(String, String, &'a mut User), AwsError> {
    let pool_id = required(body, "UserPoolId")?;
    let name = required(body, "Username")?;
    let state = pools
        .get_mut(pool_id)
        .ok_or_else(|| pool_missing(pool_id))?;
    let key = user_key(state, name).ok_or_else(user_missing)?;
    let user = state.users.get_mut(&key).ok_or_else(user_missing)?;
    Ok((pool_id.to_owned(), key, user))
}

pub fn admin_confirm(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let (pool_id, key, user) = admin_user(pools, body)?;
    if user.status != UserStatus::Unconfirmed {
        return Err(cannot_confirm(user.status));
    }
    user.status = UserStatus::Confirmed;
    user.pending = None;
    user.modified = now_seconds();
    Ok((
        json!({}),
        vec![put_user(context.scope, &pool_id, &key, user)],
    ))
}

pub fn admin_get(pools: &mut Pools, body: &Json) -> Answer {
    let (_, _, user) = admin_user(pools, body)?;
    Ok((user.view("UserAttributes"), Vec::new()))
}

pub fn admin_delete(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let (pool_id, key, _) = admin_user(pools, body)?;
    if let Some(state) = pools.get_mut(&pool_id) {
        state.users.remove(&key);
    }
    Ok((
        json!({}),
        vec![Mutation::DeletePoolUser {
            scope: context.scope.clone(),
            key: format!("{pool_id}/{key}"),
        }],
    ))
}

/// AdminDisableUser and AdminEnableUser: a disabled user cannot sign in, and disabling ends
/// every session the user has (their tokens revoked), as on AWS.
pub fn admin_set_enabled(
    context: &Context<'_>,
    pools: &mut Pools,
    body: &Json,
    enabled: bool,
) -> Answer {
    let (pool_id, key, user) = admin_user(pools, body)?;
    user.enabled = enabled;
    if !enabled {
        user.sessions.clear();
    }
    user.modified = now_seconds();
    Ok((
        json!({}),
        vec![put_user(context.scope, &pool_id, &key, user)],
    ))
}

pub fn admin_set_password(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let password = required(body, "Password")?;
    let permanent = body["Permanent"].as_bool().unwrap_or(false);
    let pool_id = required(body, "UserPoolId")?;
    let policy = pools
        .get(pool_id)
        .ok_or_else(|| pool_missing(pool_id))?
        .pool
        .clone();
    check_password(&policy, password)?;
    let hash = hashed(password)?;
    let (pool_id, key, user) = admin_user(pools, body)?;
    user.set_password(&pool_id, hash, password);
    if permanent {
        user.status = UserStatus::Confirmed;
        user.temporary_until = None;
    } else {
        user.status = UserStatus::ForceChangePassword;
        user.temporary_until = Some(
            crate::clock::now_millis()
                + i64::from(policy.policy.temporary_validity_days) * 24 * 3600 * 1000,
        );
    }
    user.modified = now_seconds();
    Ok((
        json!({}),
        vec![put_user(context.scope, &pool_id, &key, user)],
    ))
}

/// A ListUsers filter: `name = "value"` or `name ^= "prefix"`.
struct Filter {
    attribute: String,
    prefix: bool,
    value: String,
}

impl Filter {
    const ATTRIBUTES: [&str; 11] = [
        "username",
        "email",
        "phone_number",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "cognito:user_status",
        "status",
        "sub",
        "email_verified",
    ];

    fn parse(text: &str) -> Result<Option<Self>, AwsError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let failed = || invalid("Error while parsing filter.");
        let (attribute, prefix, rest) = if let Some((attribute, rest)) = text.split_once("^=") {
            (attribute, true, rest)
        } else if let Some((attribute, rest)) = text.split_once('=') {
            (attribute, false, rest)
        } else {
            return Err(failed());
        };
        let attribute = attribute.trim().trim_matches('"');
        let value = rest
            .trim()
            .strip_prefix('"')
            .and_then(|value| value.strip_suffix('"'))
            .ok_or_else(failed)?;
        if !Self::ATTRIBUTES.contains(&attribute) {
            return Err(invalid(format!("Invalid search attribute: {attribute}")));
        }
        Ok(Some(Self {
            attribute: attribute.to_owned(),
            prefix,
            value: value.to_owned(),
        }))
    }

    fn matches(&self, user: &User) -> bool {
        let actual = match self.attribute.as_str() {
            "username" => Some(user.username.clone()),
            "cognito:user_status" => Some(user.status.as_str().to_owned()),
            "status" => Some(if user.enabled { "Enabled" } else { "Disabled" }.to_owned()),
            "sub" => Some(user.sub.clone()),
            other => user.attributes.get(other).cloned(),
        };
        actual.is_some_and(|actual| {
            if self.prefix {
                actual.starts_with(&self.value)
            } else {
                actual == self.value
            }
        })
    }
}

pub fn list(pools: &mut Pools, body: &Json) -> Answer {
    let pool_id = required(body, "UserPoolId")?;
    let state = pools.get(pool_id).ok_or_else(|| pool_missing(pool_id))?;
    let limit = match body["Limit"].as_i64() {
        None => 60,
        Some(limit) if (0..=60).contains(&limit) => limit.max(1) as usize,
        Some(limit) => {
            return Err(invalid(format!(
                "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60"
            )));
        }
    };
    let filter = Filter::parse(optional(body, "Filter").unwrap_or_default())?;
    let wanted: Option<Vec<&str>> = body["AttributesToGet"]
        .as_array()
        .map(|names| names.iter().filter_map(Json::as_str).collect());
    let after = optional(body, "PaginationToken");
    let mut listed = state
        .users
        .iter()
        .filter(|(key, _)| after.is_none_or(|after| key.as_str() > after))
        .filter(|(_, user)| filter.as_ref().is_none_or(|filter| filter.matches(user)));
    let mut page = Vec::new();
    let mut last_key = None;
    for (key, user) in listed.by_ref().take(limit) {
        let mut view = user.view("Attributes");
        if let Some(wanted) = &wanted {
            let attributes: Vec<Json> = user
                .attribute_list()
                .into_iter()
                .filter(|attribute| {
                    attribute["Name"]
                        .as_str()
                        .is_some_and(|name| wanted.contains(&name))
                })
                .collect();
            view["Attributes"] = json!(attributes);
        }
        page.push(view);
        last_key = Some(key.clone());
    }
    let mut answer = json!({"Users": page});
    if listed.next().is_some()
        && let Some(last) = last_key
    {
        answer["PaginationToken"] = json!(last);
    }
    Ok((answer, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_masked_as_cognito_masks_them() {
        assert_eq!(masked("ana@example.com"), "a***@e***");
        assert_eq!(masked("+34600111222"), "+*******1222");
    }

    #[test]
    fn filters_read_equality_and_prefix() {
        let filter = Filter::parse(r#"email ^= "ana""#).unwrap().unwrap();
        assert!(filter.prefix);
        assert_eq!(
            (filter.attribute.as_str(), filter.value.as_str()),
            ("email", "ana")
        );
        let filter = Filter::parse(r#"username = "bob""#).unwrap().unwrap();
        assert!(!filter.prefix);
        assert!(Filter::parse("").unwrap().is_none());
        assert!(Filter::parse("email ana").is_err());
        assert!(Filter::parse(r#"shoe_size = "9""#).is_err());
    }
}
