//! A lesson of the tests' own that secures a REST API with Cognito through `lab run`: a user
//! pool and its app client, a user who signs up and is confirmed with the code the sandbox
//! mailed, a COGNITO_USER_POOLS authorizer on a method — refusing a request without a token,
//! answering one with the user's ID token with the user's name — torn down to nothing, the pool
//! with it.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use crate::lesson_run::{Lab, captured, curl, succeeded, tears_down_to_nothing};
use lab_testkit::sandbox_client as client;

const SECURED_LESSON: &str = r#"# A secured API

```lesson
id = "secured-api"
summary = "A REST API behind a Cognito authorizer."
```

## The user pool

```step
id = "pool"
action = "cognito-idp.create-user-pool"
params = { name = "lesson-users", auto_verified = ["email"], minimum_password_length = 8 }
outputs = { POOL_ID = "UserPool.Id", POOL_ARN = "UserPool.Arn" }
```

## The app client

```step
id = "client"
action = "cognito-idp.create-user-pool-client"
params = { pool = "${POOL_ID}", name = "web", auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }
outputs = { CLIENT_ID = "UserPoolClient.ClientId" }
```

## A user

```step
id = "user"
action = "cognito-idp.sign-up"
params = { pool = "${POOL_ID}", client = "${CLIENT_ID}", username = "student", password = "Passw0rd!", email = "student@example.com" }
```

## The API

```step
id = "api"
action = "apigateway.create-rest-api"
params = { name = "SecuredApi" }
outputs = { REST_API_ID = "id", ROOT_ID = "rootResourceId" }
```

## The authorizer

```step
id = "authorizer"
action = "apigateway.create-authorizer"
params = { api = "${REST_API_ID}", name = "users", authorizer_type = "COGNITO_USER_POOLS", provider_arns = ["${POOL_ARN}"] }
outputs = { AUTHORIZER_ID = "id" }
```

## The method

```step
id = "method"
action = "apigateway.put-method"
params = { api = "${REST_API_ID}", resource = "${ROOT_ID}", method = "GET", authorization = "COGNITO_USER_POOLS", authorizer = "${AUTHORIZER_ID}" }
```

## Who is asking

```step
id = "integration"
action = "apigateway.put-integration"

[params]
api = "${REST_API_ID}"
resource = "${ROOT_ID}"
method = "GET"
type = "MOCK"
request_templates = { "application/json" = '{"statusCode": 200}' }

[[params.responses]]
status = "200"
templates = { "application/json" = "{\"user\": \"$context.authorizer.claims['cognito:username']\"}" }
```

## Deploy

```step
id = "deploy"
action = "apigateway.create-deployment"
params = { api = "${REST_API_ID}", stage = "prod" }
outputs = { URL = "invokeUrl" }
checks = [{ kind = "http", method = "GET", url = "${URL}/", status = 401, body_contains = "Unauthorized" }]
```
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_secures_an_api_with_cognito_and_tears_the_pool_down() {
    let lab = Lab::start();
    let lessons = tempfile::tempdir().unwrap();
    std::fs::create_dir(lessons.path().join("secured-api")).unwrap();
    std::fs::write(lessons.path().join("secured-api/lesson.md"), SECURED_LESSON).unwrap();
    let run = |args: &[&str]| {
        let output = lab
            .command(args)
            .env("SERVERLESS_LAB_LESSONS_DIR", lessons.path())
            .output()
            .unwrap();
        succeeded(&output)
    };
    let ran = run(&["run", "secured-api"]);
    assert!(
        ran.contains("    aws cognito-idp create-user-pool \\"),
        "{ran}"
    );
    assert!(
        ran.contains("    aws cognito-idp confirm-sign-up \\"),
        "{ran}"
    );
    assert!(ran.contains("--provider-arns"), "{ran}");
    assert!(ran.contains("student signed up and is confirmed"), "{ran}");
    let again = run(&["run", "secured-api"]);
    assert!(
        !again.contains("✗"),
        "a second run finds everything made: {again}"
    );

    let cognito = client!(aws_sdk_cognitoidentityprovider, lab.endpoint());
    let client_id = captured(&ran, "CLIENT_ID");
    let tokens = cognito
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "student")
        .auth_parameters("PASSWORD", "Passw0rd!")
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let url = format!("{}/", captured(&ran, "URL"));
    let header = format!("Authorization: {}", tokens.id_token.unwrap());
    let answered = curl(&["-H", &header, &url]);
    assert!(answered.contains(r#""user": "student""#), "{answered}");

    let plan = run(&["teardown", "--dry-run"]);
    assert!(plan.contains("  user-pool "), "{plan}");
    tears_down_to_nothing(&lab).await;
}
