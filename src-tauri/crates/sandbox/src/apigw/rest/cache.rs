//! A REST API stage's response cache, kept as API Gateway keeps one: a stage with a cache
//! cluster caches the endpoint's answers of each method whose setting turns caching on (the
//! stage-wide `*/*` setting covers `GET` methods only), for the setting's TTL (300 s unless set;
//! 0 turns it off, 3,600 at most). An entry is keyed by the method, the resource path and the
//! values of the integration's cache key parameters — nothing else, so without a parameter
//! `/items/1` and `/items/2` share one entry, as on AWS. A client asks for a fresh answer with
//! `Cache-Control: max-age=0`, which counts only where the stage does not require authorization
//! for it. Answers over 1 MB are not cached; all stages together hold at most
//! [`MAX_TOTAL_BYTES`], the oldest entries leaving first.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::model::{MethodSetting, Stage};
use crate::apigw::Incoming;
use crate::store::Scope;

/// The largest answer API Gateway caches.
pub const MAX_CACHED_RESPONSE: usize = 1_048_576;
/// What all stages' caches hold together, at most.
pub const MAX_TOTAL_BYTES: usize = 32 * 1024 * 1024;
/// The longest time an answer may be cached.
pub const MAX_TTL_SECONDS: i64 = 3600;

/// How a method's answers are cached on its stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Caching {
    pub ttl: Duration,
    /// Whether `Cache-Control: max-age=0` needs authorization (`execute-api:InvalidateCache`).
    pub require_authorization: bool,
    /// What an unauthorized `Cache-Control: max-age=0` gets.
    pub unauthorized_strategy: String,
}

/// How a method's answers are cached on `stage`, or `None` when they are not: the stage has no
/// cache cluster, a canary without `useStageCache` serves the request, or the method's setting
/// (its own, else the stage's `*/*` for a `GET`) leaves caching off or its TTL at 0.
pub fn caching(stage: &Stage, resource_path: &str, method: &str, canary: bool) -> Option<Caching> {
    if !stage.cache_cluster_enabled {
        return None;
    }
    if canary
        && !stage
            .canary_settings
            .as_ref()
            .is_some_and(|settings| settings.use_stage_cache)
    {
        return None;
    }
    let setting = match own_setting(stage, resource_path, method) {
        Some(setting) => setting,
        None if method == "GET" => stage.method_settings.get("*/*")?,
        None => return None,
    };
    let ttl = setting.cache_ttl_in_seconds.clamp(0, MAX_TTL_SECONDS);
    (setting.caching_enabled && ttl > 0).then(|| Caching {
        ttl: Duration::from_secs(ttl as u64),
        require_authorization: setting.require_authorization_for_cache_control,
        unauthorized_strategy: setting.unauthorized_cache_control_header_strategy.clone(),
    })
}

/// A method's own setting on `stage`: keyed `~1items/GET` (as patch paths write it) or
/// `items/GET`.
pub fn own_setting<'a>(
    stage: &'a Stage,
    resource_path: &str,
    method: &str,
) -> Option<&'a MethodSetting> {
    let escaped = format!("{}/{method}", resource_path.replace('/', "~1"));
    let plain = format!("{}/{method}", resource_path.trim_start_matches('/'));
    stage
        .method_settings
        .get(&escaped)
        .or_else(|| stage.method_settings.get(&plain))
}

/// Where a stage's entries live in the cache: what FlushStageCache empties.
pub fn stage_prefix(scope: &Scope, api_id: &str, stage: &str) -> String {
    format!("{}/{}/{api_id}/{stage}\n", scope.account, scope.region)
}

/// An entry's key: the stage, the method and resource path, and each cache key parameter
/// (`method.request.querystring.x`, `.multivaluequerystring.x`, `.header.x`, `.path.x`) with
/// the request's value.
pub fn key(
    stage_prefix: &str,
    method: &str,
    resource_path: &str,
    parameters: &[String],
    incoming: &Incoming<'_>,
    path_parameters: &BTreeMap<String, String>,
) -> String {
    let mut key = format!("{stage_prefix}{method} {resource_path}");
    for parameter in parameters {
        let value = parameter_value(parameter, incoming, path_parameters);
        key.push('\n');
        key.push_str(parameter);
        key.push('=');
        key.push_str(&value.unwrap_or_default());
    }
    key
}

fn parameter_value(
    parameter: &str,
    incoming: &Incoming<'_>,
    path_parameters: &BTreeMap<String, String>,
) -> Option<String> {
    let (place, name) = parameter.strip_prefix("method.request.")?.split_once('.')?;
    let query = || form_urlencoded::parse(incoming.query.unwrap_or_default().as_bytes());
    match place {
        "querystring" => query()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned()),
        "multivaluequerystring" => Some(
            query()
                .filter(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
                .collect::<Vec<_>>()
                .join(","),
        ),
        "header" => incoming
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        "path" => path_parameters.get(name).cloned(),
        _ => None,
    }
}

/// Whether a request asks for a fresh answer (`Cache-Control: max-age=0`).
pub fn asks_for_fresh(headers: &HeaderMap) -> bool {
    headers
        .get_all("cache-control")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|directive| directive.trim().eq_ignore_ascii_case("max-age=0"))
}

/// How a request met the cache, for the metrics, the feed and the execution log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    /// Served from the cache; the integration was not called.
    Hit,
    /// Not in the cache (or expired): the integration answered, and the answer was kept.
    Miss,
    /// `Cache-Control: max-age=0` from a client allowed to ask: the integration answered, and
    /// the answer replaced the entry.
    Refreshed,
}

impl CacheUse {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Refreshed => "refreshed",
        }
    }
}

