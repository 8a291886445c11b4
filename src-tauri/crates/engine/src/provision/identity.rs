//! The identity actions: a Cognito user pool (tagged, journaled, removed by teardown with its
//! clients and users), an app client, a user who signs up and is confirmed, and API Gateway
//! authorizers — each found again by its name on a later run.

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, ExplicitAuthFlowsType, PasswordPolicyType, UserPoolPolicyType, UserStatusType,
    UsernameAttributeType, VerifiedAttributeType,
};
use serde_json::json;

use super::{Context, Done, ProvisionError, aws_error, code_of};
use crate::journal::Kind;
use crate::lesson::action::{
    CreateAuthorizer, CreateRestAuthorizer, CreateUserPool, CreateUserPoolClient,
};

/// The pool named `name` in the target's region, if there is one: its id.
async fn find_pool(context: &Context<'_>, name: &str) -> Result<Option<String>, ProvisionError> {
    let cognito = &context.cloud.cognito;
    let mut token: Option<String> = None;
    loop {
        let page = cognito
            .list_user_pools()
            .max_results(60)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|error| aws_error("ListUserPools", error))?;
        if let Some(pool) = page
            .user_pools()
            .iter()
            .find(|pool| pool.name() == Some(name))
        {
            return Ok(pool.id().map(str::to_owned));
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(None);
        }
    }
}

pub(super) async fn create_user_pool(
    context: &Context<'_>,
    action: &CreateUserPool,
    name: &str,
    fill: &(dyn Fn(&str) -> Result<String, ProvisionError> + Sync),
) -> Result<Done, ProvisionError> {
    let cognito = &context.cloud.cognito;
    let mut adopted = None;
    let id = match find_pool(context, name).await? {
        Some(id) => {
            let described = cognito
                .describe_user_pool()
                .user_pool_id(&id)
                .send()
                .await
                .map_err(|error| aws_error("DescribeUserPool", error))?;
            let tags = described.user_pool().and_then(|pool| pool.user_pool_tags());
            if context.made(name, Some(name), tags) {
                context.reclaim(Kind::UserPool, name, &id)?;
            } else {
                adopted = Some(context.adopt(Kind::UserPool, name, &id)?);
            }
            id
        }
        None => {
            let mut request = cognito.create_user_pool().pool_name(name);
            for attribute in &action.username_attributes {
                request = request
                    .username_attributes(UsernameAttributeType::from(fill(attribute)?.as_str()));
            }
            for attribute in &action.auto_verified {
                request = request.auto_verified_attributes(VerifiedAttributeType::from(
                    fill(attribute)?.as_str(),
                ));
            }
            if let Some(length) = action.minimum_password_length {
                request = request.policies(
                    UserPoolPolicyType::builder()
                        .password_policy(
                            PasswordPolicyType::builder().minimum_length(length).build(),
                        )
                        .build(),
                );
            }
            for (key, value) in context.tags() {
                request = request.user_pool_tags(key, value);
            }
            context
                .journaled(Kind::UserPool, name, None, async {
                    let created = request
                        .send()
                        .await
                        .map_err(|error| aws_error("CreateUserPool", error))?;
                    let id = created
                        .user_pool()
                        .and_then(|pool| pool.id())
                        .unwrap_or_default()
                        .to_owned();
                    Ok((id.clone(), Some(id)))
                })
                .await?
        }
    };
    let arn = format!(
        "arn:aws:cognito-idp:{}:{}:userpool/{id}",
        context.cloud.region, context.cloud.account
    );
    Ok(Done {
        summary: format!("user pool {name} is {id}"),
        response: json!({"UserPool": {"Id": id, "Name": name, "Arn": arn}}),
        commands: Vec::new(),
        adopted,
    })
}

