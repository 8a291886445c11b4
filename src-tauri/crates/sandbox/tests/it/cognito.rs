//! Cognito user pools through the real SDK client: a pool and its app client, a user who signs
//! up, reads the code from the sandbox's mailbox, confirms and signs in; tokens checked by an
//! independent JWT library against the pool's JWKS; refresh, sign-out, administrators' users
//! with a new-password challenge; AWS's errors on the way; pools and users surviving a restart.

use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, PasswordPolicyType,
    UserPoolPolicyType, UsernameAttributeType, VerifiedAttributeType,
};
use lab_testkit::sandbox_client;

use crate::fixture::Sandbox;

fn client(sandbox: &Sandbox) -> cognito::Client {
    sandbox_client!(aws_sdk_cognitoidentityprovider, sandbox.running.endpoint())
}

/// A pool whose users sign in with their email, verified by a code, and an app client that
/// signs in with a password.
async fn pool_and_client(cognito: &cognito::Client) -> (String, String) {
    let pool = cognito
        .create_user_pool()
        .pool_name("chat-users")
        .username_attributes(UsernameAttributeType::Email)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(8)
                        .require_numbers(true)
                        .require_uppercase(true)
                        .require_lowercase(true)
                        .require_symbols(false)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let pool_id = pool.id.unwrap();
    assert!(pool_id.starts_with("us-east-1_"), "{pool_id}");
    assert_eq!(
        pool.arn.as_deref(),
        Some(format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool_id}").as_str())
    );
    let app = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(app.client_secret, None);
    (pool_id, app.client_id.unwrap())
}

/// The last code the sandbox's mailbox holds for `destination`.
async fn code_for(sandbox: &Sandbox, destination: &str) -> String {
    let url = format!("{}/_sandbox/cognito/mailbox", sandbox.running.endpoint());
    let messages = crate::client::send("GET", &url, &[], "").await.json();
    messages
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|message| message["destination"] == destination)
        .and_then(|message| message["code"].as_str())
        .unwrap_or_else(|| panic!("no message to {destination}: {messages}"))
        .to_owned()
}

