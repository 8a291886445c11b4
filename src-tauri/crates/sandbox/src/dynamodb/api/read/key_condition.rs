//! Key conditions: which `KeyConditionExpression`s (and legacy `KeyConditions`) DynamoDB accepts,
//! how one splits into the partition key's value and the sort key's condition, the bounds that
//! condition puts on the stored sort key, and the key attributes a Query's filter may not use.

use std::ops::Bound;

use crate::dynamodb::error::validation;
use crate::dynamodb::expr::Condition;
use crate::dynamodb::expr::Path;
use crate::dynamodb::expr::ast::{Comparator, Operand};
use crate::dynamodb::key::{KeySchema, KeyValue, ScalarType};
use crate::dynamodb::value::Value;
use crate::wire::AwsError;

/// The bytes a sort key condition admits, as bounds on the stored sort key.
pub(super) fn sort_key_bounds(condition: &Condition) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let bytes = |value: &Value| KeyValue::from_value(value).map(|key| key.ordered_bytes());
    let unbounded = (Bound::Unbounded, Bound::Unbounded);
    match condition {
        Condition::Compare(left, comparator, right) => {
            let (value, comparator) = match (left, right) {
                (Operand::Path(_), Operand::Value(value)) => (value, *comparator),
                (Operand::Value(value), Operand::Path(_)) => (value, comparator.flipped()),
                _ => return unbounded,
            };
            let Some(value) = bytes(value) else {
                return unbounded;
            };
            match comparator {
                Comparator::Eq => (Bound::Included(value.clone()), Bound::Included(value)),
                Comparator::Lt => (Bound::Unbounded, Bound::Excluded(value)),
                Comparator::Le => (Bound::Unbounded, Bound::Included(value)),
                Comparator::Gt => (Bound::Excluded(value), Bound::Unbounded),
                Comparator::Ge => (Bound::Included(value), Bound::Unbounded),
                Comparator::Ne => unbounded,
            }
        }
        Condition::Between(_, Operand::Value(low), Operand::Value(high)) => {
            match (bytes(low), bytes(high)) {
                (Some(low), Some(high)) => (Bound::Included(low), Bound::Included(high)),
                _ => unbounded,
            }
        }
        Condition::BeginsWith(_, Operand::Value(prefix)) => match bytes(prefix) {
            Some(prefix) => {
                let upper = prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
                (Bound::Included(prefix), upper)
            }
            None => unbounded,
        },
        _ => unbounded,
    }
}