pub(super) async fn create_user_pool_client(
    context: &Context<'_>,
    action: &CreateUserPoolClient,
    pool: &str,
    name: &str,
    flows: Vec<String>,
) -> Result<Done, ProvisionError> {
    let cognito = &context.cloud.cognito;
    let listed = cognito
        .list_user_pool_clients()
        .user_pool_id(pool)
        .max_results(60)
        .send()
        .await
        .map_err(|error| aws_error("ListUserPoolClients", error))?;
    let existing = listed
        .user_pool_clients()
        .iter()
        .find(|client| client.client_name() == Some(name))
        .and_then(|client| client.client_id().map(str::to_owned));
    let id = match existing {
        Some(id) => {
            let described = cognito
                .describe_user_pool_client()
                .user_pool_id(pool)
                .client_id(&id)
                .send()
                .await
                .map_err(|error| aws_error("DescribeUserPoolClient", error))?;
            let has: Vec<&str> = described
                .user_pool_client()
                .map(|client| client.explicit_auth_flows())
                .unwrap_or_default()
                .iter()
                .map(ExplicitAuthFlowsType::as_str)
                .collect();
            if let Some(missing) = flows.iter().find(|flow| !has.contains(&flow.as_str())) {
                return Err(ProvisionError::Conflict(format!(
                    "app client {name} exists already without the auth flow {missing}"
                )));
            }
            id
        }
        None => {
            let mut request = cognito
                .create_user_pool_client()
                .user_pool_id(pool)
                .client_name(name)
                .generate_secret(action.generate_secret);
            for flow in &flows {
                request = request.explicit_auth_flows(ExplicitAuthFlowsType::from(flow.as_str()));
            }
            request
                .send()
                .await
                .map_err(|error| aws_error("CreateUserPoolClient", error))?
                .user_pool_client()
                .and_then(|client| client.client_id())
                .unwrap_or_default()
                .to_owned()
        }
    };
    Ok(Done {
        summary: format!("app client {name} of pool {pool} is {id}"),
        response: json!({"UserPoolClient": {"ClientId": id, "ClientName": name, "UserPoolId": pool}}),
        commands: Vec::new(),
        adopted: None,
    })
}

/// Who signs up: the user, through which client of which pool.
pub(super) struct Applicant {
    pub pool: String,
    pub client: String,
    pub username: String,
    pub password: String,
    pub email: Option<String>,
}

pub(super) async fn sign_up(
    context: &Context<'_>,
    applicant: &Applicant,
) -> Result<Done, ProvisionError> {
    let cognito = &context.cloud.cognito;
    let Applicant {
        pool,
        client,
        username,
        ..
    } = applicant;
    let existing = cognito
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await;
    let sub_of = |attributes: &[AttributeType]| {
        attributes
            .iter()
            .find(|attribute| attribute.name() == "sub")
            .and_then(|attribute| attribute.value().map(str::to_owned))
            .unwrap_or_default()
    };
    let sub = match existing {
        Ok(user) if user.user_status() == Some(&UserStatusType::Confirmed) => {
            let sub = sub_of(user.user_attributes());
            return Ok(confirmed(username, &sub));
        }
        Ok(user) => {
            // Signed up on an earlier run and not confirmed yet: a new code.
            cognito
                .resend_confirmation_code()
                .client_id(client)
                .username(username)
                .send()
                .await
                .map_err(|error| aws_error("ResendConfirmationCode", error))?;
            sub_of(user.user_attributes())
        }
        Err(error) if code_of(&error) == Some("UserNotFoundException") => {
            let mut request = cognito
                .sign_up()
                .client_id(client)
                .username(username)
                .password(&applicant.password);
            if let Some(email) = &applicant.email {
                request = request.user_attributes(
                    AttributeType::builder()
                        .name("email")
                        .value(email)
                        .build()
                        .map_err(|error| ProvisionError::Failed(error.to_string()))?,
                );
            }
            request
                .send()
                .await
                .map_err(|error| aws_error("SignUp", error))?
                .user_sub()
                .to_owned()
        }
        Err(error) => return Err(aws_error("AdminGetUser", error)),
    };
    let Some(endpoint) = &context.cloud.endpoint_url else {
        return Err(ProvisionError::Failed(format!(
            "{username} signed up; Cognito sent a confirmation code to {}. Confirm with \
             `aws cognito-idp confirm-sign-up --client-id {client} --username {username} \
             --confirmation-code CODE`, then run this step again.",
            applicant.email.as_deref().unwrap_or("the user's address")
        )));
    };
    let code = mailed_code(endpoint, pool, username, &sub).await?;
    cognito
        .confirm_sign_up()
        .client_id(client)
        .username(username)
        .confirmation_code(&code)
        .send()
        .await
        .map_err(|error| aws_error("ConfirmSignUp", error))?;
    Ok(confirmed(username, &sub))
}

fn confirmed(username: &str, sub: &str) -> Done {
    Done {
        summary: format!("{username} signed up and is confirmed"),
        response: json!({"UserSub": sub, "UserConfirmed": true}),
        commands: Vec::new(),
        adopted: None,
    }
}

