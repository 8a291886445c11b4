//! Signing in (InitiateAuth, AdminInitiateAuth: a username and password, SRP, or a refresh
//! token; RespondToAuthChallenge for SRP's password claim and for a new password after
//! AdminCreateUser), and what takes an access token (GetUser, GlobalSignOut). Tokens are issued
//! here: an ID and an access token per sign-in, with a refresh token that names the same
//! session.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value as Json, json};

use super::users::{check_secret_hash, pool_of_client, user_key};
use super::{Answer, Context, invalid, now_seconds, optional, pool_missing, required};
use crate::cognito::challenges::Challenge;
use crate::cognito::model::{AppClient, Session, User, UserStatus};
use crate::cognito::srp::{self, Verifier};
use crate::cognito::tokens::{self, TOKEN_SECONDS};
use crate::cognito::{PoolState, Pools, error, password, put_user};
use crate::wire::AwsError;

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
        ("USER_SRP_AUTH", _) => {
            if !client.allows("ALLOW_USER_SRP_AUTH") {
                return Err(invalid("USER_SRP_AUTH flow not enabled for this client"));
            }
            srp_start(state, &client, parameters)
        }
        ("CUSTOM_AUTH", _) => Err(invalid(
            "CUSTOM_AUTH needs Lambda triggers, which the sandbox's user pools do not run.",
        )),
        (other, _) => Err(invalid(format!(
            "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH, USER_AUTH]"
        ))),
    }
}

fn missing_parameter(name: &str) -> AwsError {
    invalid(format!("Missing required parameter {name}"))
}

/// A sign-in with a username and a password.
fn password_sign_in(
    context: &Context<'_>,
    state: &mut PoolState,
    client: &AppClient,
    parameters: &Json,
) -> Answer {
    let name = parameters["USERNAME"]
        .as_str()
        .ok_or_else(|| missing_parameter("USERNAME"))?;
    let given = parameters["PASSWORD"]
        .as_str()
        .ok_or_else(|| missing_parameter("PASSWORD"))?;
    check_secret_hash(client, name, parameters["SECRET_HASH"].as_str())?;
    let Some(key) = user_key(state, name) else {
        return Err(unknown_user(client));
    };
    let pool_id = state.pool.id.clone();
    let user = state.users.get_mut(&key).ok_or_else(wrong_password)?;
    if !password::matches(&user.password_hash, given) {
        return Err(wrong_password());
    }
    // A password set before SRP verifiers were kept gets one now, while it is at hand.
    let completed = user.srp.is_none();
    if completed {
        user.keep_verifier(&pool_id, given);
    }
    let (answer, mut mutations) = password_proven(context, state, key.clone(), client)?;
    if completed
        && mutations.is_empty()
        && let Some(user) = state.users.get(&key)
    {
        mutations.push(put_user(context.scope, &pool_id, &key, user));
    }
    Ok((answer, mutations))
}

/// How a sign-in as a user who does not exist is refused: as a wrong password when the client
/// prevents user existence errors.
fn unknown_user(client: &AppClient) -> AwsError {
    if client.prevent_user_existence_errors == "ENABLED" {
        wrong_password()
    } else {
        error("UserNotFoundException", "User does not exist.")
    }
}

/// What follows a proven password: refused for a disabled or unconfirmed user, a new password
/// asked for after a temporary one, else the session's tokens.
fn password_proven(
    context: &Context<'_>,
    state: &mut PoolState,
    key: String,
    client: &AppClient,
) -> Answer {
    let pool_id = state.pool.id.clone();
    let user = state.users.get_mut(&key).ok_or_else(wrong_password)?;
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
            let attributes: serde_json::Map<String, Json> = user
                .attributes
                .iter()
                .filter(|(name, _)| !name.ends_with("_verified"))
                .map(|(name, value)| (name.clone(), json!(value)))
                .collect();
            let answer = json!({
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session,
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": "[]",
                    "userAttributes": Json::Object(attributes).to_string(),
                },
            });
            state
                .challenges
                .open(session, Challenge::NewPassword { user: key });
            Ok((answer, Vec::new()))
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

