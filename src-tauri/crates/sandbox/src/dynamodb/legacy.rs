//! The legacy (pre-expression) parameters — `Expected`, `AttributeUpdates`, `AttributesToGet`,
//! `KeyConditions`, `QueryFilter`, `ScanFilter`, `ConditionalOperator` — translated into the same
//! syntax trees expressions produce, so there is one evaluator. Older course material and many
//! answers online still use them.

use serde_json::{Map, Value as Json};

use super::error::validation;
use super::expr::ast::{Comparator, Operand, Segment, SetOperand, SetValue, Update};
use super::expr::{Condition, Path, compare_values};
use super::input::Input;
use super::value::{Value, check_attribute_name};
use crate::wire::AwsError;

/// The parameters expressions replaced. `KeyConditions` is apart: DynamoDB lets it go with any
/// expression but `KeyConditionExpression`.
const LEGACY_PARAMETERS: [&str; 6] = [
    "AttributeUpdates",
    "AttributesToGet",
    "ConditionalOperator",
    "Expected",
    "QueryFilter",
    "ScanFilter",
];

const EXPRESSION_PARAMETERS: [&str; 5] = [
    "ConditionExpression",
    "FilterExpression",
    "KeyConditionExpression",
    "ProjectionExpression",
    "UpdateExpression",
];

/// Rejects requests that mix legacy and expression parameters, as DynamoDB does; checked once
/// per input, where it comes in (a request, a batch's table, a transaction's action).
pub fn reject_mixed(input: &Input) -> Result<(), AwsError> {
    reject_mixed_among(input, &LEGACY_PARAMETERS, &EXPRESSION_PARAMETERS)?;
    reject_mixed_among(input, &["KeyConditions"], &["KeyConditionExpression"])
}

fn reject_mixed_among(
    input: &Input,
    legacy: &[&str],
    expressions: &[&str],
) -> Result<(), AwsError> {
    let present = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|name| input.get(name).is_some())
            .map(|name| (*name).to_owned())
            .collect()
    };
    let (old, new) = (present(legacy), present(expressions));
    if !old.is_empty() && !new.is_empty() {
        return Err(validation(format!(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
            old.join(", "),
            new.join(", ")
        )));
    }
    Ok(())
}

fn attribute(name: &str) -> Path {
    Path {
        segments: vec![Segment::Attr(name.to_owned())],
    }
}

fn combine(conditions: Vec<Condition>, or: bool) -> Option<Condition> {
    conditions.into_iter().reduce(|a, b| {
        if or {
            Condition::Or(Box::new(a), Box::new(b))
        } else {
            Condition::And(Box::new(a), Box::new(b))
        }
    })
}

fn conditional_operator(input: &Input) -> Result<bool, AwsError> {
    Ok(
        input.enumerated("ConditionalOperator", "conditionalOperator", &["AND", "OR"])?
            == Some("OR"),
    )
}

/// `ConditionalOperator` combines the conditions of `parameter`: there must be some.
fn conditional_operator_of(
    input: &Input,
    parameter: &str,
    conditions: usize,
) -> Result<bool, AwsError> {
    let or = conditional_operator(input)?;
    if input.get("ConditionalOperator").is_some() && conditions == 0 {
        return Err(validation(format!(
            "One or more parameter values were invalid: ConditionalOperator cannot be used without a non-empty {parameter}"
        )));
    }
    Ok(or)
}

