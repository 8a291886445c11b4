//! What a run would cost on AWS, labelled an estimate: the requests API Gateway serves, the
//! Lambda requests and the GB-seconds the function was billed (read from its REPORT lines), at
//! a price table that names its region and the date its prices were taken. Free tiers are left
//! out, so the figure is what the same traffic costs an account that has used them up.

use serde::{Deserialize, Serialize};

/// Prices in US dollars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    pub region: String,
    /// When these prices were read from AWS's pricing pages.
    pub as_of: String,
    pub lambda_per_million_requests: f64,
    /// x86_64, the first pricing tier.
    pub lambda_per_gb_second: f64,
    /// REST APIs, the first 333 million requests a month.
    pub rest_api_per_million_requests: f64,
    /// HTTP APIs, the first 300 million requests a month.
    pub http_api_per_million_requests: f64,
}

impl PriceTable {
    /// US East (N. Virginia), on-demand.
    pub fn us_east_1() -> Self {
        Self {
            region: "us-east-1".to_owned(),
            as_of: "2024-12".to_owned(),
            lambda_per_million_requests: 0.20,
            lambda_per_gb_second: 0.000_016_666_7,
            rest_api_per_million_requests: 3.50,
            http_api_per_million_requests: 1.00,
        }
    }
}

/// The kind of API in front of the function, which sets the price of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ApiKind {
    Rest,
    Http,
    /// No API Gateway (a function URL, a plain server): no request price.
    #[default]
    None,
}

impl std::str::FromStr for ApiKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "rest" => Ok(Self::Rest),
            "http" => Ok(Self::Http),
            "none" => Ok(Self::None),
            _ => Err(format!("{text:?} is not an API kind (rest, http, none)")),
        }
    }
}

/// What a function was billed for during a run, from its REPORT lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LambdaUsage {
    pub invocations: u64,
    /// Billed duration × memory, over every invocation (init included where it is billed).
    pub gb_seconds: f64,
    /// The memory size the invocations ran with (the largest seen), in MB.
    pub memory_mb: u32,
}

impl LambdaUsage {
    /// Adds one REPORT line (`REPORT RequestId: …\tDuration: 1.23 ms\tBilled Duration: 2 ms\t
    /// Memory Size: 128 MB\t…`); other lines are ignored. Whether it counted.
    pub fn add_report(&mut self, line: &str) -> bool {
        let Some(rest) = line.trim_start().strip_prefix("REPORT ") else {
            return false;
        };
        let field = |name: &str| {
            rest.split('\t')
                .filter_map(|part| part.trim().strip_prefix(name))
                .find_map(|value| value.split_whitespace().next()?.parse::<f64>().ok())
        };
        let (Some(billed_ms), Some(memory_mb)) = (field("Billed Duration:"), field("Memory Size:"))
        else {
            return false;
        };
        self.invocations += 1;
        self.gb_seconds += billed_ms / 1000.0 * memory_mb / 1024.0;
        self.memory_mb = self.memory_mb.max(memory_mb as u32);
        true
    }
}

/// A run's estimated cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub prices: PriceTable,
    pub api: ApiKind,
    /// Requests the API served (every request the run sent that got an answer).
    pub api_requests: u64,
    /// What the function's logs reported; none when no function was named.
    pub lambda: Option<LambdaUsage>,
    pub api_usd: f64,
    pub lambda_requests_usd: f64,
    pub lambda_duration_usd: f64,
    pub total_usd: f64,
}

impl Estimate {
    pub fn new(
        prices: PriceTable,
        api: ApiKind,
        api_requests: u64,
        lambda: Option<LambdaUsage>,
    ) -> Self {
        let per_million = match api {
            ApiKind::Rest => prices.rest_api_per_million_requests,
            ApiKind::Http => prices.http_api_per_million_requests,
            ApiKind::None => 0.0,
        };
        let api_usd = api_requests as f64 / 1e6 * per_million;
        let usage = lambda.unwrap_or_default();
        let lambda_requests_usd =
            usage.invocations as f64 / 1e6 * prices.lambda_per_million_requests;
        let lambda_duration_usd = usage.gb_seconds * prices.lambda_per_gb_second;
        Self {
            total_usd: api_usd + lambda_requests_usd + lambda_duration_usd,
            prices,
            api,
            api_requests,
            lambda,
            api_usd,
            lambda_requests_usd,
            lambda_duration_usd,
        }
    }

    /// One line for people: `≈ $0.000123 (estimate: 1,000 REST API requests, 1,000 Lambda
    /// requests, 12.5 GB-s at us-east-1 prices of 2024-12; free tiers left out)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.api {
            ApiKind::Rest => parts.push(format!("{} REST API requests", self.api_requests)),
            ApiKind::Http => parts.push(format!("{} HTTP API requests", self.api_requests)),
            ApiKind::None => {}
        }
        if let Some(usage) = &self.lambda {
            parts.push(format!(
                "{} Lambda requests, {:.3} GB-s",
                usage.invocations, usage.gb_seconds
            ));
        }
        format!(
            "≈ ${:.6} (an estimate: {} at {} prices of {}; free tiers left out)",
            self.total_usd,
            if parts.is_empty() {
                "nothing priced".to_owned()
            } else {
                parts.join(", ")
            },
            self.prices.region,
            self.prices.as_of
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_add_billed_gb_seconds() {
        let mut usage = LambdaUsage::default();
        assert!(usage.add_report(
            "REPORT RequestId: 1\tDuration: 99.20 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t"
        ));
        assert!(usage.add_report(
            "REPORT RequestId: 2\tDuration: 1.50 ms\tBilled Duration: 1000 ms\tMemory Size: 1024 MB\tMax Memory Used: 20 MB\tInit Duration: 12.00 ms\t"
        ));
        assert!(!usage.add_report("START RequestId: 3 Version: $LATEST"));
        assert!(!usage.add_report("REPORT RequestId: 4\tDuration: 1 ms"));
        assert_eq!(usage.invocations, 2);
        assert!((usage.gb_seconds - (0.1 * 0.125 + 1.0)).abs() < 1e-9);
        assert_eq!(usage.memory_mb, 1024);
    }

    #[test]
    fn an_estimate_prices_api_requests_lambda_requests_and_duration() {
        let usage = LambdaUsage {
            invocations: 1_000_000,
            gb_seconds: 100_000.0,
            memory_mb: 128,
        };
        let estimate = Estimate::new(
            PriceTable::us_east_1(),
            ApiKind::Rest,
            2_000_000,
            Some(usage),
        );
        assert!((estimate.api_usd - 7.0).abs() < 1e-9);
        assert!((estimate.lambda_requests_usd - 0.2).abs() < 1e-9);
        assert!((estimate.lambda_duration_usd - 1.666_67).abs() < 1e-6);
        assert!((estimate.total_usd - 8.866_67).abs() < 1e-6);
        let line = estimate.describe();
        assert!(
            line.contains("an estimate") && line.contains("us-east-1"),
            "{line}"
        );
        let http = Estimate::new(PriceTable::us_east_1(), ApiKind::Http, 1_000_000, None);
        assert!((http.total_usd - 1.0).abs() < 1e-9);
    }
}