/// The first step of an SRP sign-in: the client's `SRP_A` answered with the user's salt, the
/// server's `SRP_B` and a secret block the claim must sign.
fn srp_start(state: &mut PoolState, client: &AppClient, parameters: &Json) -> Answer {
    let name = parameters["USERNAME"]
        .as_str()
        .ok_or_else(|| missing_parameter("USERNAME"))?;
    let client_public = parameters["SRP_A"]
        .as_str()
        .ok_or_else(|| missing_parameter("SRP_A"))?;
    check_secret_hash(client, name, parameters["SECRET_HASH"].as_str())?;
    let (user, user_id, verifier) = match user_key(state, name) {
        Some(key) => {
            let user = state.users.get(&key).ok_or_else(wrong_password)?;
            let verifier = user.srp.clone().ok_or_else(|| {
                invalid(
                    "This user's password was set before the sandbox kept SRP verifiers: sign \
                     in once with USER_PASSWORD_AUTH, or set the password again.",
                )
            })?;
            (Some(key), user.username.clone(), verifier)
        }
        // The sign-in goes on against a verifier no password matches, so the claim fails
        // as a wrong password would.
        None if client.prevent_user_existence_errors == "ENABLED" => {
            (None, name.to_owned(), Verifier::decoy())
        }
        None => return Err(unknown_user(client)),
    };
    let exchange = verifier
        .start(client_public)
        .map_err(|failure| invalid(format!("SRP_A is invalid: {failure}.")))?;
    let secret_block = STANDARD.encode(tokens::random_bytes(512));
    let answer = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": verifier.salt,
            "SECRET_BLOCK": secret_block,
            "SRP_B": exchange.server_public_hex(),
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        },
    });
    state.challenges.open(
        secret_block,
        Challenge::PasswordVerifier {
            user,
            user_id,
            verifier,
            exchange,
        },
    );
    Ok((answer, Vec::new()))
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
    let responses = &body["ChallengeResponses"];
    match challenge {
        "NEW_PASSWORD_REQUIRED" => new_password(context, state, &client, body),
        "PASSWORD_VERIFIER" => password_claim(context, state, &client, responses),
        other => Err(invalid(format!(
            "The sandbox answers the PASSWORD_VERIFIER and NEW_PASSWORD_REQUIRED challenges, not \
             {other}."
        ))),
    }
}

/// The answer to `PASSWORD_VERIFIER`: the client's signature over the secret block and its
/// timestamp, made with the key only the right password gives.
fn password_claim(
    context: &Context<'_>,
    state: &mut PoolState,
    client: &AppClient,
    responses: &Json,
) -> Answer {
    let response = |name: &str| {
        responses[name]
            .as_str()
            .ok_or_else(|| missing_parameter(name))
    };
    let name = response("USERNAME")?;
    let secret_block = response("PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = response("PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = response("TIMESTAMP")?;
    check_secret_hash(client, name, responses["SECRET_HASH"].as_str())?;
    if !srp::is_timestamp(timestamp) {
        return Err(invalid(format!(
            "TIMESTAMP '{timestamp}' is not in the form 'ddd MMM d HH:mm:ss UTC yyyy'."
        )));
    }
    let Some(Challenge::PasswordVerifier {
        user,
        user_id,
        verifier,
        exchange,
    }) = state.challenges.close(secret_block)
    else {
        return Err(error(
            "NotAuthorizedException",
            "Invalid session for the user.",
        ));
    };
    let block = STANDARD
        .decode(secret_block)
        .map_err(|_| error("NotAuthorizedException", "Invalid session for the user."))?;
    let pool_name = srp::pool_name(&state.pool.id).to_owned();
    verifier
        .check(
            &exchange, &pool_name, &user_id, &block, timestamp, signature,
        )
        .map_err(|_| wrong_password())?;
    let key = user.ok_or_else(wrong_password)?;
    password_proven(context, state, key, client)
}

/// The answer to `NEW_PASSWORD_REQUIRED`: the password that replaces a temporary one.
fn new_password(
    context: &Context<'_>,
    state: &mut PoolState,
    client: &AppClient,
    body: &Json,
) -> Answer {
    let responses = &body["ChallengeResponses"];
    let new_password = responses["NEW_PASSWORD"]
        .as_str()
        .ok_or_else(|| missing_parameter("NEW_PASSWORD"))?;
    let session = optional(body, "Session").unwrap_or_default();
    let Some(Challenge::NewPassword { user: key }) = state.challenges.get(session).cloned() else {
        return Err(error(
            "NotAuthorizedException",
            "Invalid session for the user.",
        ));
    };
    let name = responses["USERNAME"].as_str().unwrap_or_default();
    check_secret_hash(client, name, responses["SECRET_HASH"].as_str())?;
    if let Some(why) = password::violation(&state.pool.policy, new_password) {
        return Err(error("InvalidPasswordException", why));
    }
    let hash = password::hash(new_password)
        .map_err(|failure| error("InternalErrorException", failure.to_string()))?;
    state.challenges.close(session);
    let pool_id = state.pool.id.clone();
    let user = state
        .users
        .get_mut(&key)
        .ok_or_else(|| error("UserNotFoundException", "User does not exist."))?;
    user.set_password(&pool_id, hash, new_password);
    user.status = UserStatus::Confirmed;
    user.temporary_until = None;
    user.modified = now_seconds();
    let result = sign_in(context, &pool_id, &state.signer, user, client)?;
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
