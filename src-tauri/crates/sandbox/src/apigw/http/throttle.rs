//! Stage throttling: a token bucket per API, stage and route key, refilled at the route's (or
//! the stage's default) `throttlingRateLimit` up to its `throttlingBurstLimit`.

use crate::apigw::{ApiGateway, model};

/// A token bucket: `burst` tokens at most, refilled at `rate` a second, one per request.
#[derive(Debug)]
pub(in crate::apigw) struct Bucket {
    tokens: f64,
    last: std::time::Instant,
}

impl Bucket {
    pub fn full(burst: f64) -> Self {
        Self {
            tokens: burst,
            last: std::time::Instant::now(),
        }
    }

    /// Takes a token if there is one, after refilling for the time since the last request.
    pub fn take(&mut self, rate: f64, burst: f64) -> bool {
        let now = std::time::Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * rate).min(burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
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
        buckets
            .entry((api_id.to_owned(), stage.name.clone(), route_key.to_owned()))
            .or_insert_with(|| Bucket::full(burst))
            .take(rate, burst)
    }
}
