//! IAM roles through the real SDK client and the AWS CLI: the account's `LabRole`, a lab role's
//! life with its policies, IAM's errors, and roles surviving a restart.

use aws_sdk_iam::types::Tag;

use crate::fixture::{Sandbox, error_of};
use crate::outside_clients::{run, stdout_json};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#;

/// IAM returns policy documents percent-encoded.
fn decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn every_account_has_a_lab_role_lambda_may_assume() {
    let sandbox = Sandbox::start().await;
    let role = sandbox
        .iam()
        .get_role()
        .role_name("LabRole")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(role.arn(), "arn:aws:iam::000000000000:role/LabRole");
    assert!(role.role_id().starts_with("AROA"), "{}", role.role_id());
    let trust = decoded(role.assume_role_policy_document().unwrap());
    assert!(trust.contains("lambda.amazonaws.com"), "{trust}");
}

/// The lab's role `serverless-lab-crud` under `/serverless-lab/`, tagged with its target.
async fn lab_role(iam: &aws_sdk_iam::Client) -> aws_sdk_iam::types::Role {
    iam.create_role()
        .role_name("serverless-lab-crud")
        .path("/serverless-lab/")
        .assume_role_policy_document(TRUST)
        .description("the lab's functions")
        .tags(
            Tag::builder()
                .key("serverless-lab:target")
                .value("sandbox")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
}

/// A role's ARN includes its path; its trust policy and session limit read back.
#[tokio::test]
async fn a_lab_role_is_made_under_its_path_with_its_trust() {
    let sandbox = Sandbox::start().await;
    let iam = sandbox.iam();
    let created = lab_role(&iam).await;
    assert_eq!(
        created.arn(),
        "arn:aws:iam::000000000000:role/serverless-lab/serverless-lab-crud"
    );
    assert_eq!(created.path(), "/serverless-lab/");
    assert_eq!(
        decoded(created.assume_role_policy_document().unwrap()),
        TRUST
    );
    assert_eq!(created.max_session_duration(), Some(3600));
}

/// Inline policies read back by name; managed policies are attached by ARN.
#[tokio::test]
async fn a_role_keeps_its_inline_and_attached_policies() {
    let sandbox = Sandbox::start().await;
    let iam = sandbox.iam();
    lab_role(&iam).await;
    iam.put_role_policy()
        .role_name("serverless-lab-crud")
        .policy_name("access")
        .policy_document(ACCESS)
        .send()
        .await
        .unwrap();
    let policy = iam
        .get_role_policy()
        .role_name("serverless-lab-crud")
        .policy_name("access")
        .send()
        .await
        .unwrap();
    assert_eq!(decoded(policy.policy_document()), ACCESS);
    let names = iam
        .list_role_policies()
        .role_name("serverless-lab-crud")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["access"]);
    iam.attach_role_policy()
        .role_name("serverless-lab-crud")
        .policy_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        .send()
        .await
        .unwrap();
    let attached = iam
        .list_attached_role_policies()
        .role_name("serverless-lab-crud")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_name(),
        Some("AWSLambdaBasicExecutionRole")
    );
}

/// ListRoles filters by path prefix; a role's tags read back.
#[tokio::test]
async fn roles_are_listed_by_path_with_their_tags() {
    let sandbox = Sandbox::start().await;
    let iam = sandbox.iam();
    lab_role(&iam).await;
    let listed = iam
        .list_roles()
        .path_prefix("/serverless-lab/")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = listed.roles().iter().map(|role| role.role_name()).collect();
    assert_eq!(names, ["serverless-lab-crud"]);
    let tags = iam
        .list_role_tags()
        .role_name("serverless-lab-crud")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags()[0].value(), "sandbox");
}

/// DeleteRole refuses while inline or attached policies remain, in IAM's words.
#[tokio::test]
async fn a_role_goes_only_once_its_policies_have() {
    let sandbox = Sandbox::start().await;
    let iam = sandbox.iam();
    lab_role(&iam).await;
    iam.put_role_policy()
        .role_name("serverless-lab-crud")
        .policy_name("access")
        .policy_document(ACCESS)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("serverless-lab-crud")
        .policy_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        .send()
        .await
        .unwrap();
    // A role with policies cannot go until they do.
    let conflict = error_of(
        iam.delete_role()
            .role_name("serverless-lab-crud")
            .send()
            .await,
    );
    assert_eq!(
        conflict,
        (
            "DeleteConflict".to_owned(),
            "Cannot delete entity, must delete policies first.".to_owned()
        )
    );
    iam.delete_role_policy()
        .role_name("serverless-lab-crud")
        .policy_name("access")
        .send()
        .await
        .unwrap();
    let attached_conflict = error_of(
        iam.delete_role()
            .role_name("serverless-lab-crud")
            .send()
            .await,
    );
    assert_eq!(
        attached_conflict.1,
        "Cannot delete entity, must detach all policies first."
    );
    iam.detach_role_policy()
        .role_name("serverless-lab-crud")
        .policy_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        .send()
        .await
        .unwrap();
    iam.delete_role()
        .role_name("serverless-lab-crud")
        .send()
        .await
        .unwrap();
    let gone = error_of(iam.get_role().role_name("serverless-lab-crud").send().await);
    assert_eq!(
        gone,
        (
            "NoSuchEntity".to_owned(),
            "The role with name serverless-lab-crud cannot be found.".to_owned()
        )
    );
}

