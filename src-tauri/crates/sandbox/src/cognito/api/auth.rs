//! Signing in (InitiateAuth, AdminInitiateAuth: a username and password, or a refresh token;
//! RespondToAuthChallenge for a new password after AdminCreateUser), and what takes an access
//! token (GetUser, GlobalSignOut). Tokens are issued here: an ID and an access token per sign-in,
//! with a refresh token that names the same session.

use serde_json::{Value as Json, json};

use super::users::{check_secret_hash, pool_of_client, user_key};
use super::{Answer, Context, invalid, now_seconds, optional, pool_missing, required};
use crate::cognito::model::{AppClient, Session, User, UserStatus};
use crate::cognito::tokens::{self, TOKEN_SECONDS};
use crate::cognito::{PoolState, Pools, error, password, put_user};
use crate::wire::AwsError;

/// How long a challenge's session lasts: 3 minutes.
const CHALLENGE_MILLIS: i64 = 3 * 60 * 1000;

fn wrong_password() -> AwsError {
    error("NotAuthorizedException", "Incorrect username or password.")
}

pub fn initiate(context: &Context<'_>, pools: &mut Pools, body: &Json, admin: bool) -> Answer {
    let flow = required(body, "AuthFlow")?;
    let client_id = required(body, "ClientId")?;
    let parameters = &body["AuthParameters"];
    let (state, client) = if admin {
        let pool_id = required(body, "UserPoolId")?;
        let state = pools
            .get_mut(pool_id)
            .ok_or_else(|| pool_missing(pool_id))?;
        let client = state
            .pool
            .clients
            .get(client_id)
            .cloned()
            .ok_or_else(|| super::client_missing(client_id))?;
        (state, client)
    } else {
        pool_of_client(pools, client_id)?
    };
    match (flow, admin) {
        ("USER_PASSWORD_AUTH", false) => {
            if !client.allows("ALLOW_USER_PASSWORD_AUTH") {
                return Err(invalid(
                    "USER_PASSWORD_AUTH flow not enabled for this client",
                ));
            }
            password_sign_in(context, state, &client, parameters)
        }
        ("ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH", true) => {
            if !client.allows("ALLOW_ADMIN_USER_PASSWORD_AUTH") {
                return Err(invalid("Auth flow not enabled for this client"));
            }
            password_sign_in(context, state, &client, parameters)
        }
        ("REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN", _) => {
            if !client.allows("ALLOW_REFRESH_TOKEN_AUTH") {
                return Err(invalid("Refresh Token flow not enabled for this client"));
            }
            refresh(context, state, &client, parameters)
        }
        ("USER_SRP_AUTH", _) => Err(invalid(
            "USER_SRP_AUTH is not served by the sandbox yet: sign in with USER_PASSWORD_AUTH \
             (allow ALLOW_USER_PASSWORD_AUTH on the app client).",
        )),
        ("CUSTOM_AUTH", _) => Err(invalid(
            "CUSTOM_AUTH needs Lambda triggers, which the sandbox's user pools do not run.",
        )),
        (other, _) => Err(invalid(format!(
            "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH, USER_AUTH]"
        ))),
    }
}

/// A sign-in with a username and a password.
fn password_sign_in(
    context: &Context<'_>,
    state: &mut PoolState,
    client: &AppClient,
    parameters: &Json,
) -> Answer {
    let missing = |name: &str| invalid(format!("Missing required parameter {name}"));
    let name = parameters["USERNAME"]
        .as_str()
        .ok_or_else(|| missing("USERNAME"))?;
    let given = parameters["PASSWORD"]
        .as_str()
        .ok_or_else(|| missing("PASSWORD"))?;
    check_secret_hash(client, name, parameters["SECRET_HASH"].as_str())?;
    let Some(key) = user_key(state, name) else {
        return Err(if client.prevent_user_existence_errors == "ENABLED" {
            wrong_password()
        } else {
            error("UserNotFoundException", "User does not exist.")
        });
    };
    let pool_id = state.pool.id.clone();
    let user = state.users.get_mut(&key).ok_or_else(wrong_password)?;
    if !password::matches(&user.password_hash, given) {
        return Err(wrong_password());
    }
    if !user.enabled {
        return Err(error("NotAuthorizedException", "User is disabled."));
    }
    match user.status {
        UserStatus::Unconfirmed => {
            Err(error("UserNotConfirmedException", "User is not confirmed."))
        }
        UserStatus::ForceChangePassword => {
            if user
                .temporary_until
                .is_some_and(|until| until < crate::clock::now_millis())
            {
                return Err(error(
                    "NotAuthorizedException",
                    "Temporary password has expired and must be reset by an administrator.",
                ));
            }
            let session = tokens::opaque(96);
            // Sessions nobody answered expire here, so they never pile up.
            let now = crate::clock::now_millis();
            state.challenges.retain(|_, (_, expires)| *expires >= now);
            state.challenges.insert(
                session.clone(),
                (key, crate::clock::now_millis() + CHALLENGE_MILLIS),
            );
            let attributes: serde_json::Map<String, Json> = user
                .attributes
                .iter()
                .filter(|(name, _)| !name.ends_with("_verified"))
                .map(|(name, value)| (name.clone(), json!(value)))
                .collect();
            Ok((
                json!({
                    "ChallengeName": "NEW_PASSWORD_REQUIRED",
                    "Session": session,
                    "ChallengeParameters": {
                        "USER_ID_FOR_SRP": user.username,
                        "requiredAttributes": "[]",
                        "userAttributes": Json::Object(attributes).to_string(),
                    },
                }),
                Vec::new(),
            ))
        }
        UserStatus::Confirmed => {
            let result = sign_in(context, &pool_id, &state.signer, user, client)?;
            let mutation = put_user(context.scope, &pool_id, &key, user);
            Ok((
                json!({"ChallengeParameters": {}, "AuthenticationResult": result}),
                vec![mutation],
            ))
        }
    }
}