/// A cached answer.
#[derive(Debug, Clone)]
struct Cached {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Cached {
    fn size(&self) -> usize {
        self.body.len()
            + self
                .headers
                .iter()
                .map(|(name, value)| name.as_str().len() + value.len())
                .sum::<usize>()
    }
}

#[derive(Debug)]
struct Entry {
    order: u64,
    expires: Instant,
    answer: Cached,
}

#[derive(Debug, Default)]
struct Entries {
    by_key: HashMap<String, Entry>,
    /// Keys by when they were stored, oldest first: who leaves when the cache is full.
    by_age: BTreeMap<u64, String>,
    next: u64,
    bytes: usize,
}

impl Entries {
    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.by_key.remove(key) {
            self.by_age.remove(&entry.order);
            self.bytes -= key.len() + entry.answer.size();
        }
    }
}

/// Every stage's cached answers.
#[derive(Debug, Default)]
pub struct ResponseCache {
    entries: Mutex<Entries>,
}

impl ResponseCache {
    /// The answer kept under `key`, if it has not expired.
    pub fn answer(&self, key: &str) -> Option<Response> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let expired = entries
            .by_key
            .get(key)
            .map(|entry| entry.expires <= Instant::now())?;
        if expired {
            entries.remove(key);
            return None;
        }
        let cached = entries.by_key.get(key)?.answer.clone();
        let mut response = (cached.status, cached.body).into_response();
        *response.headers_mut() = cached.headers;
        Some(response)
    }

    /// Keeps `response` under `key` for `ttl` when it is small enough, and gives it back.
    pub async fn keep(&self, key: String, ttl: Duration, response: Response) -> Response {
        let exact = response.body().size_hint().exact();
        if exact.is_none_or(|size| size as usize > MAX_CACHED_RESPONSE) {
            return response;
        }
        let (parts, body) = response.into_parts();
        let Ok(body) = axum::body::to_bytes(body, MAX_CACHED_RESPONSE).await else {
            // The size was exact, so this cannot be; answer without the body rather than panic.
            return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
        };
        let answer = Cached {
            status: parts.status,
            headers: parts.headers.clone(),
            body: body.clone(),
        };
        self.insert(key, ttl, answer);
        Response::from_parts(parts, Body::from(body))
    }

    fn insert(&self, key: String, ttl: Duration, answer: Cached) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(&key);
        let size = key.len() + answer.size();
        while entries.bytes + size > MAX_TOTAL_BYTES {
            let Some(oldest) = entries.by_age.values().next().cloned() else {
                break;
            };
            entries.remove(&oldest);
        }
        let order = entries.next;
        entries.next += 1;
        entries.bytes += size;
        entries.by_age.insert(order, key.clone());
        entries.by_key.insert(
            key,
            Entry {
                order,
                expires: Instant::now() + ttl,
                answer,
            },
        );
    }

    /// Drops every entry of a stage (FlushStageCache, a stage deleted or its cache turned off).
    pub fn flush(&self, stage_prefix: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let keys: Vec<String> = entries
            .by_key
            .keys()
            .filter(|key| key.starts_with(stage_prefix))
            .cloned()
            .collect();
        for key in keys {
            entries.remove(&key);
        }
    }

    /// How many bytes the cache holds.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> Bytes {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn an_answer_is_kept_until_its_ttl_and_handed_back_whole() {
        let cache = ResponseCache::default();
        let answered = cache
            .keep(
                "s\nGET /".into(),
                Duration::from_secs(60),
                (StatusCode::CREATED, "made").into_response(),
            )
            .await;
        assert_eq!(body_of(answered).await, "made");
        let hit = cache.answer("s\nGET /").expect("kept");
        assert_eq!(hit.status(), StatusCode::CREATED);
        assert_eq!(body_of(hit).await, "made");
        cache
            .keep(
                "s\nGET /gone".into(),
                Duration::ZERO,
                "brief".into_response(),
            )
            .await;
        assert!(cache.answer("s\nGET /gone").is_none(), "expired");
    }

    #[tokio::test]
    async fn answers_over_a_megabyte_are_not_kept_and_the_oldest_leave_first() {
        let cache = ResponseCache::default();
        let big = vec![b'x'; MAX_CACHED_RESPONSE + 1];
        let passed = cache
            .keep(
                "s\nbig".into(),
                Duration::from_secs(60),
                big.clone().into_response(),
            )
            .await;
        assert_eq!(body_of(passed).await.len(), big.len());
        assert!(cache.answer("s\nbig").is_none());
        let megabyte = vec![b'y'; MAX_CACHED_RESPONSE - 1024];
        for n in 0..40 {
            cache
                .keep(
                    format!("s\n{n}"),
                    Duration::from_secs(60),
                    megabyte.clone().into_response(),
                )
                .await;
        }
        assert!(cache.bytes() <= MAX_TOTAL_BYTES);
        assert!(cache.answer("s\n0").is_none(), "the oldest left");
        assert!(cache.answer("s\n39").is_some(), "the newest stayed");
    }

    #[tokio::test]
    async fn a_flush_empties_one_stage_only() {
        let cache = ResponseCache::default();
        for key in ["a\nGET /", "b\nGET /"] {
            cache
                .keep(key.into(), Duration::from_secs(60), "x".into_response())
                .await;
        }
        cache.flush("a\n");
        assert!(cache.answer("a\nGET /").is_none());
        assert!(cache.answer("b\nGET /").is_some());
    }

    #[test]
    fn max_age_zero_is_found_among_other_directives() {
        let mut headers = HeaderMap::new();
        headers.insert("cache-control", "no-transform, max-age=0".parse().unwrap());
        assert!(asks_for_fresh(&headers));
        headers.insert("cache-control", "max-age=60".parse().unwrap());
        assert!(!asks_for_fresh(&headers));
    }
}
