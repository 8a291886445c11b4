//! A lesson of the tests' own that secures a REST API with Cognito through `lab run`: a user
//! pool and its app client, a user who signs up and is confirmed with the code the sandbox
//! mailed, a COGNITO_USER_POOLS authorizer on a method — refusing a request without a token,
//! answering one with the user's ID token with the user's name — torn down to nothing, the pool
//! with it.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use crate::lesson_run::{Lab, captured, curl, succeeded, tears_down_to_nothing};
use lab_testkit::sandbox_client as client;

/// The lesson, shared with the desktop tests.
const SECURED_LESSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../tests/fixtures/lessons/secured-api/lesson.md"
));

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
        .admin_initiate_auth()
        .user_pool_id(captured(&ran, "POOL_ID"))
        .client_id(&client_id)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
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