/// A sign-in with a refresh token: new ID and access tokens for the same session.
fn refresh(
    context: &Context<'_>,
    state: &mut PoolState,
    client: &AppClient,
    parameters: &Json,
) -> Answer {
    let token = parameters["REFRESH_TOKEN"]
        .as_str()
        .ok_or_else(|| invalid("Missing required parameter REFRESH_TOKEN"))?;
    let invalid_token = || error("NotAuthorizedException", "Invalid Refresh Token");
    let digest = tokens::digest(token);
    let now = crate::clock::now_millis();
    let pool_id = state.pool.id.clone();
    let user = state
        .users
        .values()
        .find(|user| {
            user.sessions
                .iter()
                .any(|session| session.refresh_hash == digest && session.client_id == client.id)
        })
        .ok_or_else(invalid_token)?;
    if client.secret.is_some() {
        let name = parameters["USERNAME"].as_str().unwrap_or(&user.username);
        check_secret_hash(client, name, parameters["SECRET_HASH"].as_str())?;
    }
    let session = user
        .sessions
        .iter()
        .find(|session| session.refresh_hash == digest)
        .ok_or_else(invalid_token)?;
    if session.refresh_expires < now {
        return Err(error("NotAuthorizedException", "Refresh Token has expired"));
    }
    if !user.enabled {
        return Err(error("NotAuthorizedException", "User is disabled."));
    }
    let issuer = (context.issuer)(&pool_id);
    let (id_token, access_token) = mint(
        &issuer,
        &state.signer,
        user,
        client,
        &session.id,
        session.auth_time,
    )?;
    Ok((
        json!({
            "ChallengeParameters": {},
            "AuthenticationResult": {
                "AccessToken": access_token,
                "ExpiresIn": TOKEN_SECONDS,
                "TokenType": "Bearer",
                "IdToken": id_token,
            },
        }),
        Vec::new(),
    ))
}

/// Starts a session for `user` through `client`: its tokens, the refresh token among them.
fn sign_in(
    context: &Context<'_>,
    pool_id: &str,
    signer: &tokens::Signer,
    user: &mut User,
    client: &AppClient,
) -> Result<Json, AwsError> {
    let session_id = uuid::Uuid::new_v4().to_string();
    let auth_time = crate::clock::now_millis() / 1000;
    let issuer = (context.issuer)(pool_id);
    let (id_token, access_token) = mint(&issuer, signer, user, client, &session_id, auth_time)?;
    let refresh_token = tokens::opaque(384);
    user.add_session(Session {
        id: session_id,
        client_id: client.id.clone(),
        refresh_hash: tokens::digest(&refresh_token),
        refresh_expires: crate::clock::now_millis()
            + i64::from(client.refresh_days) * 24 * 3600 * 1000,
        auth_time,
    });
    Ok(json!({
        "AccessToken": access_token,
        "ExpiresIn": TOKEN_SECONDS,
        "TokenType": "Bearer",
        "RefreshToken": refresh_token,
        "IdToken": id_token,
    }))
}