/// The smallest byte string above every string that starts with `prefix`, if there is one.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Refuses what a condition may say but a key condition may not: `OR`, `NOT`, `<>`, `IN`,
/// functions other than `begins_with`, and nested attributes.
pub(super) fn check_key_condition_expression(condition: &Condition) -> Result<(), AwsError> {
    let invalid = |operator: &str| {
        Err(validation(format!(
            "Invalid operator used in KeyConditionExpression: {operator}"
        )))
    };
    let operands: Vec<&Operand> = match condition {
        Condition::And(a, b) => {
            check_key_condition_expression(a)?;
            return check_key_condition_expression(b);
        }
        Condition::Or(..) => return invalid("OR"),
        Condition::Not(..) => return invalid("NOT"),
        Condition::In(..) => return invalid("IN"),
        Condition::Compare(_, Comparator::Ne, _) => return invalid("<>"),
        Condition::AttributeExists(_) => return invalid("attribute_exists"),
        Condition::AttributeNotExists(_) => return invalid("attribute_not_exists"),
        Condition::AttributeType(..) => return invalid("attribute_type"),
        Condition::Contains(..) => return invalid("contains"),
        Condition::Compare(a, _, b) | Condition::BeginsWith(a, b) => vec![a, b],
        Condition::Between(a, b, c) => vec![a, b, c],
    };
    for operand in operands {
        match operand {
            Operand::Size(_) => return invalid("size"),
            Operand::Path(path) if path.segments.len() > 1 => {
                return Err(validation(
                    "KeyConditionExpressions cannot have conditions on nested attributes",
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn not_supported() -> AwsError {
    validation("Query key condition not supported")
}

/// Splits a key condition into the partition key's value and the sort key's condition.
pub(super) fn analyze_key_condition(
    condition: &Condition,
    schema: &KeySchema,
) -> Result<(KeyValue, Option<Condition>), AwsError> {
    let mut parts = Vec::new();
    flatten_and(condition, &mut parts);
    if parts.len() > 2 {
        return Err(validation("Conditions can be of length 1 or 2 only"));
    }
    let mut hash = None;
    let mut range = None;
    for part in parts {
        let attribute = key_attribute_of(part).ok_or_else(not_supported)?;
        if attribute == schema.hash.name {
            let value = match part {
                Condition::Compare(Operand::Path(_), Comparator::Eq, Operand::Value(value))
                | Condition::Compare(Operand::Value(value), Comparator::Eq, Operand::Path(_)) => {
                    value
                }
                _ => return Err(not_supported()),
            };
            if hash.is_some() {
                return Err(validation(
                    "KeyConditionExpressions must only contain one condition per key",
                ));
            }
            hash = Some(typed_key(value, schema.hash.kind)?);
        } else if schema.range.as_ref().is_some_and(|r| r.name == attribute) {
            if range.is_some() {
                return Err(validation(
                    "KeyConditionExpressions must only contain one condition per key",
                ));
            }
            let kind = schema.range.as_ref().map(|r| r.kind);
            for value in condition_values(part) {
                if let Some(kind) = kind {
                    typed_key(value, kind)?;
                }
            }
            match part {
                Condition::Compare(_, Comparator::Ne, _) => return Err(not_supported()),
                Condition::Compare(..) | Condition::Between(..) | Condition::BeginsWith(..) => {}
                _ => return Err(not_supported()),
            }
            range = Some(part.clone());
        } else {
            return Err(validation(format!(
                "Query condition missed key schema element: {}",
                if hash.is_none() {
                    &schema.hash.name
                } else {
                    attribute
                }
            )));
        }
    }
    let hash = hash.ok_or_else(|| {
        validation(format!(
            "Query condition missed key schema element: {}",
            schema.hash.name
        ))
    })?;
    Ok((hash, range))
}

fn flatten_and<'a>(condition: &'a Condition, parts: &mut Vec<&'a Condition>) {
    match condition {
        Condition::And(a, b) => {
            flatten_and(a, parts);
            flatten_and(b, parts);
        }
        other => parts.push(other),
    }
}

/// The single top-level attribute a key condition part is about.
fn key_attribute_of(condition: &Condition) -> Option<&str> {
    let path = match condition {
        Condition::Compare(Operand::Path(path), _, Operand::Value(_))
        | Condition::Compare(Operand::Value(_), _, Operand::Path(path))
        | Condition::Between(Operand::Path(path), Operand::Value(_), Operand::Value(_))
        | Condition::BeginsWith(Operand::Path(path), Operand::Value(_)) => path,
        _ => return None,
    };
    (path.segments.len() == 1).then(|| path.root())
}

fn condition_values(condition: &Condition) -> Vec<&Value> {
    let operands: Vec<&Operand> = match condition {
        Condition::Compare(a, _, b) | Condition::BeginsWith(a, b) => vec![a, b],
        Condition::Between(a, b, c) => vec![a, b, c],
        _ => Vec::new(),
    };
    operands
        .into_iter()
        .filter_map(|operand| match operand {
            Operand::Value(value) => Some(value),
            _ => None,
        })
        .collect()
}

fn typed_key(value: &Value, kind: ScalarType) -> Result<KeyValue, AwsError> {
    KeyValue::from_value(value)
        .filter(|key| {
            matches!(
                (key, kind),
                (KeyValue::S(_), ScalarType::S)
                    | (KeyValue::N(_), ScalarType::N)
                    | (KeyValue::B(_), ScalarType::B)
            )
        })
        .ok_or_else(|| {
            validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
        })
}

/// A filter may not use key attributes of the source being queried.
pub(super) fn reject_key_attributes_in_filter(
    filter: &Condition,
    schema: &KeySchema,
) -> Result<(), AwsError> {
    let mut paths = Vec::new();
    collect_paths(filter, &mut paths);
    if let Some(path) = paths
        .iter()
        .find(|path| schema.is_key_attribute(path.root()))
    {
        return Err(validation(format!(
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: {}",
            path.root()
        )));
    }
    Ok(())
}

pub(super) fn collect_paths<'a>(condition: &'a Condition, out: &mut Vec<&'a Path>) {
    fn operand<'a>(operand_: &'a Operand, out: &mut Vec<&'a Path>) {
        match operand_ {
            Operand::Path(path) => out.push(path),
            Operand::Size(inner) => operand(inner, out),
            Operand::Value(_) => {}
        }
    }
    match condition {
        Condition::Compare(a, _, b) | Condition::BeginsWith(a, b) | Condition::Contains(a, b) => {
            operand(a, out);
            operand(b, out);
        }
        Condition::Between(a, b, c) => {
            operand(a, out);
            operand(b, out);
            operand(c, out);
        }
        Condition::In(a, options) => {
            operand(a, out);
            for option in options {
                operand(option, out);
            }
        }
        Condition::AttributeExists(path) | Condition::AttributeNotExists(path) => out.push(path),
        Condition::AttributeType(subject, type_name) => {
            operand(subject, out);
            operand(type_name, out);
        }
        Condition::And(a, b) | Condition::Or(a, b) => {
            collect_paths(a, out);
            collect_paths(b, out);
        }
        Condition::Not(inner) => collect_paths(inner, out),
    }
}
