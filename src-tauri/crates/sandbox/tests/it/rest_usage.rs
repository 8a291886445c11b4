//! API keys and usage plans through the real SDK client, and what they do to requests on a
//! method that requires a key: Forbidden without a valid key, Too Many Requests past the
//! plan's throttle, Limit Exceeded past its quota, the usage counted per day; and a stage's
//! own throttling, set by UpdateStage on `*/*` or one method.

use aws_sdk_apigateway::types::{
    ApiStage, Op, PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings,
};

use crate::apigw_rest::{Api, deploy, failure, invoke_url, mock_integration, respond, rest_api};
use crate::client::send;
use crate::fixture::Sandbox;

/// `GET /` on a MOCK integration that requires an API key, deployed to `prod`.
async fn keyed_api(sandbox: &Sandbox) -> Api {
    mock_api(sandbox, true).await
}

/// `GET /` on a MOCK integration, deployed to `prod`.
async fn mock_api(sandbox: &Sandbox, key_required: bool) -> Api {
    let api = rest_api(sandbox, "Keyed").await;
    let rest = sandbox.rest();
    rest.put_method()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("GET")
        .authorization_type("NONE")
        .api_key_required(key_required)
        .send()
        .await
        .unwrap();
    mock_integration(sandbox, &api, &api.root, "GET").await;
    let answer = r#"{"key": "$context.identity.apiKeyId"}"#;
    respond(sandbox, &api, &api.root, "GET", &[("200", None, answer)]).await;
    deploy(sandbox, &api, "prod").await;
    api
}

async fn key(sandbox: &Sandbox, name: &str, value: &str, enabled: bool) -> String {
    sandbox
        .rest()
        .create_api_key()
        .name(name)
        .value(value)
        .enabled(enabled)
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_owned()
}

async fn plan(
    sandbox: &Sandbox,
    api: &Api,
    throttle: Option<ThrottleSettings>,
    quota: Option<QuotaSettings>,
    keys: &[&str],
) -> String {
    let rest = sandbox.rest();
    let plan = rest
        .create_usage_plan()
        .name("students")
        .api_stages(ApiStage::builder().api_id(&api.id).stage("prod").build())
        .set_throttle(throttle)
        .set_quota(quota)
        .send()
        .await
        .unwrap();
    let id = plan.id().unwrap().to_owned();
    for key in keys {
        rest.create_usage_plan_key()
            .usage_plan_id(&id)
            .key_id(*key)
            .key_type("API_KEY")
            .send()
            .await
            .unwrap();
    }
    id
}

const VALUE: &str = "student-key-0123456789";

#[tokio::test]
async fn api_keys_are_disabled_unless_asked_and_show_their_value_only_when_asked() {
    let sandbox = Sandbox::start().await;
    let rest = sandbox.rest();
    let created = rest.create_api_key().name("ana").send().await.unwrap();
    assert!(!created.enabled());
    assert_eq!(created.value().map(str::len), Some(40), "a generated value");
    let id = created.id().unwrap();
    let read = rest.get_api_key().api_key(id).send().await.unwrap();
    assert_eq!(read.value(), None);
    let read = rest
        .get_api_key()
        .api_key(id)
        .include_value(true)
        .send()
        .await
        .unwrap();
    assert_eq!(read.value(), created.value());
    let updated = rest
        .update_api_key()
        .api_key(id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/enabled")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(updated.enabled());

    let short = rest
        .create_api_key()
        .value("short")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure(&short.into_service_error()),
        (
            "BadRequestException".into(),
            "API Key value should be at least 20 characters".into()
        )
    );
    key(&sandbox, "bo", VALUE, true).await;
    let twice = rest.create_api_key().value(VALUE).send().await.unwrap_err();
    assert_eq!(failure(&twice.into_service_error()).0, "ConflictException");
    let missing = rest.get_api_key().api_key("nope").send().await.unwrap_err();
    assert_eq!(
        failure(&missing.into_service_error()),
        (
            "NotFoundException".into(),
            "Invalid API Key identifier specified".into()
        )
    );
    let listed = rest
        .get_api_keys()
        .include_values(true)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items().len(), 2);
    rest.delete_api_key().api_key(id).send().await.unwrap();
    assert_eq!(rest.get_api_keys().send().await.unwrap().items().len(), 1);
}

#[tokio::test]
async fn usage_plans_name_existing_stages_and_hold_each_key_once() {
    let sandbox = Sandbox::start().await;
    let api = keyed_api(&sandbox).await;
    let rest = sandbox.rest();
    let nowhere = rest
        .create_usage_plan()
        .name("nowhere")
        .api_stages(ApiStage::builder().api_id(&api.id).stage("staging").build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure(&nowhere.into_service_error()).0,
        "NotFoundException"
    );
    let key_id = key(&sandbox, "ana", VALUE, true).await;
    let plan_id = plan(&sandbox, &api, None, None, &[&key_id]).await;
    let again = rest
        .create_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure(&again.into_service_error()).0, "ConflictException");
    let keys = rest
        .get_usage_plan_keys()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap();
    assert_eq!(keys.items()[0].value(), Some(VALUE));
    let plans = rest.get_usage_plans().key_id(&key_id).send().await.unwrap();
    assert_eq!(plans.items().len(), 1);
    let updated = rest
        .update_usage_plan()
        .usage_plan_id(&plan_id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/throttle/rateLimit")
                .value("5")
                .build(),
        )
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/quota/limit")
                .value("100")
                .build(),
        )
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/quota/period")
                .value("WEEK")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(updated.throttle().unwrap().rate_limit(), 5.0);
    assert_eq!(
        updated.quota().unwrap().period(),
        Some(&QuotaPeriodType::Week)
    );
    rest.delete_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    rest.delete_usage_plan()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap();
    let gone = rest
        .get_usage_plan()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure(&gone.into_service_error()),
        (
            "NotFoundException".into(),
            "Invalid Usage Plan ID specified".into()
        )
    );
}

