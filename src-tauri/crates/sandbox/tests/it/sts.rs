//! STS through the real SDK client.

use crate::fixture::Sandbox;

#[tokio::test]
async fn get_caller_identity_names_the_sandbox_account() {
    let sandbox = Sandbox::start().await;
    let identity = sandbox.sts().get_caller_identity().send().await.unwrap();
    assert_eq!(identity.account(), Some("000000000000"));
    assert_eq!(identity.arn(), Some("arn:aws:iam::000000000000:root"));
}
