//! Reserved concurrency, tags, and the account's settings.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use super::{Answer, parse};
use crate::lambda::Lambda;
use crate::lambda::function::invalid_parameter;
use crate::store::Scope;
use crate::wire::Reply;
use crate::wire::rest::Call;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConcurrencyInput {
    reserved_concurrent_executions: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagsInput {
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

impl Lambda {
    pub(in crate::lambda) fn put_concurrency(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, body) = (call.label("FunctionName"), &call.body);
        let input: ConcurrencyInput = parse(body)?;
        let limit = self.concurrency_limit() as i64;
        if !(0..=limit).contains(&input.reserved_concurrent_executions) {
            return Err(invalid_parameter(format!(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [0]. The account limit is {limit}."
            )));
        }
        let reserved = input.reserved_concurrent_executions as u32;
        self.change(scope, reference, |function| {
            function.reserved_concurrency = Some(reserved);
            Ok(())
        })?;
        Ok(Reply::ok(
            json!({ "ReservedConcurrentExecutions": reserved }),
        ))
    }

    pub(in crate::lambda) fn get_concurrency(&self, scope: &Scope, call: &Call) -> Answer {
        let reference = call.label("FunctionName");
        let answer = self.read(scope, reference, |function| {
            match function.reserved_concurrency {
                Some(reserved) => json!({ "ReservedConcurrentExecutions": reserved }),
                None => json!({}),
            }
        })?;
        Ok(Reply::ok(answer))
    }

    pub(in crate::lambda) fn delete_concurrency(&self, scope: &Scope, call: &Call) -> Answer {
        let reference = call.label("FunctionName");
        self.change(scope, reference, |function| {
            function.reserved_concurrency = None;
            Ok(())
        })?;
        Ok(Reply::no_content())
    }

    pub(in crate::lambda) fn tag_resource(&self, scope: &Scope, call: &Call) -> Answer {
        let (resource, body) = (call.label("Resource"), &call.body);
        let input: TagsInput = parse(body)?;
        self.change(scope, resource, |function| {
            function.latest.configuration.tags.extend(input.tags);
            Ok(())
        })?;
        Ok(Reply::no_content())
    }

    pub(in crate::lambda) fn untag_resource(&self, scope: &Scope, call: &Call) -> Answer {
        let (resource, keys) = (call.label("Resource"), call.query_all("tagKeys"));
        self.change(scope, resource, |function| {
            for key in &keys {
                function.latest.configuration.tags.remove(key);
            }
            Ok(())
        })?;
        Ok(Reply::no_content())
    }

    pub(in crate::lambda) fn list_tags(&self, scope: &Scope, call: &Call) -> Answer {
        let resource = call.label("Resource");
        let tags = self.read(scope, resource, |function| {
            function.latest.configuration.tags.clone()
        })?;
        Ok(Reply::ok(json!({ "Tags": tags })))
    }

    pub(in crate::lambda) fn account_settings(&self, scope: &Scope, _call: &Call) -> Answer {
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        let reserved: u32 = functions
            .values()
            .filter_map(|f| f.reserved_concurrency)
            .sum();
        let code_size: u64 = functions
            .values()
            .map(|f| f.latest.configuration.code_size)
            .sum();
        Ok(Reply::ok(json!({
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800_u64,
                "CodeSizeUnzipped": 262_144_000,
                "CodeSizeZipped": 52_428_800,
                "ConcurrentExecutions": self.concurrency_limit(),
                "UnreservedConcurrentExecutions": self.concurrency_limit().saturating_sub(reserved as usize),
            },
            "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": functions.len()},
        })))
    }
}