#[tokio::test]
async fn a_method_that_requires_a_key_admits_only_keys_of_its_stage_s_plans_within_quota() {
    let sandbox = Sandbox::start().await;
    let api = keyed_api(&sandbox).await;
    let key_id = key(&sandbox, "ana", VALUE, true).await;
    let disabled = "disabled-key-0123456789";
    let disabled_id = key(&sandbox, "bo", disabled, false).await;
    let quota = QuotaSettings::builder()
        .limit(2)
        .period(QuotaPeriodType::Day)
        .build();
    let plan_id = plan(&sandbox, &api, None, Some(quota), &[&key_id, &disabled_id]).await;
    let url = invoke_url(&sandbox, &api, "/prod/");
    for (headers, status, message) in [
        (vec![], 403, "Forbidden"),
        (
            vec![("x-api-key", "not-a-key-of-anyone-at-all")],
            403,
            "Forbidden",
        ),
        (vec![("x-api-key", disabled)], 403, "Forbidden"),
    ] {
        let reply = send("GET", &url, &headers, "").await;
        assert_eq!(reply.status, status, "{headers:?}: {}", reply.body);
        assert_eq!(reply.json()["message"], message);
    }
    for _ in 0..2 {
        let reply = send("GET", &url, &[("x-api-key", VALUE)], "").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json()["key"], key_id.as_str());
    }
    let over = send("GET", &url, &[("x-api-key", VALUE)], "").await;
    assert_eq!(over.status, 429, "{}", over.body);
    assert_eq!(over.json()["message"], "Limit Exceeded");
    let today = chrono_free_today();
    let usage = sandbox
        .rest()
        .get_usage()
        .usage_plan_id(&plan_id)
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .unwrap();
    assert_eq!(usage.items().unwrap()[&key_id], vec![vec![2, 0]]);
}

#[tokio::test]
async fn a_plan_s_throttle_answers_too_many_requests() {
    let sandbox = Sandbox::start().await;
    let api = keyed_api(&sandbox).await;
    let key_id = key(&sandbox, "ana", VALUE, true).await;
    let throttle = ThrottleSettings::builder()
        .rate_limit(0.01)
        .burst_limit(1)
        .build();
    plan(&sandbox, &api, Some(throttle), None, &[&key_id]).await;
    let url = invoke_url(&sandbox, &api, "/prod/");
    assert_eq!(
        send("GET", &url, &[("x-api-key", VALUE)], "").await.status,
        200
    );
    let throttled = send("GET", &url, &[("x-api-key", VALUE)], "").await;
    assert_eq!(throttled.status, 429, "{}", throttled.body);
    assert_eq!(throttled.json()["message"], "Too Many Requests");
}

#[tokio::test]
async fn a_stage_s_method_settings_throttle_its_methods() {
    let sandbox = Sandbox::start().await;
    let api = mock_api(&sandbox, false).await;
    let url = invoke_url(&sandbox, &api, "/prod/");
    assert_eq!(send("GET", &url, &[], "").await.status, 200);
    let setting = |path: &str, value: &str| {
        PatchOperation::builder()
            .op(Op::Replace)
            .path(path)
            .value(value)
            .build()
    };
    sandbox
        .rest()
        .update_stage()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .patch_operations(setting("/~1/GET/throttling/rateLimit", "0.01"))
        .patch_operations(setting("/~1/GET/throttling/burstLimit", "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(send("GET", &url, &[], "").await.status, 200, "the burst");
    let throttled = send("GET", &url, &[], "").await;
    assert_eq!(throttled.status, 429, "{}", throttled.body);
    assert_eq!(throttled.json()["message"], "Too Many Requests");
    assert_eq!(
        throttled.header("x-amzn-errortype"),
        Some("TooManyRequestsException")
    );
}

/// Keys, plans and what each key used survive a restart: a quota spent before it stays spent.
#[tokio::test]
async fn keys_plans_and_their_counts_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let quota = QuotaSettings::builder()
        .limit(2)
        .period(QuotaPeriodType::Day)
        .build();
    let (api, key_id, plan_id) = {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let api = keyed_api(&sandbox).await;
        let key_id = key(&sandbox, "ana", VALUE, true).await;
        let plan_id = plan(&sandbox, &api, None, Some(quota), &[&key_id]).await;
        for _ in 0..2 {
            let url = invoke_url(&sandbox, &api, "/prod/");
            let reply = send("GET", &url, &[("x-api-key", VALUE)], "").await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        sandbox.running.shutdown().await;
        (api, key_id, plan_id)
    };
    let sandbox = Sandbox::start_in(dir.path()).await;
    let rest = sandbox.rest();
    let key = rest
        .get_api_key()
        .api_key(&key_id)
        .include_value(true)
        .send()
        .await
        .unwrap();
    assert_eq!(key.value(), Some(VALUE));
    let keys = rest
        .get_usage_plan_keys()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap();
    assert_eq!(keys.items().len(), 1);
    let url = invoke_url(&sandbox, &api, "/prod/");
    let over = send("GET", &url, &[("x-api-key", VALUE)], "").await;
    assert_eq!(over.status, 429, "the quota stays spent: {}", over.body);
    let today = chrono_free_today();
    let usage = rest
        .get_usage()
        .usage_plan_id(&plan_id)
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .unwrap();
    assert_eq!(usage.items().unwrap()[&key_id], vec![vec![2, 0]]);
}

/// Today as `YYYY-MM-DD` (UTC), as GetUsage takes dates.
fn chrono_free_today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    lab_sandbox::apigw::rest::usage::day_name(days as i64)
}
