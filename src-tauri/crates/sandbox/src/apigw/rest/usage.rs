//! API keys and usage plans: what a method that requires an API key checks. A key is known by
//! its value (the `x-api-key` header), must be enabled, and must belong to a usage plan that
//! names the request's API and stage; the plan's throttle (a token bucket per key) and quota
//! (requests per day, week or month per key) then decide whether the request goes on. Keys,
//! plans and each key's daily counts are stored (a count is written as it changes, without the
//! request waiting for it), so quota periods carry on across a restart; the throttles' buckets
//! live in memory.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::apigw::http::throttle::Bucket;
use crate::apigw::model::aws_enum;
use crate::clock::civil_from_days;

/// An API key as API Gateway stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub value: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub enabled: bool,
    pub created_date: i64,
    pub last_updated_date: i64,
    /// `restApiId/stageName`.
    #[serde(default)]
    pub stage_keys: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl ApiKey {
    /// The key as API Gateway shows it: its value only when asked for.
    pub fn to_json(&self, with_value: bool) -> Json {
        let mut out = serde_json::to_value(self).unwrap_or(Json::Null);
        if !with_value && let Some(members) = out.as_object_mut() {
            members.remove("value");
        }
        out
    }
}

aws_enum!(
    /// The period a usage plan's quota counts requests over.
    QuotaPeriod { Day = "DAY", Week = "WEEK", Month = "MONTH" }
);

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Throttle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
}

impl Throttle {
    /// `(rate, burst)` when the throttle limits anything.
    pub fn limits(&self) -> Option<(f64, f64)> {
        let rate = self.rate_limit?;
        // Without a burst, API Gateway lets a second's worth through at once.
        let burst = self.burst_limit.map_or(rate.max(1.0), |b| b as f64);
        Some((rate, burst))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
    pub period: QuotaPeriod,
}

/// An API stage a usage plan covers, with per-method throttles (`/{resource path}/{METHOD}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStage {
    pub api_id: String,
    pub stage: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub throttle: BTreeMap<String, Throttle>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub api_stages: Vec<ApiStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<Throttle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The ids of the API keys in the plan (shown by GetUsagePlanKeys, not by GetUsagePlan).
    #[serde(default)]
    pub key_ids: Vec<String>,
}

impl UsagePlan {
    pub fn to_json(&self) -> Json {
        let mut out = serde_json::to_value(self).unwrap_or(Json::Null);
        if let Some(members) = out.as_object_mut() {
            members.remove("keyIds");
        }
        out
    }

    fn covers(&self, api_id: &str, stage: &str) -> Option<&ApiStage> {
        self.api_stages
            .iter()
            .find(|covered| covered.api_id == api_id && covered.stage == stage)
    }
}

/// The API keys and usage plans of one account in one region, and what they have used.
#[derive(Debug, Default)]
pub struct Usage {
    pub keys: BTreeMap<String, ApiKey>,
    pub plans: BTreeMap<String, UsagePlan>,
    /// Requests per (plan, key, day as `YYYY-MM-DD`), for quotas and GetUsage.
    pub daily: BTreeMap<(String, String, String), i64>,
    buckets: HashMap<(String, String, String), Bucket>,
}

/// Why a request with an API key was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No key, an unknown or disabled one, or one in no plan for this stage (403 Forbidden).
    Forbidden(String),
    /// The plan's (or method's) throttle (429 Too Many Requests).
    Throttled(String),
    /// The plan's quota for the period (429 Limit Exceeded).
    QuotaExceeded(String),
}

/// The key a request was admitted with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    pub key_id: String,
    pub key_value: String,
    pub plan_id: String,
}

