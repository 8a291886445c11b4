//! A REST API stage's canary: a share of the requests, drawn per request, goes to the canary's
//! deployment with its stage-variable overrides; the rest to the stage's own.

use aws_sdk_apigateway::types::DeploymentCanarySettings;

use crate::apigw_rest::{deploy, invoke_url, mock_method, respond, rest_api};
use crate::client::send;
use crate::fixture::Sandbox;

#[tokio::test]
async fn a_canary_serves_its_share_of_the_requests_within_statistical_bounds() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Canary").await;
    let rest = sandbox.rest();
    mock_method(&sandbox, &api, &api.root, "GET").await;
    let answer = r#"{"side": "$stageVariables.color"}"#;
    respond(&sandbox, &api, &api.root, "GET", &[("200", None, answer)]).await;
    deploy(&sandbox, &api, "prod").await; // color = blue
    rest.create_deployment()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .canary_settings(
            DeploymentCanarySettings::builder()
                .percent_traffic(30.0)
                .stage_variable_overrides("color", "green")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let url = invoke_url(&sandbox, &api, "/prod/");
    const REQUESTS: usize = 400;
    let mut canary = 0;
    for _ in 0..REQUESTS {
        let reply = send("GET", &url, &[], "").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        match reply.json()["side"].as_str() {
            Some("green") => canary += 1,
            Some("blue") => {}
            other => panic!("neither side answered: {other:?}"),
        }
    }
    // 30% of 400 is 120, with a standard deviation of about 9.2: allow four of them.
    assert!(
        (83..=157).contains(&canary),
        "{canary} of {REQUESTS} requests went to the canary"
    );
    let records = sandbox.inspect_history().await;
    let sides: Vec<&str> = records
        .iter()
        .filter_map(|record| record.pointer("/integration/servedBy")?.as_str())
        .collect();
    assert_eq!(
        sides.iter().filter(|side| **side == "canary").count(),
        canary
    );
}

/// Promoting the canary as the AWS CLI does it (`copy` its deployment and its variables to the
/// stage, its share to 0): every request is then served as the canary was.
#[tokio::test]
async fn a_promoted_canary_serves_every_request() {
    use aws_sdk_apigateway::types::{Op, PatchOperation};

    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Promoted").await;
    let rest = sandbox.rest();
    mock_method(&sandbox, &api, &api.root, "GET").await;
    let answer = r#"{"side": "$stageVariables.color"}"#;
    respond(&sandbox, &api, &api.root, "GET", &[("200", None, answer)]).await;
    deploy(&sandbox, &api, "prod").await; // color = blue
    let canary = rest
        .create_deployment()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .canary_settings(
            DeploymentCanarySettings::builder()
                .percent_traffic(10.0)
                .stage_variable_overrides("color", "green")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let operation = |op: Op, path: &str, value: Option<&str>, from: Option<&str>| {
        PatchOperation::builder()
            .op(op)
            .path(path)
            .set_value(value.map(str::to_owned))
            .set_from(from.map(str::to_owned))
            .build()
    };
    let promoted = rest
        .update_stage()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .patch_operations(operation(
            Op::Replace,
            "/canarySettings/percentTraffic",
            Some("0.0"),
            None,
        ))
        .patch_operations(operation(
            Op::Copy,
            "/variables",
            None,
            Some("/canarySettings/stageVariableOverrides"),
        ))
        .patch_operations(operation(
            Op::Copy,
            "/deploymentId",
            None,
            Some("/canarySettings/deploymentId"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.deployment_id(), canary.id());
    assert_eq!(promoted.variables().unwrap()["color"], "green");
    let url = invoke_url(&sandbox, &api, "/prod/");
    for _ in 0..20 {
        let reply = send("GET", &url, &[], "").await;
        assert_eq!(reply.json()["side"], "green", "{}", reply.body);
    }
}
