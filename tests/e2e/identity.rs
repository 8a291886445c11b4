//! Identity in the window: a lesson of the tests' own (`tests/fixtures/lessons/secured-api`)
//! makes a user pool, an app client that signs in over SRP, a user who signs up (the sandbox
//! mails the code, and the Data tab's mailbox shows it) and a REST API behind a Cognito authorizer.
//! The composer signs the user in and sends a request with the ID token: the inspector shows the
//! authorizer letting it in with the token's claims; without the token it is refused, saying
//! why. Then everything is torn down.

use anyhow::Result;

use crate::desktop::{
    Desktop, click, tear_down_everything, wait_for, wait_for_content, wait_for_text,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_from_the_composer_and_the_inspector_shows_the_authorizer() -> Result<()> {
    let lessons = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/lessons");
    let desktop = Desktop::launch_with_env(&[("SERVERLESS_LAB_LESSONS_DIR", lessons)]).await?;
    let client = &desktop.client;

    click(client, "#lesson-list .lesson[data-id='secured-api']").await?;
    click(client, "#step-list .step[data-id='deploy']").await?;
    click(client, "#run-to-here").await?;
    wait_for(
        client,
        "#step-list .step[data-id='deploy'][data-status='done']",
        120,
    )
    .await?;

    // The verification code the sandbox "sent" when the user signed up.
    click(client, "#tab-data").await?;
    click(client, "#data-mailbox").await?;
    let mail = wait_for_text(
        client,
        ".messages .message[data-reason='SignUp']",
        "student@example.com",
    )
    .await?;
    assert!(mail.contains("Verification code after sign-up"), "{mail}");
    let code = wait_for(client, ".messages .message .code", 5)
        .await?
        .text()
        .await?;
    assert!(
        code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()),
        "a six-digit code: {code:?}"
    );

    // Signed in from the composer (the client allows SRP only), with the ID token attached.
    click(client, "#tab-composer").await?;
    click(client, ".sign-in summary").await?;
    wait_for(client, "#sign-in-username", 5)
        .await?
        .send_keys("student")
        .await?;
    wait_for(client, "#sign-in-password", 5)
        .await?
        .send_keys("Passw0rd!")
        .await?;
    click(client, "#sign-in").await?;
    let signed_in = wait_for_text(client, "#signed-in", "Signed in as student").await?;
    assert!(signed_in.contains("USER_SRP_AUTH"), "{signed_in}");
    click(client, "#composer-send").await?;
    let allowed = wait_for_content(client, "#server-side", "COGNITO_USER_POOLS authorizer").await?;
    assert!(allowed.contains("allowed"), "{allowed}");
    let claims = wait_for_content(
        client,
        "#server-side .authorizer-detail",
        "cognito:username",
    )
    .await?;
    assert!(claims.contains("\"student\""), "{claims}");
    client
        .execute(
            "document.querySelector('#server-side .authorizer').scrollIntoView();",
            vec![],
        )
        .await?;
    desktop.screenshot("identity-allowed.png").await?;

    // Without the token: refused, and why.
    click(client, "#tab-composer").await?;
    client
        .execute(
            "const input = document.querySelector('#composer-authorization');\
             input.value = '';\
             input.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![],
        )
        .await?;
    click(client, "#composer-send").await?;
    let refused = wait_for_content(
        client,
        "#server-side .authorizer[data-decision='refused']",
        "refused",
    )
    .await?;
    assert!(refused.contains("COGNITO_USER_POOLS"), "{refused}");

    tear_down_everything(client).await?;
    desktop.close().await
}
