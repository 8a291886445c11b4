//! Usage plans: create, read, list (all, or a key's), update with patch operations (stages
//! added and removed as `apiId:stage`, throttle and quota members), delete; the keys of a plan;
//! and GetUsage, the requests each key made per day.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::{items, parse};
use crate::apigw::model::new_id;
use crate::apigw::rest::patch;
use crate::apigw::rest::usage::{self, ApiStage, Quota, QuotaPeriod, Throttle, UsagePlan};
use crate::apigw::rest::{Answer, missing};
use crate::apigw::{ApiGateway, bad_request, conflict};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    api_stages: Vec<ApiStage>,
    throttle: Option<Throttle>,
    quota: Option<Quota>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyInput {
    key_id: Option<String>,
    key_type: Option<String>,
}

fn check_limits(throttle: Option<&Throttle>, quota: Option<&Quota>) -> Result<(), AwsError> {
    if let Some(throttle) = throttle {
        if throttle
            .rate_limit
            .is_some_and(|rate| !(rate >= 0.0 && rate.is_finite()))
        {
            return Err(bad_request(
                "Invalid throttle rate limit: it must be zero or more",
            ));
        }
        if throttle.burst_limit.is_some_and(|burst| burst < 0) {
            return Err(bad_request(
                "Invalid throttle burst limit: it must be zero or more",
            ));
        }
    }
    if let Some(quota) = quota
        && quota.limit < 0
    {
        return Err(bad_request("Invalid quota limit: it must be zero or more"));
    }
    Ok(())
}