/// `Expected`, with `ConditionalOperator`.
pub fn expected(input: &Input) -> Result<Option<Condition>, AwsError> {
    let Some(expected) = input.object("Expected")? else {
        conditional_operator_of(input, "Expected", 0)?;
        return Ok(None);
    };
    let mut conditions = Vec::new();
    for (name, spec) in expected {
        let path = attribute(name);
        let invalid = |message: &str| {
            Err(validation(format!(
                "One or more parameter values were invalid: {message} for Attribute: {name}"
            )))
        };
        let exists = spec.get("Exists").and_then(Json::as_bool);
        let value = spec.get("Value").map(Value::from_json).transpose()?;
        let list = spec.get("AttributeValueList");
        let operator = spec.get("ComparisonOperator").and_then(Json::as_str);
        let condition = match (operator, value, list) {
            (Some(_), _, _) if exists.is_some() => {
                return invalid("Exists and ComparisonOperator cannot be used together");
            }
            (_, Some(_), Some(_)) => {
                return invalid("Value and AttributeValueList cannot be used together");
            }
            (None, _, Some(_)) => {
                return invalid("AttributeValueList can only be used with a ComparisonOperator");
            }
            (Some(operator @ ("NULL" | "NOT_NULL")), None, None) => {
                comparison(path, operator, Vec::new())?
            }
            (Some(operator), None, None) => {
                return Err(validation(format!(
                    "One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: {operator} for Attribute: {name}"
                )));
            }
            (Some(operator), Some(value), None) => comparison(path, operator, vec![value])?,
            (Some(operator), None, Some(list)) => comparison(path, operator, values(list)?)?,
            (None, value, None) => match (exists, value) {
                (Some(false), None) => Condition::AttributeNotExists(path),
                (Some(false), Some(_)) => {
                    return Err(validation(format!(
                        "One or more parameter values were invalid: Value cannot be used when Exists is false for attribute ({name})"
                    )));
                }
                (_, Some(value)) => {
                    Condition::Compare(Operand::Path(path), Comparator::Eq, Operand::Value(value))
                }
                (_, None) => {
                    return Err(validation(format!(
                        "One or more parameter values were invalid: Exists is set to TRUE for attribute ({name}), Value must also be set"
                    )));
                }
            },
        };
        conditions.push(condition);
    }
    let or = conditional_operator_of(input, "Expected", conditions.len())?;
    Ok(combine(conditions, or))
}

/// `KeyConditions`, `QueryFilter` or `ScanFilter`: attribute → comparison.
pub fn conditions(
    input: &Input,
    parameter: &str,
    allow_or: bool,
) -> Result<Option<Condition>, AwsError> {
    let Some(map) = input.object(parameter)? else {
        if allow_or {
            conditional_operator_of(input, parameter, 0)?;
        }
        return Ok(None);
    };
    let conditions = comparisons(map)?;
    let or = allow_or && conditional_operator_of(input, parameter, conditions.len())?;
    Ok(combine(conditions, or))
}

fn comparisons(map: &Map<String, Json>) -> Result<Vec<Condition>, AwsError> {
    map.iter()
        .map(|(name, spec)| {
            let operator = spec
                .get("ComparisonOperator")
                .and_then(Json::as_str)
                .ok_or_else(|| validation(format!(
                    "One or more parameter values were invalid: ComparisonOperator is required for attribute ({name})"
                )))?;
            let list = match spec.get("AttributeValueList") {
                Some(list) => values(list)?,
                None => Vec::new(),
            };
            comparison(attribute(name), operator, list)
        })
        .collect()
}

fn values(list: &Json) -> Result<Vec<Value>, AwsError> {
    match list {
        Json::Array(list) => list.iter().map(Value::from_json).collect(),
        _ => Ok(Vec::new()),
    }
}

/// The types a comparison operator takes its values in; `None`: any.
fn value_types(operator: &str) -> Option<&'static [&'static str]> {
    match operator {
        "EQ" | "NE" => None,
        "BEGINS_WITH" => Some(&["S", "B"]),
        _ => Some(&["S", "N", "B"]),
    }
}