impl Usage {
    /// Checks (and counts) one request to `method_path` (`/{resource path}/{METHOD}`) of an API
    /// stage made with the API key `value`, on `day` (days since the epoch).
    pub fn admit(
        &mut self,
        value: Option<&str>,
        api_id: &str,
        stage: &str,
        method_path: &str,
        day: i64,
    ) -> Result<Admitted, Refused> {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return Err(Refused::Forbidden(
                "the method requires an API key and the request has no x-api-key header".into(),
            ));
        };
        let Some(key) = self.keys.values().find(|key| key.value == value) else {
            return Err(Refused::Forbidden(
                "the x-api-key header names no API key".into(),
            ));
        };
        if !key.enabled {
            return Err(Refused::Forbidden(format!(
                "the API key {} is disabled",
                key.id
            )));
        }
        let Some((plan, covered)) = self.plans.values().find_map(|plan| {
            plan.key_ids
                .contains(&key.id)
                .then(|| plan.covers(api_id, stage).map(|covered| (plan, covered)))
                .flatten()
        }) else {
            return Err(Refused::Forbidden(format!(
                "the API key {} is in no usage plan of stage {stage} of API {api_id}",
                key.id
            )));
        };
        let admitted = Admitted {
            key_id: key.id.clone(),
            key_value: key.value.clone(),
            plan_id: plan.id.clone(),
        };
        let throttle = covered.throttle.get(method_path).or(plan.throttle.as_ref());
        if let Some((rate, burst)) = throttle.and_then(Throttle::limits) {
            let bucket_key = (plan.id.clone(), key.id.clone(), method_path.to_owned());
            let bucket = self
                .buckets
                .entry(bucket_key)
                .or_insert_with(|| Bucket::full(burst));
            if !bucket.take(rate, burst) {
                return Err(Refused::Throttled(format!(
                    "usage plan {} lets API key {} make {rate} requests a second (burst {burst})",
                    plan.id, key.id
                )));
            }
        }
        if let Some(quota) = &plan.quota {
            let (first, last) = period_days(quota, day);
            let used: i64 = self
                .daily
                .range(
                    (plan.id.clone(), key.id.clone(), day_name(first))
                        ..=(plan.id.clone(), key.id.clone(), day_name(last)),
                )
                .map(|(_, count)| *count)
                .sum();
            if used >= quota.limit {
                return Err(Refused::QuotaExceeded(format!(
                    "API key {} used its {} requests a {} of usage plan {}",
                    key.id,
                    quota.limit,
                    quota.period.as_str().to_ascii_lowercase(),
                    plan.id
                )));
            }
        }
        *self
            .daily
            .entry((
                admitted.plan_id.clone(),
                admitted.key_id.clone(),
                day_name(day),
            ))
            .or_default() += 1;
        Ok(admitted)
    }

    /// GetUsage's `values` (the SDKs' `items`): per key, `[used, remaining]` for each day from `first` to `last`.
    pub fn usage(&self, plan: &UsagePlan, key_filter: Option<&str>, first: i64, last: i64) -> Json {
        let mut items = serde_json::Map::new();
        for key_id in plan
            .key_ids
            .iter()
            .filter(|id| key_filter.is_none_or(|k| k == *id))
        {
            let days: Vec<Json> = (first..=last)
                .map(|day| {
                    let used = self
                        .daily
                        .get(&(plan.id.clone(), key_id.clone(), day_name(day)))
                        .copied()
                        .unwrap_or(0);
                    let remaining = plan.quota.as_ref().map_or(0, |quota| {
                        let (start, end) = period_days(quota, day);
                        let spent: i64 = (start..=day.min(end))
                            .map(|d| {
                                self.daily
                                    .get(&(plan.id.clone(), key_id.clone(), day_name(d)))
                                    .copied()
                                    .unwrap_or(0)
                            })
                            .sum();
                        (quota.limit - spent).max(0)
                    });
                    json!([used, remaining])
                })
                .collect();
            items.insert(key_id.clone(), Json::Array(days));
        }
        Json::Object(items)
    }

    /// Forgets what a deleted plan or key used; the stored counts' record names to delete.
    #[must_use]
    pub fn forget(&mut self, plan_id: Option<&str>, key_id: Option<&str>) -> Vec<String> {
        let matches = |plan: &str, key: &str| {
            plan_id.is_none_or(|p| p == plan) && key_id.is_none_or(|k| k == key)
        };
        let forgotten = self
            .daily
            .keys()
            .filter(|(plan, key, _)| matches(plan, key))
            .map(|(plan, key, day)| used_record(plan, key, day))
            .collect();
        self.daily.retain(|(plan, key, _), _| !matches(plan, key));
        self.buckets.retain(|(plan, key, _), _| !matches(plan, key));
        forgotten
    }

    /// How many requests key `key` made under plan `plan` on `day` (`YYYY-MM-DD`).
    pub fn used_on(&self, plan: &str, key: &str, day: &str) -> i64 {
        self.daily
            .get(&(plan.to_owned(), key.to_owned(), day.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

/// The name of the stored record of a key's count for a day under a plan.
pub fn used_record(plan: &str, key: &str, day: &str) -> String {
    format!("used/{plan}/{key}/{day}")
}

/// The stored keys (`key/{id}`), plans (`plan/{id}`) and daily counts
/// (`used/{plan}/{key}/{day}`) by region; the name and reason of one that cannot be read.
pub fn load(
    stored: Vec<crate::store::StoredDefinition>,
) -> Result<HashMap<crate::store::Scope, Usage>, (String, String)> {
    let mut regions: HashMap<crate::store::Scope, Usage> = HashMap::new();
    for row in stored {
        let usage = regions.entry(row.scope.clone()).or_default();
        let unreadable = |error: serde_json::Error| (row.name.clone(), error.to_string());
        match row.name.split_once('/') {
            Some(("key", id)) => {
                let key: ApiKey = serde_json::from_str(&row.definition).map_err(unreadable)?;
                usage.keys.insert(id.to_owned(), key);
            }
            Some(("plan", id)) => {
                let plan: UsagePlan = serde_json::from_str(&row.definition).map_err(unreadable)?;
                usage.plans.insert(id.to_owned(), plan);
            }
            Some(("used", rest)) => {
                let mut parts = rest.splitn(3, '/');
                let (Some(plan), Some(key), Some(day)) = (parts.next(), parts.next(), parts.next())
                else {
                    return Err((
                        row.name.clone(),
                        "a used/ record names no plan, key and day".into(),
                    ));
                };
                let count: i64 = serde_json::from_str(&row.definition).map_err(unreadable)?;
                usage
                    .daily
                    .insert((plan.to_owned(), key.to_owned(), day.to_owned()), count);
            }
            _ => {
                return Err((
                    row.name.clone(),
                    "neither a key/, a plan/ nor a used/ record".into(),
                ));
            }
        }
    }
    Ok(regions)
}

/// The first and last day (days since the epoch) of the quota period holding `day`. Weeks
/// start on Monday, months on their first day; `offset` moves the start by that many days.
fn period_days(quota: &Quota, day: i64) -> (i64, i64) {
    let shifted = day - quota.offset;
    match quota.period {
        QuotaPeriod::Day => (day, day),
        QuotaPeriod::Week => {
            // 1970-01-01 was a Thursday: day 4 is the first Monday.
            let start = shifted - (shifted - 4).rem_euclid(7) + quota.offset;
            (start, start + 6)
        }
        QuotaPeriod::Month => {
            let (year, month, _) = civil_from_days(shifted);
            let start = days_from_civil(year, month, 1) + quota.offset;
            let (next_year, next_month) = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
            (
                start,
                days_from_civil(next_year, next_month, 1) + quota.offset - 1,
            )
        }
    }
}

/// `YYYY-MM-DD` of a day since the epoch.
pub fn day_name(day: i64) -> String {
    let (year, month, date) = civil_from_days(day);
    format!("{year:04}-{month:02}-{date:02}")
}

/// Days since the epoch of `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts
        .next()?
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let date = parts
        .next()?
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))?;
    Some(days_from_civil(year, month, date))
}

