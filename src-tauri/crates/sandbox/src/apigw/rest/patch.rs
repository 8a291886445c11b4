//! API Gateway v1's updates: a list of JSON-Patch-like operations (`op`, `path`, `value`,
//! `from`) that each Update* operation applies to the members it lets change, refusing the
//! others the way API Gateway does.

use serde::Deserialize;

use crate::apigw::bad_request;
use crate::wire::AwsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Add,
    Remove,
    Replace,
    Move,
    Copy,
    Test,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
            Self::Replace => "replace",
            Self::Move => "move",
            Self::Copy => "copy",
            Self::Test => "test",
        }
    }
}

/// One operation of an update.
#[derive(Debug, Clone, Deserialize)]
pub struct Operation {
    pub op: Op,
    pub path: String,
    pub value: Option<String>,
    /// Where `copy` and `move` take their value from.
    #[serde(default)]
    pub from: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Update {
    #[serde(default)]
    pub patch_operations: Vec<Operation>,
}

impl Operation {
    /// The path's segments after the leading `/`, with JSON Pointer's escapes undone (`~1` is
    /// `/`, as in `/binaryMediaTypes/image~1png`).
    pub fn segments(&self) -> Vec<String> {
        self.path
            .trim_start_matches('/')
            .split('/')
            .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
            .collect()
    }

    /// The operation's value, which `add` and `replace` need.
    pub fn value(&self) -> Result<&str, AwsError> {
        self.value.as_deref().ok_or_else(|| {
            bad_request(format!(
                "Invalid patch operation specified: {} of {} needs a value",
                self.op.as_str(),
                self.path
            ))
        })
    }

    /// The value read as a boolean (`"true"`/`"false"`).
    pub fn flag(&self) -> Result<bool, AwsError> {
        match self.value()? {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(bad_request(format!(
                "Invalid value '{other}' for {}: must be true or false",
                self.path
            ))),
        }
    }

    /// The value read as a number.
    pub fn number<T: std::str::FromStr>(&self) -> Result<T, AwsError> {
        let value = self.value()?;
        value.parse().map_err(|_| {
            bad_request(format!(
                "Invalid value '{value}' for {}: must be a number",
                self.path
            ))
        })
    }

    /// The value to set for `add`/`replace`, or `None` for `remove`; other operations are
    /// refused on this path.
    pub fn set_or_remove(&self, allowed: &[&str]) -> Result<Option<&str>, AwsError> {
        match self.op {
            Op::Add | Op::Replace => self.value().map(Some),
            Op::Remove => Ok(None),
            _ => Err(self.unsupported(allowed)),
        }
    }

    /// API Gateway's answer to a path (or an operation on it) an update may not touch.
    pub fn unsupported(&self, allowed: &[&str]) -> AwsError {
        bad_request(format!(
            "Invalid patch path '{}' specified for op '{}'. Must be one of: [{}]",
            self.path,
            self.op.as_str(),
            allowed.join(", ")
        ))
    }
}

/// Applies each operation of `update` with `apply`, stopping at the first it refuses.
pub fn each(
    body: &[u8],
    mut apply: impl FnMut(&Operation) -> Result<(), AwsError>,
) -> Result<(), AwsError> {
    let update: Update = crate::apigw::api::parse(body)?;
    update.patch_operations.iter().try_for_each(&mut apply)
}

/// Sets, replaces or removes `key` in `map` as `operation` says.
pub fn map_entry<V>(
    map: &mut std::collections::BTreeMap<String, V>,
    key: String,
    operation: &Operation,
    allowed: &[&str],
    parse: impl FnOnce(&str) -> Result<V, AwsError>,
) -> Result<(), AwsError> {
    match operation.set_or_remove(allowed)? {
        Some(value) => {
            map.insert(key, parse(value)?);
        }
        None => {
            map.remove(&key);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(op: Op, path: &str, value: Option<&str>) -> Operation {
        Operation {
            op,
            path: path.to_owned(),
            value: value.map(str::to_owned),
            from: None,
        }
    }

    #[test]
    fn paths_unescape_as_json_pointers_do() {
        let op = operation(Op::Add, "/binaryMediaTypes/image~1png", None);
        assert_eq!(op.segments(), ["binaryMediaTypes", "image/png"]);
    }

    #[test]
    fn flags_and_numbers_are_checked() {
        assert!(operation(Op::Replace, "/a", Some("true")).flag().unwrap());
        assert!(operation(Op::Replace, "/a", Some("yes")).flag().is_err());
        assert_eq!(
            operation(Op::Replace, "/a", Some("12"))
                .number::<i64>()
                .unwrap(),
            12
        );
        assert!(operation(Op::Replace, "/a", None).value().is_err());
    }

    #[test]
    fn refusals_name_the_path_and_the_op() {
        let error = operation(Op::Move, "/name", None).unsupported(&["/name"]);
        assert!(error.message.contains("'/name'"), "{}", error.message);
        assert!(error.message.contains("'move'"), "{}", error.message);
    }
}
