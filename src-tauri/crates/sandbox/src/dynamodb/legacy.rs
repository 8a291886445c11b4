//! The legacy (pre-expression) parameters — `Expected`, `AttributeUpdates`, `AttributesToGet`,
//! `KeyConditions`, `QueryFilter`, `ScanFilter`, `ConditionalOperator` — translated into the same
//! syntax trees expressions produce, so there is one evaluator. Older course material and many
//! answers online still use them.

use serde_json::{Map, Value as Json};

use super::error::validation;
use super::expr::ast::{Comparator, Operand, Segment, SetOperand, SetValue, Update};
use super::expr::{Condition, Path};
use super::input::Input;
use super::value::Value;
use crate::wire::AwsError;

/// Rejects requests that mix legacy and expression parameters, as DynamoDB does.
pub fn reject_mixed(input: &Input, legacy: &[&str], expressions: &[&str]) -> Result<(), AwsError> {
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

/// `Expected`, with `ConditionalOperator`.
pub fn expected(input: &Input) -> Result<Option<Condition>, AwsError> {
    let Some(expected) = input.object("Expected")? else {
        return Ok(None);
    };
    let mut conditions = Vec::new();
    for (name, spec) in expected {
        let path = attribute(name);
        let exists = spec.get("Exists").and_then(Json::as_bool);
        let value = spec.get("Value").map(Value::from_json).transpose()?;
        let condition = if let Some(operator) =
            spec.get("ComparisonOperator").and_then(Json::as_str)
        {
            comparison(path, operator, spec.get("AttributeValueList"))?
        } else {
            match (exists, value) {
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
            }
        };
        conditions.push(condition);
    }
    Ok(combine(conditions, conditional_operator(input)?))
}

/// `KeyConditions`, `QueryFilter` or `ScanFilter`: attribute → comparison.
pub fn conditions(
    input: &Input,
    parameter: &str,
    allow_or: bool,
) -> Result<Option<Condition>, AwsError> {
    let Some(map) = input.object(parameter)? else {
        return Ok(None);
    };
    let conditions = comparisons(map)?;
    let or = allow_or && conditional_operator(input)?;
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
            comparison(attribute(name), operator, spec.get("AttributeValueList"))
        })
        .collect()
}

fn comparison(path: Path, operator: &str, values: Option<&Json>) -> Result<Condition, AwsError> {
    let values: Vec<Value> = match values {
        Some(Json::Array(list)) => list
            .iter()
            .map(Value::from_json)
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    let count_error = || {
        validation(format!(
            "One or more parameter values were invalid: Invalid number of argument(s) for the {operator} ComparisonOperator"
        ))
    };
    let one = |values: &[Value]| -> Result<Operand, AwsError> {
        match values {
            [value] => Ok(Operand::Value(value.clone())),
            _ => Err(count_error()),
        }
    };
    let subject = Operand::Path(path.clone());
    let compare = |comparator| -> Result<Condition, AwsError> {
        Ok(Condition::Compare(
            subject.clone(),
            comparator,
            one(&values)?,
        ))
    };
    Ok(match operator {
        "EQ" => compare(Comparator::Eq)?,
        "NE" => compare(Comparator::Ne)?,
        "LT" => compare(Comparator::Lt)?,
        "LE" => compare(Comparator::Le)?,
        "GT" => compare(Comparator::Gt)?,
        "GE" => compare(Comparator::Ge)?,
        "NOT_NULL" | "NULL" => {
            if !values.is_empty() {
                return Err(count_error());
            }
            if operator == "NULL" {
                Condition::AttributeNotExists(path)
            } else {
                Condition::AttributeExists(path)
            }
        }
        "CONTAINS" => Condition::Contains(subject, one(&values)?),
        "NOT_CONTAINS" => Condition::Not(Box::new(Condition::Contains(subject, one(&values)?))),
        "BEGINS_WITH" => Condition::BeginsWith(subject, one(&values)?),
        "IN" => {
            if values.is_empty() {
                return Err(count_error());
            }
            Condition::In(subject, values.into_iter().map(Operand::Value).collect())
        }
        "BETWEEN" => match values.as_slice() {
            [low, high] => Condition::Between(
                subject,
                Operand::Value(low.clone()),
                Operand::Value(high.clone()),
            ),
            _ => return Err(count_error()),
        },
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
            )));
        }
    })
}

/// `AttributesToGet` as projection paths.
pub fn attributes_to_get(input: &Input) -> Result<Option<Vec<Path>>, AwsError> {
    Ok(input.array("AttributesToGet")?.map(|names| {
        names
            .iter()
            .filter_map(Json::as_str)
            .map(attribute)
            .collect()
    }))
}

/// `AttributeUpdates` as an update.
pub fn attribute_updates(input: &Input) -> Result<Option<Update>, AwsError> {
    let Some(updates) = input.object("AttributeUpdates")? else {
        return Ok(None);
    };
    let mut update = Update::default();
    for (name, spec) in updates {
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