/// Days since the epoch of a civil date (the inverse of `clock::civil_from_days`).
fn days_from_civil(year: i64, month: u32, date: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(date) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Today, in days since the epoch.
pub fn today() -> i64 {
    crate::clock::now_millis().div_euclid(86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(throttle: Option<Throttle>, quota: Option<Quota>) -> Usage {
        let mut usage = Usage::default();
        usage.keys.insert(
            "k1".into(),
            ApiKey {
                id: "k1".into(),
                value: "v".repeat(20),
                name: "student".into(),
                customer_id: None,
                description: None,
                enabled: true,
                created_date: 0,
                last_updated_date: 0,
                stage_keys: Vec::new(),
                tags: BTreeMap::new(),
            },
        );
        usage.plans.insert(
            "p1".into(),
            UsagePlan {
                id: "p1".into(),
                name: "basic".into(),
                description: None,
                api_stages: vec![ApiStage {
                    api_id: "api".into(),
                    stage: "prod".into(),
                    throttle: BTreeMap::new(),
                }],
                throttle,
                quota,
                tags: BTreeMap::new(),
                key_ids: vec!["k1".into()],
            },
        );
        usage
    }

    #[test]
    fn a_key_must_exist_be_enabled_and_be_in_a_plan_of_the_stage() {
        let mut usage = usage(None, None);
        let key = "v".repeat(20);
        assert!(usage.admit(Some(&key), "api", "prod", "/GET", 0).is_ok());
        for (value, stage) in [
            (None, "prod"),
            (Some("nope"), "prod"),
            (Some(key.as_str()), "dev"),
        ] {
            assert!(matches!(
                usage.admit(value, "api", stage, "/GET", 0),
                Err(Refused::Forbidden(_))
            ));
        }
        usage.keys.get_mut("k1").unwrap().enabled = false;
        assert!(matches!(
            usage.admit(Some(&key), "api", "prod", "/GET", 0),
            Err(Refused::Forbidden(_))
        ));
    }

    #[test]
    fn a_quota_counts_requests_per_period() {
        let quota = Quota {
            limit: 3,
            offset: 0,
            period: QuotaPeriod::Week,
        };
        let mut usage = usage(None, Some(quota));
        let key = "v".repeat(20);
        let monday = parse_day("2026-12-07").unwrap();
        for day in [monday, monday + 1, monday + 6] {
            assert!(usage.admit(Some(&key), "api", "prod", "/GET", day).is_ok());
        }
        assert!(matches!(
            usage.admit(Some(&key), "api", "prod", "/GET", monday + 6),
            Err(Refused::QuotaExceeded(_))
        ));
        assert!(
            usage
                .admit(Some(&key), "api", "prod", "/GET", monday + 7)
                .is_ok(),
            "a new week"
        );
        let plan = usage.plans["p1"].clone();
        assert_eq!(
            usage.usage(&plan, None, monday, monday + 1),
            json!({"k1": [[1, 2], [1, 1]]})
        );
    }

    #[test]
    fn a_throttle_allows_its_burst_then_refuses() {
        let throttle = Throttle {
            burst_limit: Some(2),
            rate_limit: Some(0.001),
        };
        let mut usage = usage(Some(throttle), None);
        let key = "v".repeat(20);
        assert!(usage.admit(Some(&key), "api", "prod", "/GET", 0).is_ok());
        assert!(usage.admit(Some(&key), "api", "prod", "/GET", 0).is_ok());
        assert!(matches!(
            usage.admit(Some(&key), "api", "prod", "/GET", 0),
            Err(Refused::Throttled(_))
        ));
    }

    #[test]
    fn days_and_months_convert_both_ways() {
        for text in ["1970-01-01", "2024-02-29", "2026-12-07", "2000-03-01"] {
            assert_eq!(day_name(parse_day(text).unwrap()), text);
        }
        let quota = Quota {
            limit: 1,
            offset: 0,
            period: QuotaPeriod::Month,
        };
        let day = parse_day("2024-02-15").unwrap();
        let (first, last) = period_days(&quota, day);
        assert_eq!(
            (day_name(first), day_name(last)),
            ("2024-02-01".into(), "2024-02-29".into())
        );
        assert_eq!(parse_day("2024-13-01"), None);
    }
}