/// An ID token and an access token for `user`'s session `session_id`.
fn mint(
    issuer: &str,
    signer: &tokens::Signer,
    user: &User,
    client: &AppClient,
    session_id: &str,
    auth_time: i64,
) -> Result<(String, String), AwsError> {
    let now = crate::clock::now_millis() / 1000;
    let event_id = uuid::Uuid::new_v4().to_string();
    let mut id_claims = serde_json::Map::new();
    for (name, value) in &user.attributes {
        // Cognito's ID tokens carry `email_verified` as a boolean.
        let value = if name.ends_with("_verified") {
            json!(value == "true")
        } else {
            json!(value)
        };
        id_claims.insert(name.clone(), value);
    }
    let standard = json!({
        "sub": user.sub,
        "iss": issuer,
        "cognito:username": user.username,
        "origin_jti": session_id,
        "aud": client.id,
        "event_id": event_id,
        "token_use": "id",
        "auth_time": auth_time,
        "exp": now + TOKEN_SECONDS,
        "iat": now,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    if let Json::Object(standard) = standard {
        id_claims.extend(standard);
    }
    let access_claims = json!({
        "sub": user.sub,
        "iss": issuer,
        "client_id": client.id,
        "origin_jti": session_id,
        "event_id": event_id,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": auth_time,
        "exp": now + TOKEN_SECONDS,
        "iat": now,
        "jti": uuid::Uuid::new_v4().to_string(),
        "username": user.username,
    });
    let failed = |failure: tokens::KeyError| error("InternalErrorException", failure.to_string());
    Ok((
        signer.sign(&Json::Object(id_claims)).map_err(failed)?,
        signer.sign(&access_claims).map_err(failed)?,
    ))
}

pub fn respond(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let client_id = required(body, "ClientId")?;
    let challenge = required(body, "ChallengeName")?;
    let (state, client) = pool_of_client(pools, client_id)?;
    if challenge != "NEW_PASSWORD_REQUIRED" {
        return Err(invalid(format!(
            "The sandbox answers the NEW_PASSWORD_REQUIRED challenge only, not {challenge}."
        )));
    }
    let responses = &body["ChallengeResponses"];
    let new_password = responses["NEW_PASSWORD"]
        .as_str()
        .ok_or_else(|| invalid("Missing required parameter NEW_PASSWORD"))?;
    let session = optional(body, "Session").unwrap_or_default();
    let now = crate::clock::now_millis();
    state.challenges.retain(|_, (_, expires)| *expires >= now);
    let Some((key, _)) = state.challenges.get(session).cloned() else {
        return Err(error(
            "NotAuthorizedException",
            "Invalid session for the user.",
        ));
    };
    let name = responses["USERNAME"].as_str().unwrap_or_default();
    check_secret_hash(&client, name, responses["SECRET_HASH"].as_str())?;
    if let Some(why) = password::violation(&state.pool.policy, new_password) {
        return Err(error("InvalidPasswordException", why));
    }
    let hash = password::hash(new_password)
        .map_err(|failure| error("InternalErrorException", failure.to_string()))?;
    state.challenges.remove(session);
    let pool_id = state.pool.id.clone();
    let user = state
        .users
        .get_mut(&key)
        .ok_or_else(|| error("UserNotFoundException", "User does not exist."))?;
    user.password_hash = hash;
    user.status = UserStatus::Confirmed;
    user.temporary_until = None;
    user.modified = now_seconds();
    let result = sign_in(context, &pool_id, &state.signer, user, &client)?;
    let mutation = put_user(context.scope, &pool_id, &key, user);
    Ok((
        json!({"ChallengeParameters": {}, "AuthenticationResult": result}),
        vec![mutation],
    ))
}

/// The user an access token belongs to, once the token is checked: this pool's signature, an
/// access token, not expired, its session not signed out.
fn token_user<'a>(
    pools: &'a mut Pools,
    body: &Json,
) -> Result<(String, String, &'a mut User), AwsError> {
    let token = required(body, "AccessToken")?;
    let invalid_token = || error("NotAuthorizedException", "Invalid Access Token");
    let pool_id = tokens::peek(token)
        .and_then(|claims| Some(claims["iss"].as_str()?.rsplit('/').next()?.to_owned()))
        .ok_or_else(invalid_token)?;
    let state = pools.get_mut(&pool_id).ok_or_else(invalid_token)?;
    let claims = state.signer.verify(token).ok_or_else(invalid_token)?;
    if claims["token_use"] != "access" {
        return Err(invalid_token());
    }
    if claims["exp"]
        .as_i64()
        .is_none_or(|exp| exp <= crate::clock::now_millis() / 1000)
    {
        return Err(error("NotAuthorizedException", "Access Token has expired"));
    }
    let username = claims["username"].as_str().unwrap_or_default();
    let key = user_key(state, username)
        .ok_or_else(|| error("UserNotFoundException", "User does not exist."))?;
    let user = state.users.get_mut(&key).ok_or_else(invalid_token)?;
    let session = claims["origin_jti"].as_str().unwrap_or_default();
    if !user.sessions.iter().any(|live| live.id == session) {
        return Err(error(
            "NotAuthorizedException",
            "Access Token has been revoked",
        ));
    }
    Ok((pool_id, key, user))
}

pub fn get_user(pools: &mut Pools, body: &Json) -> Answer {
    let (_, _, user) = token_user(pools, body)?;
    Ok((
        json!({"Username": user.username, "UserAttributes": user.attribute_list()}),
        Vec::new(),
    ))
}

pub fn sign_out(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let (pool_id, key, user) = token_user(pools, body)?;
    user.sessions.clear();
    Ok((
        json!({}),
        vec![put_user(context.scope, &pool_id, &key, user)],
    ))
}
