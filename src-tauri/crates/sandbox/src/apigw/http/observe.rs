//! What happens after a request is answered: its stage's metrics, the access log line (in the
//! stage's format, to its CloudWatch Logs group) and the inspection feed's record.

use std::time::Duration;

use super::context::RequestContext;
use super::{Incoming, Trace};
use crate::apigw::rest::cache::CacheUse;
use crate::apigw::{ApiGateway, event};
use crate::store::Scope;
use lab_feed::{HttpRequest, Kind, Record, RecordedResponse};

impl ApiGateway {
    /// Counts the request in its stage's metrics, writes the access log line, and reports it.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn observe(
        &self,
        scope: &Scope,
        api_id: &str,
        incoming: &Incoming<'_>,
        request_id: &str,
        trace: &Trace,
        (length, response): (String, RecordedResponse),
        latency: Duration,
    ) {
        let status = response.status;
        let stage = trace.stage.clone().unwrap_or_default();
        if status >= 500 {
            tracing::warn!(
                api = %api_id,
                %stage,
                route = trace.route_key.as_deref().unwrap_or("-"),
                status,
                reason = trace.error.as_deref().unwrap_or("no reason was recorded"),
                "API Gateway answered a server error"
            );
        }
        let metrics = {
            let mut all = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
            let metrics = all.entry((api_id.to_owned(), stage.clone())).or_default();
            metrics.count += 1;
            metrics.client_errors += u64::from((400..500).contains(&status));
            metrics.server_errors += u64::from(status >= 500);
            metrics.latency_ms_total += latency.as_secs_f64() * 1000.0;
            metrics.integration_latency_ms_total += trace
                .integration_latency
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
            match trace.cache {
                Some(CacheUse::Hit) => metrics.cache_hit_count += 1,
                Some(CacheUse::Miss | CacheUse::Refreshed) => metrics.cache_miss_count += 1,
                None => {}
            }
            metrics.clone()
        };
        let request = RequestContext {
            request_id,
            api_id,
            stage: &stage,
            route_key: trace.route_key.as_deref(),
            incoming,
        };
        let variables = |name: &str| -> String {
            match name {
                "status" => status.to_string(),
                "responseLength" => length.clone(),
                "responseLatency" => latency.as_millis().to_string(),
                "integrationLatency" => trace
                    .integration_latency
                    .map_or_else(|| "-".to_owned(), |d| d.as_millis().to_string()),
                "integrationStatus" => trace
                    .integration_status
                    .map_or_else(|| "-".to_owned(), |s| s.to_string()),
                "integrationErrorMessage" => trace.error.clone().unwrap_or_else(|| "-".to_owned()),
                "requestTime" => event::request_time(),
                "requestTimeEpoch" => (std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()))
                .to_string(),
                _ => request.variable(name).unwrap_or_else(|| "-".to_owned()),
            }
        };
        if let (Some(settings), Some(logs)) = (&trace.access_log, self.logs()) {
            let destination = settings.destination_arn.as_deref().unwrap_or_default();
            let format = settings.format.as_deref().unwrap_or("$context.requestId");
            if let Some(group) = destination.split(":log-group:").nth(1) {
                let group = group.trim_end_matches(":*");
                let line = access_log_line(format, &variables);
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                logs.append(
                    scope,
                    group,
                    &format!("{api_id}_{stage}"),
                    vec![(now, line)],
                )
                .await;
            }
        }
        if let (Some(logging), Some(logs)) = (trace.execution_log, self.logs()) {
            let headers: Vec<(String, String)> = event::header_pairs(incoming.headers).collect();
            let lines = crate::apigw::rest::execution_log::lines(
                logging,
                trace,
                &crate::apigw::rest::execution_log::Request {
                    request_id,
                    method: incoming.method.as_str(),
                    query: incoming.query,
                    headers: &headers,
                    body: &incoming.body,
                    status,
                    response_body: &response.body,
                },
            );
            if !lines.is_empty() {
                let now = crate::clock::now_millis();
                logs.append(
                    scope,
                    &crate::apigw::rest::execution_log::group(api_id, &stage),
                    &format!("{api_id}_{stage}"),
                    lines.into_iter().map(|line| (now, line)).collect(),
                )
                .await;
            }
        }
        self.record(Record::new(
            scope.region.clone(),
            Kind::Request(HttpRequest {
                api_id: api_id.to_owned(),
                stage,
                request_id: request_id.to_owned(),
                method: incoming.method.to_string(),
                path: incoming.path.to_owned(),
                query: incoming.query.map(str::to_owned),
                route_key: trace.route_key.clone(),
                status,
                started_ms: Some(crate::clock::epoch_ms_ago(latency)),
                latency_ms: latency.as_secs_f64() * 1000.0,
                integration_latency_ms: trace.integration_latency.map(|d| d.as_secs_f64() * 1000.0),
                integration_status: trace.integration_status,
                error: trace.error.clone(),
                integration: trace.integration.clone(),
                event: trace.event.clone(),
                answer: trace.answer.clone(),
                response,
                cache: trace.cache.map(|used| used.as_str().to_owned()),
                authorizer: trace.authorizer.clone(),
                metrics,
            }),
        ));
    }
}

/// An access log line: `$context.x` variables of `format` replaced by their values.
fn access_log_line(format: &str, value: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(format.len() + 64);
    let mut rest = format;
    while let Some(at) = rest.find("$context.") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "$context.".len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .unwrap_or(after.len());
        let name = after[..end].trim_end_matches('.');
        out.push_str(&value(name));
        rest = &after[name.len()..];
    }
    out.push_str(rest);
    out
}
