//! CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient, ListUserPoolClients,
//! DeleteUserPoolClient.

use serde_json::{Value as Json, json};

use super::{Answer, Context, client_missing, invalid, now_seconds, pool_missing, required};
use crate::cognito::model::AppClient;
use crate::cognito::{Pools, put_pool};
use crate::wire::AwsError;

/// The auth flows a client may allow.
const FLOWS: [&str; 5] = [
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
];

/// The older names of the flows, which Cognito still takes.
const LEGACY_FLOWS: [(&str, &str); 3] = [
    ("ADMIN_NO_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"),
    ("CUSTOM_AUTH_FLOW_ONLY", "ALLOW_CUSTOM_AUTH"),
    ("USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH"),
];

const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const SECRET_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// What CreateUserPoolClient and UpdateUserPoolClient both set: an update replaces each of
/// them, with Cognito's default for one it leaves out.
struct Settings {
    auth_flows: Vec<String>,
    refresh_days: u32,
    prevent_user_existence_errors: String,
}

impl Settings {
    fn read(body: &Json) -> Result<Self, AwsError> {
        let mut flows = Vec::new();
        for flow in body["ExplicitAuthFlows"].as_array().into_iter().flatten() {
            let Some(flow) = flow.as_str() else { continue };
            let flow = LEGACY_FLOWS
                .iter()
                .find(|(legacy, _)| *legacy == flow)
                .map_or(flow, |(_, current)| current);
            if !FLOWS.contains(&flow) {
                return Err(invalid(format!(
                    "1 validation error detected: Value '[{flow}]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy enum value set: [ADMIN_NO_SRP_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH, USER_PASSWORD_AUTH, ALLOW_CUSTOM_AUTH, ALLOW_USER_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]"
                )));
            }
            if !flows.iter().any(|known: &String| known == flow) {
                flows.push(flow.to_owned());
            }
        }
        if flows.is_empty() {
            // A client without flows gets Cognito's defaults.
            flows = [
                "ALLOW_REFRESH_TOKEN_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_CUSTOM_AUTH",
            ]
            .map(str::to_owned)
            .to_vec();
        }
        let prevent = body["PreventUserExistenceErrors"]
            .as_str()
            .unwrap_or("ENABLED");
        if !["ENABLED", "LEGACY"].contains(&prevent) {
            return Err(invalid(format!(
                "1 validation error detected: Value '{prevent}' at 'preventUserExistenceErrors' failed to satisfy constraint: Member must satisfy enum value set: [LEGACY, ENABLED]"
            )));
        }
        Ok(Self {
            auth_flows: flows,
            refresh_days: body["RefreshTokenValidity"]
                .as_u64()
                .map_or(30, |days| days.clamp(1, 3650) as u32),
            prevent_user_existence_errors: prevent.to_owned(),
        })
    }
}

/// The client name a request gives, checked.
fn client_name(body: &Json) -> Result<&str, AwsError> {
    let name = required(body, "ClientName")?;
    if name.is_empty() || name.chars().count() > 128 {
        return Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'clientName' failed to satisfy constraint: Member must have length less than or equal to 128"
        )));
    }
    Ok(name)
}

pub fn create(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let pool_id = required(body, "UserPoolId")?;
    let name = client_name(body)?;
    let state = pools
        .get_mut(pool_id)
        .ok_or_else(|| pool_missing(pool_id))?;
    let settings = Settings::read(body)?;
    let id = loop {
        let id = crate::random::text(26, ID_ALPHABET);
        if !state.pool.clients.contains_key(&id) {
            break id;
        }
    };
    let now = now_seconds();
    let client = AppClient {
        id: id.clone(),
        name: name.to_owned(),
        secret: body["GenerateSecret"]
            .as_bool()
            .unwrap_or(false)
            .then(|| crate::random::text(51, SECRET_ALPHABET)),
        created: now,
        modified: now,
        auth_flows: settings.auth_flows,
        refresh_days: settings.refresh_days,
        prevent_user_existence_errors: settings.prevent_user_existence_errors,
    };
    let view = client.view(pool_id);
    state.pool.clients.insert(id, client);
    let mutation = put_pool(context.scope, &state.pool);
    Ok((json!({"UserPoolClient": view}), vec![mutation]))
}

/// UpdateUserPoolClient: the client's name (when given), flows, refresh token validity and
/// existence-error setting replaced; its id and secret stay.
pub fn update(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let pool_id = required(body, "UserPoolId")?;
    let client_id = required(body, "ClientId")?;
    let name = match body.get("ClientName") {
        Some(_) => Some(client_name(body)?),
        None => None,
    };
    let settings = Settings::read(body)?;
    let state = pools
        .get_mut(pool_id)
        .ok_or_else(|| pool_missing(pool_id))?;
    let client = state
        .pool
        .clients
        .get_mut(client_id)
        .ok_or_else(|| client_missing(client_id))?;
    if let Some(name) = name {
        name.clone_into(&mut client.name);
    }
    client.auth_flows = settings.auth_flows;
    client.refresh_days = settings.refresh_days;
    client.prevent_user_existence_errors = settings.prevent_user_existence_errors;
    client.modified = now_seconds();
    let view = client.view(pool_id);
    let mutation = put_pool(context.scope, &state.pool);
    Ok((json!({"UserPoolClient": view}), vec![mutation]))
}

pub fn describe(pools: &Pools, body: &Json) -> Answer {
    let pool_id = required(body, "UserPoolId")?;
    let client_id = required(body, "ClientId")?;
    let state = pools.get(pool_id).ok_or_else(|| pool_missing(pool_id))?;
    let client = state
        .pool
        .clients
        .get(client_id)
        .ok_or_else(|| client_missing(client_id))?;
    Ok((json!({"UserPoolClient": client.view(pool_id)}), Vec::new()))
}

pub fn list(pools: &Pools, body: &Json) -> Answer {
    let pool_id = required(body, "UserPoolId")?;
    let state = pools.get(pool_id).ok_or_else(|| pool_missing(pool_id))?;
    let max = body["MaxResults"].as_u64().unwrap_or(60).clamp(1, 60) as usize;
    let after = body["NextToken"].as_str();
    let mut listed = state
        .pool
        .clients
        .values()
        .filter(|client| after.is_none_or(|after| client.id.as_str() > after))
        .map(|client| {
            json!({"ClientId": client.id, "UserPoolId": pool_id, "ClientName": client.name})
        });
    let page: Vec<Json> = listed.by_ref().take(max).collect();
    let mut answer = json!({"UserPoolClients": page});
    if listed.next().is_some()
        && let Some(last) = page.last()
    {
        answer["NextToken"] = last["ClientId"].clone();
    }
    Ok((answer, Vec::new()))
}

pub fn delete(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let pool_id = required(body, "UserPoolId")?;
    let client_id = required(body, "ClientId")?;
    let state = pools
        .get_mut(pool_id)
        .ok_or_else(|| pool_missing(pool_id))?;
    state
        .pool
        .clients
        .remove(client_id)
        .ok_or_else(|| client_missing(client_id))?;
    Ok((json!({}), vec![put_pool(context.scope, &state.pool)]))
}