#[tokio::test]
async fn iam_refuses_bad_input_with_its_own_errors() {
    let sandbox = Sandbox::start().await;
    let iam = sandbox.iam();
    let create = |name: &'static str, trust: &'static str| {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .send()
    };
    let exists = error_of(create("labrole", TRUST).await);
    assert_eq!(
        exists,
        (
            "EntityAlreadyExists".to_owned(),
            "Role with name labrole already exists.".to_owned()
        )
    );
    let (code, message) = error_of(create("no spaces", TRUST).await);
    assert_eq!(code, "ValidationError");
    assert!(message.contains("roleName"), "{message}");
    let malformed = error_of(create("broken", "{not json").await);
    assert_eq!(
        malformed,
        (
            "MalformedPolicyDocument".to_owned(),
            "This policy contains invalid Json".to_owned()
        )
    );
    let missing_policy = error_of(
        iam.get_role_policy()
            .role_name("LabRole")
            .policy_name("nope")
            .send()
            .await,
    );
    assert_eq!(
        missing_policy.1,
        "The role policy with name nope cannot be found."
    );
    let unattachable = error_of(
        iam.attach_role_policy()
            .role_name("LabRole")
            .policy_arn("arn:aws:iam::000000000000:policy/mine")
            .send()
            .await,
    );
    assert_eq!(unattachable.0, "NoSuchEntity");
}

#[tokio::test]
async fn roles_survive_a_restart_and_lab_role_is_not_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    let first_id = {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let iam = sandbox.iam();
        iam.create_role()
            .role_name("kept")
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .unwrap();
        iam.put_role_policy()
            .role_name("kept")
            .policy_name("access")
            .policy_document(ACCESS)
            .send()
            .await
            .unwrap();
        let lab = iam.get_role().role_name("LabRole").send().await.unwrap();
        let id = lab.role.unwrap().role_id().to_owned();
        sandbox.running.shutdown().await;
        id
    };
    let sandbox = Sandbox::start_in(dir.path()).await;
    let iam = sandbox.iam();
    let names = iam
        .list_role_policies()
        .role_name("kept")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["access"]);
    let lab = iam.get_role().role_name("LabRole").send().await.unwrap();
    assert_eq!(lab.role.unwrap().role_id(), first_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_reads_roles_and_their_decoded_policies() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start().await;
    let home = tempfile::tempdir().unwrap();
    let output = run(
        tools.join("bin/aws"),
        &[
            "--endpoint-url",
            &sandbox.running.endpoint(),
            "--output",
            "json",
            "iam",
            "get-role",
            "--role-name",
            "LabRole",
        ],
        home.path(),
    );
    let role = stdout_json(&output);
    assert_eq!(role["Role"]["RoleName"], "LabRole");
    // The CLI decodes the document into JSON, as it does against AWS.
    assert_eq!(
        role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"],
        "sts:AssumeRole"
    );
}

#[tokio::test]
async fn users_keep_their_keys_and_policies_until_deleted_in_order() {
    let sandbox = Sandbox::start().await;
    let iam = sandbox.iam();
    let user = iam
        .create_user()
        .user_name("alice")
        .path("/lab/")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(user.arn, "arn:aws:iam::000000000000:user/lab/alice");
    assert!(user.user_id.starts_with("AIDA"), "{}", user.user_id);
    let again = iam
        .create_user()
        .user_name("Alice")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_iam::error::ProvideErrorMetadata::code(&again),
        Some("EntityAlreadyExists")
    );
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    assert!(key.access_key_id.starts_with("AKIA"));
    assert_eq!(key.secret_access_key.len(), 40);
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn("arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess")
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_access_keys()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.access_key_metadata().len(), 1);
    let conflict = iam
        .delete_user()
        .user_name("alice")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_iam::error::ProvideErrorMetadata::message(&conflict),
        Some("Cannot delete entity, must delete access keys first.")
    );
    iam.delete_access_key()
        .user_name("alice")
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .unwrap();
    let still_attached = iam
        .delete_user()
        .user_name("alice")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_iam::error::ProvideErrorMetadata::message(&still_attached),
        Some("Cannot delete entity, must detach all policies first.")
    );
    iam.detach_user_policy()
        .user_name("alice")
        .policy_arn("arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess")
        .send()
        .await
        .unwrap();
    iam.delete_user().user_name("alice").send().await.unwrap();
    assert!(iam.list_users().send().await.unwrap().users().is_empty());
}

#[tokio::test]
async fn inline_policies_stay_within_iam_s_size_quota() {
    let sandbox = Sandbox::start().await;
    let iam = sandbox.iam();
    iam.create_user().user_name("big").send().await.unwrap();
    let resources: Vec<String> = (0..60)
        .map(|n| format!("\"arn:aws:dynamodb:us-east-1:000000000000:table/table-{n}\""))
        .collect();
    let large = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":[{}]}}]}}"#,
        resources.join(",")
    );
    let refused = iam
        .put_user_policy()
        .user_name("big")
        .policy_name("large")
        .policy_document(&large)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        (
            aws_sdk_iam::error::ProvideErrorMetadata::code(&refused),
            aws_sdk_iam::error::ProvideErrorMetadata::message(&refused)
        ),
        (
            Some("LimitExceeded"),
            Some("Maximum policy size of 2048 bytes exceeded for user big")
        )
    );
    // A role's inline policies have five times the room.
    iam.create_role()
        .role_name("roomy")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("roomy")
        .policy_name("large")
        .policy_document(&large)
        .send()
        .await
        .unwrap();
}