/// The latest code the sandbox's mailbox holds for `username` (or the `sub` a pool that signs in
/// by email names its users by) of pool `pool`.
async fn mailed_code(
    endpoint: &str,
    pool: &str,
    username: &str,
    sub: &str,
) -> Result<String, ProvisionError> {
    let url = format!(
        "{}/_sandbox/cognito/mailbox",
        endpoint.trim_end_matches('/')
    );
    let unreadable = |error: &dyn std::fmt::Display| {
        ProvisionError::Failed(format!("reading the sandbox's mailbox ({url}): {error}"))
    };
    let text = reqwest::get(&url)
        .await
        .map_err(|error| unreadable(&error))?
        .text()
        .await
        .map_err(|error| unreadable(&error))?;
    let messages: Vec<serde_json::Value> =
        serde_json::from_str(&text).map_err(|error| unreadable(&error))?;
    messages
        .iter()
        .rev()
        .find(|message| {
            message["poolId"] == pool
                && (message["username"] == username || message["username"] == sub)
        })
        .and_then(|message| message["code"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            ProvisionError::Failed(format!(
                "the sandbox's mailbox has no code for {username} of pool {pool}"
            ))
        })
}

pub(super) async fn create_authorizer(
    context: &Context<'_>,
    action: &CreateAuthorizer,
    api: &str,
    fill: &(dyn Fn(&str) -> Result<String, ProvisionError> + Sync),
) -> Result<Done, ProvisionError> {
    use aws_sdk_apigatewayv2::types::{AuthorizerType, JwtConfiguration};
    let apigw = &context.cloud.apigw;
    let name = fill(&action.name)?;
    let listed = apigw
        .get_authorizers()
        .api_id(api)
        .send()
        .await
        .map_err(|error| aws_error("GetAuthorizers", error))?;
    let existing = listed
        .items()
        .iter()
        .find(|authorizer| authorizer.name() == Some(name.as_str()))
        .and_then(|authorizer| authorizer.authorizer_id().map(str::to_owned));
    let id = match existing {
        Some(id) => id,
        None => {
            let kind = fill(&action.authorizer_type)?;
            let mut request = apigw
                .create_authorizer()
                .api_id(api)
                .name(&name)
                .authorizer_type(AuthorizerType::from(kind.as_str()));
            for source in &action.identity_source {
                request = request.identity_source(fill(source)?);
            }
            if let Some(issuer) = &action.issuer {
                let mut jwt = JwtConfiguration::builder().issuer(fill(issuer)?);
                for audience in &action.audience {
                    jwt = jwt.audience(fill(audience)?);
                }
                request = request.jwt_configuration(jwt.build());
            }
            if let Some(uri) = &action.uri {
                request = request
                    .authorizer_uri(fill(uri)?)
                    .authorizer_payload_format_version(
                        action
                            .payload_format_version
                            .as_deref()
                            .map_or(Ok("2.0".to_owned()), fill)?,
                    )
                    .enable_simple_responses(action.simple_responses);
            }
            request
                .send()
                .await
                .map_err(|error| aws_error("CreateAuthorizer", error))?
                .authorizer_id()
                .unwrap_or_default()
                .to_owned()
        }
    };
    Ok(Done {
        summary: format!("authorizer {name} of API {api} is {id}"),
        response: json!({"AuthorizerId": id, "Name": name}),
        commands: Vec::new(),
        adopted: None,
    })
}

pub(super) async fn create_rest_authorizer(
    context: &Context<'_>,
    action: &CreateRestAuthorizer,
    api: &str,
    fill: &(dyn Fn(&str) -> Result<String, ProvisionError> + Sync),
) -> Result<Done, ProvisionError> {
    use aws_sdk_apigateway::types::AuthorizerType;
    let rest = &context.cloud.rest;
    let name = fill(&action.name)?;
    let listed = rest
        .get_authorizers()
        .rest_api_id(api)
        .send()
        .await
        .map_err(|error| aws_error("GetAuthorizers", error))?;
    let existing = listed
        .items()
        .iter()
        .find(|authorizer| authorizer.name() == Some(name.as_str()))
        .and_then(|authorizer| authorizer.id().map(str::to_owned));
    let id = match existing {
        Some(id) => id,
        None => {
            let kind = fill(&action.authorizer_type)?;
            let mut request = rest
                .create_authorizer()
                .rest_api_id(api)
                .name(&name)
                .r#type(AuthorizerType::from(kind.as_str()))
                .identity_source(fill(&action.identity_source)?)
                .set_authorizer_uri(action.uri.as_deref().map(fill).transpose()?);
            for arn in &action.provider_arns {
                request = request.provider_arns(fill(arn)?);
            }
            request
                .send()
                .await
                .map_err(|error| aws_error("CreateAuthorizer", error))?
                .id()
                .unwrap_or_default()
                .to_owned()
        }
    };
    Ok(Done {
        summary: format!("authorizer {name} of REST API {api} is {id}"),
        response: json!({"id": id, "name": name}),
        commands: Vec::new(),
        adopted: None,
    })
}
