//! Reading an operation's JSON parameters, with DynamoDB's errors for missing, mistyped and
//! out-of-range members.

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

use super::error::{serialization, validation};
use super::expr::Placeholders;
use super::value::{Item, Value, check_attribute_name, item_from_json};
use crate::wire::AwsError;

/// The parameters of one request.
#[derive(Debug)]
pub struct Input {
    fields: Map<String, Json>,
}

impl Input {
    /// Parses the request body; malformed JSON is a `SerializationException`.
    pub fn parse(body: &[u8]) -> Result<Self, AwsError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self { fields: Map::new() });
        }
        match serde_json::from_slice::<Json>(body) {
            Ok(Json::Object(fields)) => Ok(Self { fields }),
            Ok(_) => Err(serialization(
                "Start of structure or map found where not expected",
            )),
            // serde_json stops at 128 levels: far deeper than the 32 attribute values may nest.
            Err(error) if error.to_string().starts_with("recursion limit exceeded") => {
                Err(validation(
                    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit",
                ))
            }
            // DynamoDB says nothing more about a body that is not JSON.
            Err(_) => Err(serialization("")),
        }
    }

    /// Wraps an already parsed JSON object.
    pub fn from_json(json: Json) -> Result<Self, AwsError> {
        match json {
            Json::Object(fields) => Ok(Self { fields }),
            _ => Err(serialization(
                "Start of structure or map found where not expected",
            )),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Json> {
        self.fields.get(name).filter(|value| !value.is_null())
    }

    pub fn string(&self, name: &str) -> Result<Option<&str>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(text)) => Ok(Some(text)),
            Some(other) => Err(wrong_type(name, other, "a string")),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Bool(value)) => Ok(Some(*value)),
            Some(other) => Err(wrong_type(name, other, "a boolean")),
        }
    }

    pub fn integer(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| serialization(format!("{name} must be an integer"))),
            Some(other) => Err(wrong_type(name, other, "an integer")),
        }
    }

    pub fn array(&self, name: &str) -> Result<Option<&Vec<Json>>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Array(items)) => Ok(Some(items)),
            Some(other) => Err(wrong_type(name, other, "a list")),
        }
    }

    pub fn object(&self, name: &str) -> Result<Option<&Map<String, Json>>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Object(map)) => Ok(Some(map)),
            Some(other) => Err(wrong_type(name, other, "a structure")),
        }
    }

    /// An attribute map parameter such as `Item` or `Key`.
    pub fn item(&self, name: &str) -> Result<Option<Item>, AwsError> {
        self.get(name).map(item_from_json).transpose()
    }

    /// A required string member; `field` is its name as DynamoDB's validation messages spell it.
    pub fn required_string(&self, name: &str, field: &str) -> Result<&str, AwsError> {
        self.string(name)?.ok_or_else(|| null_member(field))
    }

    /// `TableName`, checked against DynamoDB's constraints.
    pub fn table_name(&self) -> Result<&str, AwsError> {
        table_name_of(self.required_string("TableName", "tableName")?, "tableName")
    }

    /// An enumerated member: one of `allowed`, or DynamoDB's enum error.
    pub fn enumerated<'a>(
        &'a self,
        name: &str,
        field: &str,
        allowed: &[&str],
    ) -> Result<Option<&'a str>, AwsError> {
        let Some(value) = self.string(name)? else {
            return Ok(None);
        };
        if allowed.contains(&value) {
            Ok(Some(value))
        } else {
            Err(validation(format!(
                "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            )))
        }
    }

    /// `ExpressionAttributeNames` and `ExpressionAttributeValues`, checked.
    pub fn placeholders(&self) -> Result<Placeholders, AwsError> {
        let mut names = HashMap::new();
        if let Some(map) = self.object("ExpressionAttributeNames")? {
            if map.is_empty() {
                return Err(validation("ExpressionAttributeNames must not be empty"));
            }
            for (key, value) in map {
                if !key.starts_with('#') || key.len() < 2 {
                    return Err(validation(format!(
                        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\""
                    )));
                }
                let Json::String(name) = value else {
                    return Err(wrong_type("ExpressionAttributeNames", value, "a string"));
                };
                if name.is_empty() {
                    return Err(validation(format!(
                        "ExpressionAttributeNames contains invalid value: Empty attribute name for key {key}"
                    )));
                }
                check_attribute_name(name)?;
                names.insert(key.clone(), name.clone());
            }
        }
        let mut values = HashMap::new();
        if let Some(map) = self.object("ExpressionAttributeValues")? {
            if map.is_empty() {
                return Err(validation("ExpressionAttributeValues must not be empty"));
            }
            for (key, value) in map {
                if !key.starts_with(':') || key.len() < 2 {
                    return Err(validation(format!(
                        "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{key}\""
                    )));
                }
                let value = Value::from_json(value).map_err(|error| {
                    if error.code == "ValidationException" {
                        validation(format!(
                            "ExpressionAttributeValues contains invalid value: {} for key {key}",
                            error.message
                        ))
                    } else {
                        error
                    }
                })?;
                values.insert(key.clone(), value);
            }
        }
        Ok(Placeholders::new(names, values))
    }
}

pub fn null_member(field: &str) -> AwsError {
    validation(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
    ))
}

/// The table a `TableName` names: the name itself, or the last part of the table's ARN
/// (`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`), which every operation accepts in its place.
pub fn table_name_of<'a>(given: &'a str, field: &str) -> Result<&'a str, AwsError> {
    let name = given
        .strip_prefix("arn:")
        .and_then(|arn| arn.split_once(":table/"))
        .map_or(given, |(_, name)| name);
    check_table_name(name, field)?;
    Ok(name)
}

pub fn check_table_name(name: &str, field: &str) -> Result<(), AwsError> {
    let constraint = if name.len() < 3 {
        "Member must have length greater than or equal to 3"
    } else if name.len() > 255 {
        "Member must have length less than or equal to 255"
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    } else {
        return Ok(());
    };
    Err(validation(format!(
        "1 validation error detected: Value '{name}' at '{field}' failed to satisfy constraint: {constraint}"
    )))
}

fn wrong_type(name: &str, found: &Json, expected: &str) -> AwsError {
    let kind = match found {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a structure",
    };
    serialization(format!("{name} must be {expected}, not {kind}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_is_a_serialization_error() {
        let error = Input::parse(b"{\"TableName\": ").unwrap_err();
        assert_eq!(error.code, "SerializationException");
    }

    #[test]
    fn table_names_follow_dynamodbs_constraints() {
        for (name, ok) in [
            ("ab", false),
            ("abc", true),
            ("a b c", false),
            ("ccbda-lambda-first", true),
            ("x.y_z-1", true),
        ] {
            assert_eq!(check_table_name(name, "tableName").is_ok(), ok, "{name}");
        }
        assert_eq!(
            check_table_name("ab", "tableName").unwrap_err().message,
            "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
        );
    }
}
