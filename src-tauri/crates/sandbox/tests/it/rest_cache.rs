//! A REST API stage's cache through the real SDK client and plain HTTP: what is cached (GET
//! methods under the stage-wide setting, per cache key parameter), what a client may ask
//! (`Cache-Control: max-age=0`), flushing, expiry, and what the metrics and the feed say.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_apigateway::types::{IntegrationType, Op, PatchOperation};

use crate::apigw_rest::{Api, invoke_url, rest_api};
use crate::client::send;
use crate::fixture::Sandbox;

/// An API whose `GET` and `POST /items` proxy to a backend that numbers its calls; `GET` keys
/// its cache on the `type` query parameter. Deployed to `prod` with the stage's cache on for
/// `GET` methods (`*/*`) at `ttl` seconds. Returns the API and the backend's call counter.
async fn cached_items(sandbox: &Sandbox, ttl: &str) -> (Api, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let backend = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let counter = counter.clone();
        async move {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            format!("call {n} for {uri}")
        }
    });
    let port = crate::fixture::spawn_backend(backend).await;
    let api = rest_api(sandbox, "Cached").await;
    let rest = sandbox.rest();
    let items = crate::apigw_rest::resource(sandbox, &api, &api.root, "items").await;
    for method in ["GET", "POST"] {
        rest.put_method()
            .rest_api_id(&api.id)
            .resource_id(&items)
            .http_method(method)
            .authorization_type("NONE")
            .request_parameters("method.request.querystring.type", false)
            .send()
            .await
            .unwrap();
        let mut integration = rest
            .put_integration()
            .rest_api_id(&api.id)
            .resource_id(&items)
            .http_method(method)
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method(method)
            .uri(format!("http://127.0.0.1:{port}/items"));
        if method == "GET" {
            integration = integration
                .request_parameters(
                    "integration.request.querystring.type",
                    "method.request.querystring.type",
                )
                .cache_key_parameters("method.request.querystring.type");
        }
        integration.send().await.unwrap();
    }
    rest.create_deployment()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    patch_stage(
        sandbox,
        &api,
        &[
            ("/cacheClusterEnabled", "true"),
            ("/*/*/caching/enabled", "true"),
            ("/*/*/caching/ttlInSeconds", ttl),
        ],
    )
    .await;
    (api, calls)
}

async fn patch_stage(sandbox: &Sandbox, api: &Api, changes: &[(&str, &str)]) {
    let mut update = sandbox
        .rest()
        .update_stage()
        .rest_api_id(&api.id)
        .stage_name("prod");
    for (path, value) in changes {
        update = update.patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path(*path)
                .value(*value)
                .build(),
        );
    }
    update.send().await.unwrap();
}

async fn get(sandbox: &Sandbox, api: &Api, path: &str, headers: &[(&str, &str)]) -> String {
    let reply = send("GET", &invoke_url(sandbox, api, path), headers, "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// A cached GET is answered from the cache without calling the backend; GetStage says the
/// cache is available; the feed marks the request a hit and the stage counts hits and misses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_get_is_served_without_calling_the_backend() {
    let sandbox = Sandbox::start().await;
    let (api, calls) = cached_items(&sandbox, "300").await;
    let first = get(&sandbox, &api, "/prod/items", &[]).await;
    let second = get(&sandbox, &api, "/prod/items", &[]).await;
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("call 1 for /items", "call 1 for /items")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let stage = sandbox
        .rest()
        .get_stage()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(
        stage.cache_cluster_status().map(|s| s.as_str()),
        Some("AVAILABLE")
    );
    let records = sandbox.inspect_history().await;
    let uses: Vec<&str> = records
        .iter()
        .filter_map(|record| record.get("cache")?.as_str())
        .collect();
    assert_eq!(uses, ["miss", "hit"]);
    let metrics = &records.last().unwrap()["metrics"];
    assert_eq!(
        (
            metrics["cacheHitCount"].as_u64(),
            metrics["cacheMissCount"].as_u64()
        ),
        (Some(1), Some(1))
    );
}

/// Each value of a cache key parameter has its own entry; other methods than GET are not
/// cached by the stage-wide setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_are_per_cache_key_parameter_and_posts_are_not_cached() {
    let sandbox = Sandbox::start().await;
    let (api, calls) = cached_items(&sandbox, "300").await;
    let a = get(&sandbox, &api, "/prod/items?type=a", &[]).await;
    let b = get(&sandbox, &api, "/prod/items?type=b", &[]).await;
    let a_again = get(&sandbox, &api, "/prod/items?type=a", &[]).await;
    assert_eq!(a, "call 1 for /items?type=a");
    assert_eq!(b, "call 2 for /items?type=b");
    assert_eq!(a_again, a);
    for _ in 0..2 {
        send(
            "POST",
            &invoke_url(&sandbox, &api, "/prod/items"),
            &[],
            "{}",
        )
        .await;
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "both POSTs reached the backend"
    );
}

/// `Cache-Control: max-age=0` is ignored while the stage requires authorization for it (the
/// default), refused with 403 under FAIL_WITH_403, and fetches afresh once allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_age_zero_refreshes_only_where_the_stage_allows_it() {
    let sandbox = Sandbox::start().await;
    let (api, _) = cached_items(&sandbox, "300").await;
    let fresh = [("cache-control", "max-age=0")];
    get(&sandbox, &api, "/prod/items", &[]).await;
    let ignored = get(&sandbox, &api, "/prod/items", &fresh).await;
    assert_eq!(ignored, "call 1 for /items");
    patch_stage(
        &sandbox,
        &api,
        &[(
            "/*/*/caching/unauthorizedCacheControlHeaderStrategy",
            "FAIL_WITH_403",
        )],
    )
    .await;
    let refused = send(
        "GET",
        &invoke_url(&sandbox, &api, "/prod/items"),
        &fresh,
        "",
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    patch_stage(
        &sandbox,
        &api,
        &[("/*/*/caching/requireAuthorizationForCacheControl", "false")],
    )
    .await;
    let refreshed = get(&sandbox, &api, "/prod/items", &fresh).await;
    assert_eq!(refreshed, "call 2 for /items");
    assert_eq!(
        get(&sandbox, &api, "/prod/items", &[]).await,
        refreshed,
        "the entry was replaced"
    );
}

/// FlushStageCache empties the stage's cache; an entry also expires after its TTL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flushing_and_expiry_empty_the_cache() {
    let sandbox = Sandbox::start().await;
    let (api, _) = cached_items(&sandbox, "1").await;
    get(&sandbox, &api, "/prod/items", &[]).await;
    sandbox
        .rest()
        .flush_stage_cache()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get(&sandbox, &api, "/prod/items", &[]).await,
        "call 2 for /items"
    );
    assert_eq!(
        get(&sandbox, &api, "/prod/items", &[]).await,
        "call 2 for /items"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        get(&sandbox, &api, "/prod/items", &[]).await,
        "call 3 for /items"
    );
}
