//! Signing a user of a Cognito pool in, so the composer can send requests with the user's
//! token: with a password where the app client allows `USER_PASSWORD_AUTH`, else over SRP as a
//! browser does.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, ExplicitAuthFlowsType,
};
use lab_contract::{ErrorCode, ErrorDto, SignInRequest, SignInView};
use lab_sandbox::cognito::srp;
use tauri::AppHandle;

use crate::state::AppState;

/// Cognito's refusal, in its words.
fn refused<E: ProvideErrorMetadata>(operation: &str, error: &E) -> ErrorDto {
    ErrorDto::new(
        ErrorCode::AwsError,
        format!(
            "{operation}: {}: {}",
            error.code().unwrap_or("failed"),
            error.message().unwrap_or("no message")
        ),
    )
}

/// Signs `request`'s user in through its app client and answers the tokens.
#[tauri::command]
pub async fn sign_in_user(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    request: SignInRequest,
) -> Result<SignInView, ErrorDto> {
    let session = state.session(&app).await?;
    let cognito = &session.cloud.cognito;
    let described = cognito
        .describe_user_pool_client()
        .user_pool_id(&request.pool_id)
        .client_id(&request.client_id)
        .send()
        .await
        .map_err(|error| refused("DescribeUserPoolClient", &error))?;
    let client = described.user_pool_client();
    if client.and_then(|client| client.client_secret()).is_some() {
        return Err(ErrorDto::new(
            ErrorCode::InvalidInput,
            "This app client has a secret: sign in through a client without one (as web pages do).",
        ));
    }
    let flows = client
        .map(|client| client.explicit_auth_flows())
        .unwrap_or_default();
    let (result, flow) = if flows.contains(&ExplicitAuthFlowsType::AllowUserPasswordAuth) {
        let answer = cognito
            .initiate_auth()
            .client_id(&request.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", &request.username)
            .auth_parameters("PASSWORD", &request.password)
            .send()
            .await
            .map_err(|error| refused("InitiateAuth", &error))?;
        (answer.authentication_result, "USER_PASSWORD_AUTH")
    } else if flows.contains(&ExplicitAuthFlowsType::AllowUserSrpAuth) {
        (sign_in_with_srp(cognito, &request).await?, "USER_SRP_AUTH")
    } else {
        return Err(ErrorDto::new(
            ErrorCode::InvalidInput,
            "The app client allows neither USER_PASSWORD_AUTH nor USER_SRP_AUTH.",
        ));
    };
    let Some(AuthenticationResultType {
        id_token: Some(id_token),
        access_token: Some(access_token),
        expires_in,
        ..
    }) = result
    else {
        return Err(ErrorDto::new(
            ErrorCode::InvalidInput,
            "Cognito asked for a challenge (a new password, MFA) before giving tokens: sign the \
             user in once from the lesson or the CLI to answer it.",
        ));
    };
    Ok(SignInView {
        id_token,
        access_token,
        expires_in,
        flow: flow.to_owned(),
    })
}

/// `USER_SRP_AUTH`, then the `PASSWORD_VERIFIER` challenge answered with the password's proof.
async fn sign_in_with_srp(
    cognito: &aws_sdk_cognitoidentityprovider::Client,
    request: &SignInRequest,
) -> Result<Option<AuthenticationResultType>, ErrorDto> {
    let client = srp::Client::new();
    let started = cognito
        .initiate_auth()
        .client_id(&request.client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", &request.username)
        .auth_parameters("SRP_A", client.public_hex())
        .send()
        .await
        .map_err(|error| refused("InitiateAuth", &error))?;
    let parameters = started.challenge_parameters().cloned().unwrap_or_default();
    let parameter = |name: &str| parameters.get(name).map(String::as_str).unwrap_or_default();
    let timestamp = srp::timestamp_now();
    let challenge = srp::Challenge {
        pool_name: srp::pool_name(&request.pool_id),
        user_id: parameter("USER_ID_FOR_SRP"),
        salt: parameter("SALT"),
        server_public: parameter("SRP_B"),
        secret_block: parameter("SECRET_BLOCK"),
        timestamp: &timestamp,
    };
    let signature = client
        .sign(&challenge, &request.password)
        .map_err(|error| ErrorDto::new(ErrorCode::AwsError, format!("SRP: {error}")))?;
    let answered = cognito
        .respond_to_auth_challenge()
        .client_id(&request.client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", parameter("USERNAME"))
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", parameter("SECRET_BLOCK"))
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
        .challenge_responses("TIMESTAMP", &timestamp)
        .send()
        .await
        .map_err(|error| refused("RespondToAuthChallenge", &error))?;
    Ok(answered.authentication_result)
}