async fn sign_in(
    cognito: &cognito::Client,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<cognito::operation::initiate_auth::InitiateAuthOutput, cognito::Error> {
    cognito
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(cognito::Error::from)
}

/// The error an operation that had to fail failed with.
fn refused<T, E, R>(result: Result<T, cognito::error::SdkError<E, R>>) -> cognito::Error
where
    cognito::Error: From<cognito::error::SdkError<E, R>>,
{
    match result {
        Ok(_) => panic!("the operation succeeded"),
        Err(error) => cognito::Error::from(error),
    }
}

fn code_of(error: &cognito::Error) -> (&str, &str) {
    (
        error.code().unwrap_or_default(),
        error.message().unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_up_confirms_with_the_mailed_code_and_signs_in() {
    let sandbox = Sandbox::start().await;
    let cognito = client(&sandbox);
    let (pool_id, client_id) = pool_and_client(&cognito).await;

    let weak = refused(
        cognito
            .sign_up()
            .client_id(&client_id)
            .username("ana@example.com")
            .password("short1A")
            .send()
            .await,
    );
    assert_eq!(
        code_of(&weak),
        (
            "InvalidPasswordException",
            "Password did not conform with policy: Password not long enough"
        )
    );
    let signed_up = cognito
        .sign_up()
        .client_id(&client_id)
        .username("ana@example.com")
        .password("Secret123")
        .user_attributes(
            AttributeType::builder()
                .name("name")
                .value("Ana")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(!signed_up.user_confirmed);
    let delivery = signed_up.code_delivery_details.unwrap();
    assert_eq!(delivery.destination.as_deref(), Some("a***@e***"));
    assert_eq!(delivery.attribute_name.as_deref(), Some("email"));
    let again = refused(
        cognito
            .sign_up()
            .client_id(&client_id)
            .username("ana@example.com")
            .password("Secret123")
            .send()
            .await,
    );
    assert_eq!(code_of(&again).0, "UsernameExistsException");

    let early = sign_in(&cognito, &client_id, "ana@example.com", "Secret123")
        .await
        .unwrap_err();
    assert_eq!(
        code_of(&early),
        ("UserNotConfirmedException", "User is not confirmed.")
    );

    let code = code_for(&sandbox, "ana@example.com").await;
    assert_eq!(code.len(), 6);
    // The same message on the inspection feed; the password nowhere.
    let feed = sandbox.inspect_history().await;
    assert!(
        feed.iter()
            .any(|record| record["kind"] == "mail" && record["code"] == code.as_str()),
        "{feed:?}"
    );
    assert!(!serde_json::to_string(&feed).unwrap().contains("Secret123"));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mismatch = refused(
        cognito
            .confirm_sign_up()
            .client_id(&client_id)
            .username("ana@example.com")
            .confirmation_code(wrong)
            .send()
            .await,
    );
    assert_eq!(
        code_of(&mismatch),
        (
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        )
    );
    cognito
        .confirm_sign_up()
        .client_id(&client_id)
        .username("ana@example.com")
        .confirmation_code(&code)
        .send()
        .await
        .unwrap();

    for (username, password) in [
        ("ana@example.com", "Secret124"),
        ("nobody@example.com", "Secret123"),
    ] {
        let refused = sign_in(&cognito, &client_id, username, password)
            .await
            .unwrap_err();
        assert_eq!(
            code_of(&refused),
            ("NotAuthorizedException", "Incorrect username or password.")
        );
    }
    let tokens = sign_in(&cognito, &client_id, "ana@example.com", "Secret123")
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert_eq!(tokens.expires_in, 3600);
    assert_eq!(tokens.token_type.as_deref(), Some("Bearer"));

    // The ID token, checked by an independent library against the pool's published keys.
    let id_token = tokens.id_token.unwrap();
    let header = jsonwebtoken::decode_header(&id_token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let issuer = format!("{}/{pool_id}", sandbox.running.endpoint());
    let jwks_url = format!("{issuer}/.well-known/jwks.json");
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_str(&crate::client::send("GET", &jwks_url, &[], "").await.body).unwrap();
    let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[&client_id]);
    validation.set_issuer(&[&issuer]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(
        &id_token,
        &jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims["email"], "ana@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "Ana");
    assert_eq!(claims["cognito:username"], claims["sub"]);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );

    let access = tokens.access_token.unwrap();
    let me = cognito
        .get_user()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    assert!(
        me.user_attributes
            .iter()
            .any(|attribute| attribute.name == "email_verified"
                && attribute.value.as_deref() == Some("true"))
    );

    let refreshed = cognito
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", tokens.refresh_token.unwrap())
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert!(refreshed.refresh_token.is_none());
    assert!(refreshed.id_token.is_some());

    cognito
        .global_sign_out()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    let revoked = refused(cognito.get_user().access_token(&access).send().await);
    assert_eq!(
        code_of(&revoked),
        ("NotAuthorizedException", "Access Token has been revoked")
    );

    // A forgotten password: a code to the verified email, then a new password.
    let sent = cognito
        .forgot_password()
        .client_id(&client_id)
        .username("ana@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.code_delivery_details
            .and_then(|delivery| delivery.destination),
        Some("a***@e***".to_owned())
    );
    let reset_code = code_for(&sandbox, "ana@example.com").await;
    let mismatch = refused(
        cognito
            .confirm_forgot_password()
            .client_id(&client_id)
            .username("ana@example.com")
            .confirmation_code(if reset_code == "000000" {
                "111111"
            } else {
                "000000"
            })
            .password("Renewed123")
            .send()
            .await,
    );
    assert_eq!(code_of(&mismatch).0, "CodeMismatchException");
    cognito
        .confirm_forgot_password()
        .client_id(&client_id)
        .username("ana@example.com")
        .confirmation_code(&reset_code)
        .password("Renewed123")
        .send()
        .await
        .unwrap();
    assert!(
        sign_in(&cognito, &client_id, "ana@example.com", "Renewed123")
            .await
            .is_ok()
    );

    let listed = cognito
        .list_users()
        .user_pool_id(&pool_id)
        .filter("email ^= \"ana\"")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.users().len(), 1);
    assert_eq!(
        listed.users()[0].user_status.as_ref().map(|s| s.as_str()),
        Some("CONFIRMED")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_s_user_sets_a_new_password_on_first_sign_in() {
    let sandbox = Sandbox::start().await;
    let cognito = client(&sandbox);
    let (pool_id, client_id) = pool_and_client(&cognito).await;
    cognito
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("bob@example.com")
        .temporary_password("Temporary1")
        .send()
        .await
        .unwrap();
    let user = cognito
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("bob@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        user.user_status.as_ref().map(|s| s.as_str()),
        Some("FORCE_CHANGE_PASSWORD")
    );
    assert_eq!(code_for(&sandbox, "bob@example.com").await, "Temporary1");

    let challenge = sign_in(&cognito, &client_id, "bob@example.com", "Temporary1")
        .await
        .unwrap();
    assert_eq!(
        challenge.challenge_name,
        Some(ChallengeNameType::NewPasswordRequired)
    );
    assert!(challenge.authentication_result.is_none());
    let answered = cognito
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(challenge.session.unwrap())
        .challenge_responses("USERNAME", "bob@example.com")
        .challenge_responses("NEW_PASSWORD", "Permanent1")
        .send()
        .await
        .unwrap();
    assert!(
        answered
            .authentication_result
            .unwrap()
            .access_token
            .is_some()
    );
    assert!(
        sign_in(&cognito, &client_id, "bob@example.com", "Permanent1")
            .await
            .is_ok()
    );
    cognito
        .admin_delete_user()
        .user_pool_id(&pool_id)
        .username("bob@example.com")
        .send()
        .await
        .unwrap();
    let gone = refused(
        cognito
            .admin_get_user()
            .user_pool_id(&pool_id)
            .username("bob@example.com")
            .send()
            .await,
    );
    assert_eq!(
        code_of(&gone),
        ("UserNotFoundException", "User does not exist.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pools_users_and_keys_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (pool_id, client_id, kid) = {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let cognito = client(&sandbox);
        let (pool_id, client_id) = pool_and_client(&cognito).await;
        cognito
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username("cy@example.com")
            .temporary_password("Temporary1")
            .message_action(cognito::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        cognito
            .admin_set_user_password()
            .user_pool_id(&pool_id)
            .username("cy@example.com")
            .password("Permanent1")
            .permanent(true)
            .send()
            .await
            .unwrap();
        let url = format!(
            "{}/{pool_id}/.well-known/jwks.json",
            sandbox.running.endpoint()
        );
        let jwks = crate::client::send("GET", &url, &[], "").await.json();
        (pool_id, client_id, jwks["keys"][0]["kid"].clone())
    };
    let sandbox = Sandbox::start_in(dir.path()).await;
    let cognito = client(&sandbox);
    let described = cognito
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(described.name.as_deref(), Some("chat-users"));
    assert!(
        sign_in(&cognito, &client_id, "cy@example.com", "Permanent1")
            .await
            .is_ok()
    );
    let url = format!(
        "{}/{pool_id}/.well-known/jwks.json",
        sandbox.running.endpoint()
    );
    let jwks = crate::client::send("GET", &url, &[], "").await.json();
    assert_eq!(jwks["keys"][0]["kid"], kid, "the pool keeps its key");

    cognito
        .delete_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let missing = refused(
        cognito
            .describe_user_pool()
            .user_pool_id(&pool_id)
            .send()
            .await,
    );
    assert_eq!(
        code_of(&missing),
        (
            "ResourceNotFoundException",
            format!("User pool {pool_id} does not exist.").as_str()
        )
    );
}

/// The AWS CLI's `cognito-idp` commands, as the course's documents type them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_signs_a_user_up_and_in() {
    use crate::outside_clients::{run, stdout_text};
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start().await;
    let endpoint = sandbox.running.endpoint();
    let home = tempfile::tempdir().unwrap();
    let aws = |args: &[&str]| {
        let mut all = vec!["--endpoint-url", endpoint.as_str(), "--output", "json"];
        all.extend_from_slice(args);
        let text = stdout_text(&run(tools.join("bin/aws"), &all, home.path()));
        serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default()
    };
    let pool = aws(&[
        "cognito-idp",
        "create-user-pool",
        "--pool-name",
        "cli-pool",
        "--auto-verified-attributes",
        "email",
    ]);
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let app = aws(&[
        "cognito-idp",
        "create-user-pool-client",
        "--user-pool-id",
        &pool_id,
        "--client-name",
        "cli",
        "--explicit-auth-flows",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]);
    let client_id = app["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let signed_up = aws(&[
        "cognito-idp",
        "sign-up",
        "--client-id",
        &client_id,
        "--username",
        "dana",
        "--password",
        "Passw0rd!",
        "--user-attributes",
        "Name=email,Value=dana@example.com",
    ]);
    assert_eq!(signed_up["UserConfirmed"], false);
    let code = code_for(&sandbox, "dana@example.com").await;
    aws(&[
        "cognito-idp",
        "confirm-sign-up",
        "--client-id",
        &client_id,
        "--username",
        "dana",
        "--confirmation-code",
        &code,
    ]);
    let signed_in = aws(&[
        "cognito-idp",
        "initiate-auth",
        "--client-id",
        &client_id,
        "--auth-flow",
        "USER_PASSWORD_AUTH",
        "--auth-parameters",
        "USERNAME=dana,PASSWORD=Passw0rd!",
    ]);
    assert!(signed_in["AuthenticationResult"]["IdToken"].is_string());
    let refused = run(
        tools.join("bin/aws"),
        &[
            "--endpoint-url",
            endpoint.as_str(),
            "cognito-idp",
            "initiate-auth",
            "--client-id",
            &client_id,
            "--auth-flow",
            "USER_PASSWORD_AUTH",
            "--auth-parameters",
            "USERNAME=dana,PASSWORD=wrong",
        ],
        home.path(),
    );
    let text = String::from_utf8_lossy(&refused.stderr);
    assert!(
        text.contains("(NotAuthorizedException)")
            && text.contains("Incorrect username or password."),
        "{text}"
    );
}

/// A user who can call APIs: in a new pool `pool_name`, with an app client that signs in with a
/// password, created confirmed (password `Passw0rd!`, `email` when given) and signed in.
pub(crate) struct SignedIn {
    pub pool_id: String,
    pub pool_arn: String,
    pub client_id: String,
    pub tokens: cognito::types::AuthenticationResultType,
}

pub(crate) async fn signed_in_user(
    sandbox: &Sandbox,
    pool_name: &str,
    username: &str,
    email: Option<&str>,
) -> SignedIn {
    let cognito = client(sandbox);
    let pool = cognito
        .create_user_pool()
        .pool_name(pool_name)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let (pool_id, pool_arn) = (pool.id.unwrap(), pool.arn.unwrap());
    let client_id = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let mut create = cognito
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username(username)
        .message_action(cognito::types::MessageActionType::Suppress);
    if let Some(email) = email {
        create = create.user_attributes(
            AttributeType::builder()
                .name("email")
                .value(email)
                .build()
                .unwrap(),
        );
    }
    create.send().await.unwrap();
    cognito
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username(username)
        .password("Passw0rd!")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let tokens = sign_in(&cognito, &client_id, username, "Passw0rd!")
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    SignedIn {
        pool_id,
        pool_arn,
        client_id,
        tokens,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_replace_settings_and_a_disabled_user_is_signed_out() {
    let sandbox = Sandbox::start().await;
    let cognito = client(&sandbox);
    let user = signed_in_user(&sandbox, "updated", "fay", None).await;
    let (pool_id, client_id) = (user.pool_id.clone(), user.client_id.clone());

    // The policy is replaced; what the update leaves out goes back to the default.
    cognito
        .update_user_pool()
        .user_pool_id(&pool_id)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(PasswordPolicyType::builder().minimum_length(12).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let pool = cognito
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let policy = pool.policies.unwrap().password_policy.unwrap();
    assert_eq!(policy.minimum_length, Some(12));
    assert!(!policy.require_symbols);
    assert_eq!(pool.name.as_deref(), Some("updated"), "the name stays");
    let short = refused(
        cognito
            .admin_set_user_password()
            .user_pool_id(&pool_id)
            .username("fay")
            .password("Passw0rd!")
            .permanent(true)
            .send()
            .await,
    );
    assert_eq!(
        code_of(&short),
        (
            "InvalidPasswordException",
            "Password did not conform with policy: Password not long enough"
        )
    );

    // The client's flows are replaced: password sign-in no longer allowed.
    let app = cognito
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .client_name("renamed")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(app.client_name.as_deref(), Some("renamed"));
    assert_eq!(
        app.explicit_auth_flows(),
        [ExplicitAuthFlowsType::AllowUserSrpAuth]
    );
    let not_allowed = sign_in(&cognito, &client_id, "fay", "Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(
        code_of(&not_allowed),
        (
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client"
        )
    );
    cognito
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap();

    // Disabled: sessions end and sign-in is refused; enabled again, it works.
    let access_token = user.tokens.access_token.unwrap();
    cognito
        .admin_disable_user()
        .user_pool_id(&pool_id)
        .username("fay")
        .send()
        .await
        .unwrap();
    let revoked = refused(cognito.get_user().access_token(&access_token).send().await);
    assert_eq!(
        code_of(&revoked),
        ("NotAuthorizedException", "Access Token has been revoked")
    );
    let disabled = sign_in(&cognito, &client_id, "fay", "Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(
        code_of(&disabled),
        ("NotAuthorizedException", "User is disabled.")
    );
    let described = cognito
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("fay")
        .send()
        .await
        .unwrap();
    assert!(!described.enabled);
    cognito
        .admin_enable_user()
        .user_pool_id(&pool_id)
        .username("fay")
        .send()
        .await
        .unwrap();
    assert!(
        sign_in(&cognito, &client_id, "fay", "Passw0rd!")
            .await
            .is_ok()
    );
}