fn comparison(path: Path, operator: &str, values: Vec<Value>) -> Result<Condition, AwsError> {
    let count_error = || {
        validation(format!(
            "One or more parameter values were invalid: Invalid number of argument(s) for the {operator} ComparisonOperator"
        ))
    };
    let arity = match operator {
        "NULL" | "NOT_NULL" => Some(0),
        "BETWEEN" => Some(2),
        "IN" => None,
        "EQ" | "NE" | "LT" | "LE" | "GT" | "GE" | "CONTAINS" | "NOT_CONTAINS" | "BEGINS_WITH" => {
            Some(1)
        }
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
            )));
        }
    };
    if arity.is_some_and(|arity| arity != values.len()) || values.is_empty() && arity.is_none() {
        return Err(count_error());
    }
    if let Some(allowed) = value_types(operator)
        && let Some(value) = values
            .iter()
            .find(|value| !allowed.contains(&value.type_name()))
    {
        return Err(validation(format!(
            "One or more parameter values were invalid: ComparisonOperator {operator} is not valid for {} AttributeValue type",
            value.type_name()
        )));
    }
    if let Some(first) = values.first()
        && values[1..]
            .iter()
            .any(|value| value.type_name() != first.type_name())
    {
        return Err(validation(
            "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type",
        ));
    }
    let subject = Operand::Path(path.clone());
    let mut values = values.into_iter().map(Operand::Value);
    let mut next = || values.next().ok_or_else(count_error);
    let compare = |comparator, value| Condition::Compare(subject.clone(), comparator, value);
    Ok(match operator {
        "EQ" => compare(Comparator::Eq, next()?),
        "NE" => compare(Comparator::Ne, next()?),
        "LT" => compare(Comparator::Lt, next()?),
        "LE" => compare(Comparator::Le, next()?),
        "GT" => compare(Comparator::Gt, next()?),
        "GE" => compare(Comparator::Ge, next()?),
        "NULL" => Condition::AttributeNotExists(path),
        "NOT_NULL" => Condition::AttributeExists(path),
        "CONTAINS" => Condition::Contains(subject, next()?),
        // Unlike `NOT contains(…)`, a missing attribute does not satisfy NOT_CONTAINS.
        "NOT_CONTAINS" => Condition::And(
            Box::new(Condition::AttributeExists(path)),
            Box::new(Condition::Not(Box::new(Condition::Contains(
                subject,
                next()?,
            )))),
        ),
        "BEGINS_WITH" => Condition::BeginsWith(subject, next()?),
        "IN" => Condition::In(subject, values.collect()),
        _ => {
            let (low, high) = (next()?, next()?);
            if let (Operand::Value(low), Operand::Value(high)) = (&low, &high)
                && compare_values(low, high) == Some(std::cmp::Ordering::Greater)
            {
                return Err(validation(
                    "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
                ));
            }
            Condition::Between(subject, low, high)
        }
    })
}

/// `AttributesToGet` as projection paths: at least one name, none twice.
pub fn attributes_to_get(input: &Input) -> Result<Option<Vec<Path>>, AwsError> {
    let Some(names) = input.array("AttributesToGet")? else {
        return Ok(None);
    };
    if names.is_empty() {
        return Err(validation(
            "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let mut paths: Vec<Path> = Vec::with_capacity(names.len());
    for name in names.iter().filter_map(Json::as_str) {
        check_attribute_name(name)?;
        let path = attribute(name);
        if paths.contains(&path) {
            return Err(validation(format!(
                "One or more parameter values were invalid: Duplicate value in attribute name: {name}"
            )));
        }
        paths.push(path);
    }
    Ok(Some(paths))
}

/// `AttributeUpdates` as an update.
pub fn attribute_updates(input: &Input) -> Result<Option<Update>, AwsError> {
    let Some(updates) = input.object("AttributeUpdates")? else {
        return Ok(None);
    };
    let mut update = Update::default();
    for (name, spec) in updates {
        check_attribute_name(name)?;
        let path = attribute(name);
        let value = spec.get("Value").map(Value::from_json).transpose()?;
        let action = spec.get("Action").and_then(Json::as_str).unwrap_or("PUT");
        match (action, value) {
            ("PUT", Some(value)) => update
                .set
                .push((path, SetValue::Operand(SetOperand::Value(value)))),
            ("DELETE", None) => update.remove.push(path),
            ("DELETE", Some(value @ (Value::Ss(_) | Value::Ns(_) | Value::Bs(_)))) => {
                update.delete.push((path, value));
            }
            ("ADD", Some(Value::L(list))) => update.set.push((
                path.clone(),
                SetValue::Operand(SetOperand::ListAppend(
                    Box::new(SetOperand::IfNotExists(
                        path,
                        Box::new(SetOperand::Value(Value::L(Vec::new()))),
                    )),
                    Box::new(SetOperand::Value(Value::L(list))),
                )),
            )),
            ("ADD", Some(value @ (Value::N(_) | Value::Ss(_) | Value::Ns(_) | Value::Bs(_)))) => {
                update.add.push((path, value));
            }
            ("PUT" | "ADD", None) => {
                return Err(validation(format!(
                    "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified: {name}"
                )));
            }
            ("ADD" | "DELETE", Some(_)) => {
                return Err(validation(format!(
                    "One or more parameter values were invalid: {action} action with value is not supported for the type {name}"
                )));
            }
            (other, _) => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{other}' at 'attributeUpdates.{name}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
                )));
            }
        }
    }
    Ok(Some(update))
}