impl ApiGateway {
    pub(in crate::apigw) fn create_usage_plan(&self, scope: &Scope, call: &Call) -> Answer {
        let input: CreateInput = parse(&call.body)?;
        let name = input
            .name
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| bad_request("Invalid usage plan name specified: a name is required"))?;
        check_limits(input.throttle.as_ref(), input.quota.as_ref())?;
        for stage in &input.api_stages {
            self.rest_stage_exists(scope, &stage.api_id, &stage.stage)?;
        }
        self.change_usage(scope, |usage| {
            let plan = UsagePlan {
                id: new_id(6),
                name,
                description: input.description,
                api_stages: input.api_stages,
                throttle: input.throttle,
                quota: input.quota,
                tags: input.tags,
                key_ids: Vec::new(),
            };
            self.persist_usage_plan(scope, &plan);
            let shown = plan.to_json();
            usage.plans.insert(plan.id.clone(), plan);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn get_usage_plan(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_usage(scope, |usage| {
            let plan = usage
                .plans
                .get(call.label("usageplanId"))
                .ok_or_else(missing::usage_plan)?;
            Ok(Reply::ok(plan.to_json()))
        })
    }

    pub(in crate::apigw) fn get_usage_plans(&self, scope: &Scope, call: &Call) -> Answer {
        let key = call.query("keyId");
        self.read_usage(scope, |usage| {
            Ok(items(
                usage
                    .plans
                    .values()
                    .filter(|plan| key.is_none_or(|key| plan.key_ids.iter().any(|k| k == key)))
                    .map(UsagePlan::to_json)
                    .collect(),
            ))
        })
    }

    pub(in crate::apigw) fn update_usage_plan(&self, scope: &Scope, call: &Call) -> Answer {
        const PATHS: [&str; 9] = [
            "/name",
            "/description",
            "/apiStages",
            "/throttle/rateLimit",
            "/throttle/burstLimit",
            "/quota/limit",
            "/quota/period",
            "/quota/offset",
            "/productCode",
        ];
        let mut stages_to_check = Vec::new();
        let plan = self.with_usage(scope, |usage| {
            let mut plan = usage
                .plans
                .get(call.label("usageplanId"))
                .cloned()
                .ok_or_else(missing::usage_plan)?;
            patch::each(&call.body, |operation| {
                let throttle = || {
                    plan.throttle.unwrap_or(Throttle {
                        burst_limit: None,
                        rate_limit: None,
                    })
                };
                match operation.path.as_str() {
                    "/name" => plan.name = operation.value()?.to_owned(),
                    "/description" => {
                        plan.description = operation.set_or_remove(&PATHS)?.map(str::to_owned);
                    }
                    "/apiStages" => {
                        let value = operation.value()?;
                        let Some((api_id, stage)) = value.split_once(':') else {
                            return Err(bad_request(format!(
                                "Invalid API stage specified: '{value}' is not apiId:stage"
                            )));
                        };
                        match operation.op {
                            patch::Op::Add => {
                                stages_to_check.push((api_id.to_owned(), stage.to_owned()));
                                if plan
                                    .api_stages
                                    .iter()
                                    .all(|s| s.api_id != api_id || s.stage != stage)
                                {
                                    plan.api_stages.push(ApiStage {
                                        api_id: api_id.to_owned(),
                                        stage: stage.to_owned(),
                                        throttle: BTreeMap::new(),
                                    });
                                }
                            }
                            patch::Op::Remove => {
                                plan.api_stages
                                    .retain(|s| s.api_id != api_id || s.stage != stage);
                            }
                            _ => return Err(operation.unsupported(&PATHS)),
                        }
                    }
                    "/throttle/rateLimit" => {
                        let mut changed = throttle();
                        changed.rate_limit = operation
                            .set_or_remove(&PATHS)?
                            .map(|_| operation.number())
                            .transpose()?;
                        plan.throttle = Some(changed);
                    }
                    "/throttle/burstLimit" => {
                        let mut changed = throttle();
                        changed.burst_limit = operation
                            .set_or_remove(&PATHS)?
                            .map(|_| operation.number())
                            .transpose()?;
                        plan.throttle = Some(changed);
                    }
                    "/quota/limit" | "/quota/period" | "/quota/offset" => {
                        let mut quota = plan.quota.clone().unwrap_or(Quota {
                            limit: 0,
                            offset: 0,
                            period: QuotaPeriod::Day,
                        });
                        match operation.path.as_str() {
                            "/quota/limit" => quota.limit = operation.number()?,
                            "/quota/offset" => quota.offset = operation.number()?,
                            _ => {
                                quota.period =
                                    QuotaPeriod::parse(operation.value()?).ok_or_else(|| {
                                        bad_request(
                                            "Invalid quota period: it must be DAY, WEEK or MONTH",
                                        )
                                    })?;
                            }
                        }
                        plan.quota = Some(quota);
                    }
                    _ => return Err(operation.unsupported(&PATHS)),
                }
                Ok(())
            })?;
            check_limits(plan.throttle.as_ref(), plan.quota.as_ref())?;
            Ok(plan)
        })?;
        for (api_id, stage) in &stages_to_check {
            self.rest_stage_exists(scope, api_id, stage)?;
        }
        self.change_usage(scope, |usage| {
            self.persist_usage_plan(scope, &plan);
            let shown = plan.to_json();
            usage.plans.insert(plan.id.clone(), plan);
            Ok(Reply::ok(shown))
        })
    }

    pub(in crate::apigw) fn delete_usage_plan(&self, scope: &Scope, call: &Call) -> Answer {
        let id = call.label("usageplanId").to_owned();
        self.change_usage(scope, |usage| {
            if usage.plans.remove(&id).is_none() {
                return Err(missing::usage_plan());
            }
            self.persist_usage_deletion(scope, &format!("plan/{id}"));
            for record in usage.forget(Some(&id), None) {
                self.persist_usage_deletion(scope, &record);
            }
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }

    pub(in crate::apigw) fn create_usage_plan_key(&self, scope: &Scope, call: &Call) -> Answer {
        let input: KeyInput = parse(&call.body)?;
        let key_id = input
            .key_id
            .ok_or_else(|| bad_request("Invalid API Key identifier specified"))?;
        if input
            .key_type
            .as_deref()
            .is_some_and(|kind| kind != "API_KEY")
        {
            return Err(bad_request("Invalid key type: it must be API_KEY"));
        }
        self.change_usage(scope, |usage| {
            let key = usage.keys.get(&key_id).cloned().ok_or_else(missing::api_key)?;
            let plan_id = call.label("usageplanId");
            let plan = usage.plans.get(plan_id).ok_or_else(missing::usage_plan)?;
            if plan.key_ids.contains(&key_id) {
                return Err(conflict(format!(
                    "Usage Plan {plan_id} already has API Key {key_id}"
                )));
            }
            // A key may be in several plans, but not in two that cover the same API stage.
            let shared = usage.plans.values().find(|other| {
                other.key_ids.contains(&key_id)
                    && other.api_stages.iter().any(|stage| {
                        plan.api_stages
                            .iter()
                            .any(|s| s.api_id == stage.api_id && s.stage == stage.stage)
                    })
            });
            if let Some(other) = shared {
                return Err(conflict(format!(
                    "Usage Plan {plan_id} cannot be added because API Key {key_id} cannot reference multiple Usage Plans with the same API Stage (it is in {})",
                    other.id
                )));
            }
            let mut plan = plan.clone();
            plan.key_ids.push(key_id.clone());
            self.persist_usage_plan(scope, &plan);
            usage.plans.insert(plan.id.clone(), plan);
            Ok(Reply::created(plan_key_json(&key)))
        })
    }

    pub(in crate::apigw) fn get_usage_plan_keys(&self, scope: &Scope, call: &Call) -> Answer {
        let name_query = call.query("nameQuery");
        self.read_usage(scope, |usage| {
            let plan = usage
                .plans
                .get(call.label("usageplanId"))
                .ok_or_else(missing::usage_plan)?;
            Ok(items(
                plan.key_ids
                    .iter()
                    .filter_map(|id| usage.keys.get(id))
                    .filter(|key| name_query.is_none_or(|prefix| key.name.starts_with(prefix)))
                    .map(plan_key_json)
                    .collect(),
            ))
        })
    }

    pub(in crate::apigw) fn get_usage_plan_key(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_usage(scope, |usage| {
            let plan = usage
                .plans
                .get(call.label("usageplanId"))
                .ok_or_else(missing::usage_plan)?;
            let key_id = call.label("keyId");
            let key = plan
                .key_ids
                .iter()
                .find(|id| *id == key_id)
                .and_then(|id| usage.keys.get(id))
                .ok_or_else(missing::usage_plan_key)?;
            Ok(Reply::ok(plan_key_json(key)))
        })
    }

    pub(in crate::apigw) fn delete_usage_plan_key(&self, scope: &Scope, call: &Call) -> Answer {
        self.change_usage(scope, |usage| {
            let plan_id = call.label("usageplanId");
            let key_id = call.label("keyId");
            let mut plan = usage
                .plans
                .get(plan_id)
                .cloned()
                .ok_or_else(missing::usage_plan)?;
            if !plan.key_ids.iter().any(|id| id == key_id) {
                return Err(missing::usage_plan_key());
            }
            plan.key_ids.retain(|id| id != key_id);
            self.persist_usage_plan(scope, &plan);
            usage.plans.insert(plan.id.clone(), plan);
            for record in usage.forget(Some(plan_id), Some(key_id)) {
                self.persist_usage_deletion(scope, &record);
            }
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }

    pub(in crate::apigw) fn get_usage(&self, scope: &Scope, call: &Call) -> Answer {
        let day = |name: &str| -> Result<i64, AwsError> {
            let text = call.query(name).ok_or_else(|| {
                bad_request(format!("Invalid {name}: a date (YYYY-MM-DD) is required"))
            })?;
            usage::parse_day(text)
                .ok_or_else(|| bad_request(format!("Invalid {name} '{text}': expected YYYY-MM-DD")))
        };
        let (first, last) = (day("startDate")?, day("endDate")?);
        if last < first {
            return Err(bad_request(
                "Invalid endDate: it must not be before startDate",
            ));
        }
        if last - first > 90 {
            return Err(bad_request(
                "Invalid date range: at most 90 days can be read at once",
            ));
        }
        let key = call.query("keyId");
        self.read_usage(scope, |usage| {
            let plan = usage
                .plans
                .get(call.label("usageplanId"))
                .ok_or_else(missing::usage_plan)?;
            Ok(Reply::ok(json!({
                "usagePlanId": plan.id,
                "startDate": usage::day_name(first),
                "endDate": usage::day_name(last),
                "values": usage.usage(plan, key, first, last),
            })))
        })
    }
}

/// A usage plan's key as GetUsagePlanKeys shows it.
fn plan_key_json(key: &usage::ApiKey) -> serde_json::Value {
    json!({"id": key.id, "type": "API_KEY", "value": key.value, "name": key.name})
}
