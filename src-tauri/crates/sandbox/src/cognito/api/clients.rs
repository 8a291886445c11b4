//! CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients, DeleteUserPoolClient.

use serde_json::{Value as Json, json};

use super::{Answer, Context, client_missing, invalid, now_seconds, pool_missing, required};
use crate::cognito::model::AppClient;
use crate::cognito::{Pools, put_pool};

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

pub fn create(context: &Context<'_>, pools: &mut Pools, body: &Json) -> Answer {
    let pool_id = required(body, "UserPoolId")?;
    let name = required(body, "ClientName")?;
    if name.is_empty() || name.chars().count() > 128 {
        return Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'clientName' failed to satisfy constraint: Member must have length less than or equal to 128"
        )));
    }
    let state = pools
        .get_mut(pool_id)
        .ok_or_else(|| pool_missing(pool_id))?;
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
        // A client created without flows gets Cognito's defaults.
        flows = [
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_CUSTOM_AUTH",
        ]
        .map(str::to_owned)
        .to_vec();
    }
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
        auth_flows: flows,
        refresh_days: body["RefreshTokenValidity"]
            .as_u64()
            .map_or(30, |days| days as u32),
        prevent_user_existence_errors: body["PreventUserExistenceErrors"]
            .as_str()
            .unwrap_or("ENABLED")
            .to_owned(),
    };
    let view = client.view(pool_id);
    state.pool.clients.insert(id, client);
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
