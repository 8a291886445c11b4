//! Stage throttling: a token bucket per API, stage and route key, refilled at the route's (or
//! the stage's default) `throttlingRateLimit` up to its `throttlingBurstLimit`.

use crate::apigw::{ApiGateway, model};

/// A token bucket for a stage's throttling settings.
#[derive(Debug)]
pub(in crate::apigw) struct Bucket {
    tokens: f64,
    last: std::time::Instant,
}

impl ApiGateway {
    /// Whether the stage's throttling settings let one more request through on `route_key`.
    pub(super) fn admit(&self, api_id: &str, stage: &model::Stage, route_key: &str) -> bool {
        let settings = stage
            .route_settings
            .get(route_key)
            .filter(|settings| settings.throttling_rate_limit.is_some())
            .unwrap_or(&stage.default_route_settings);
        let Some((rate, burst)) = settings.throttling() else {
            return true;
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets
            .entry((api_id.to_owned(), stage.name.clone(), route_key.to_owned()))
            .or_insert(Bucket {
                tokens: burst,
                last: std::time::Instant::now(),
            });
        let now = std::time::Instant::now();
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
