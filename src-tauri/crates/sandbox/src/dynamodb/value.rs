//! DynamoDB's attribute values, their JSON wire form (`{"S": "…"}`, `{"N": "…"}`, …), and the
//! rules every stored value obeys: exactly one type per value, valid numbers, no empty or
//! duplicated sets, nesting at most 32 deep.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value as Json};

use super::error::{serialization, validation};
use super::number::{Number, NumberError};
use crate::wire::AwsError;

/// One item: attribute name → value.
pub type Item = BTreeMap<String, Value>;

/// The deepest nesting of maps and lists DynamoDB accepts.
pub const MAX_NESTING: usize = 32;

/// An attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    M(BTreeMap<String, Value>),
    L(Vec<Value>),
    Ss(Vec<String>),
    Ns(Vec<Number>),
    Bs(Vec<Vec<u8>>),
}

impl Value {
    /// The type descriptor as DynamoDB writes it (`S`, `N`, `SS`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::S(_) => "S",
            Self::N(_) => "N",
            Self::B(_) => "B",
            Self::Bool(_) => "BOOL",
            Self::Null => "NULL",
            Self::M(_) => "M",
            Self::L(_) => "L",
            Self::Ss(_) => "SS",
            Self::Ns(_) => "NS",
            Self::Bs(_) => "BS",
        }
    }

    /// Decodes a value from its wire form, with DynamoDB's errors.
    pub fn from_json(json: &Json) -> Result<Self, AwsError> {
        Self::decode(json, 0)
    }

    fn decode(json: &Json, depth: usize) -> Result<Self, AwsError> {
        if depth > MAX_NESTING {
            return Err(validation(
                "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit",
            ));
        }
        let Json::Object(fields) = json else {
            return Err(serialization(format!(
                "Unexpected value type in payload: expected an AttributeValue object, found {}",
                json_kind(json)
            )));
        };
        let mut set = fields.iter().filter(|(_, value)| !value.is_null());
        let Some((kind, inner)) = set.next() else {
            return Err(validation(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
            ));
        };
        if set.next().is_some() {
            return Err(validation(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
            ));
        }
        let value = match kind.as_str() {
            "S" => Self::S(string(inner, kind)?.to_owned()),
            "N" => Self::N(number(string(inner, kind)?)?),
            "B" => Self::B(binary(string(inner, kind)?)?),
            "BOOL" => Self::Bool(boolean(inner, kind)?),
            "NULL" => {
                if !boolean(inner, kind)? {
                    return Err(validation(
                        "One or more parameter values were invalid: Null attribute value types must have the value of true",
                    ));
                }
                Self::Null
            }
            "M" => {
                let Json::Object(entries) = inner else {
                    return Err(wrong_json(kind, inner));
                };
                let mut map = BTreeMap::new();
                for (name, value) in entries {
                    check_name_length(name)?;
                    map.insert(name.clone(), Self::decode(value, depth + 1)?);
                }
                Self::M(map)
            }
            "L" => {
                let elements = array(inner, kind)?;
                let mut list = Vec::with_capacity(elements.len());
                for element in elements {
                    list.push(Self::decode(element, depth + 1)?);
                }
                Self::L(list)
            }
            "SS" => {
                let members = strings(inner, kind)?;
                if members.is_empty() {
                    return Err(empty_set("An string set  may not be empty"));
                }
                let members: Vec<String> = members.into_iter().map(str::to_owned).collect();
                reject_duplicates(&members, |s| s.clone())?;
                Self::Ss(members)
            }
            "NS" => {
                let members = strings(inner, kind)?;
                if members.is_empty() {
                    return Err(empty_set("An number set  may not be empty"));
                }
                let numbers = members
                    .into_iter()
                    .map(number)
                    .collect::<Result<Vec<_>, _>>()?;
                reject_duplicates(&numbers, Number::to_string)?;
                Self::Ns(numbers)
            }
            "BS" => {
                let members = strings(inner, kind)?;
                if members.is_empty() {
                    return Err(empty_set("Binary sets should not be empty"));
                }
                let blobs = members
                    .into_iter()
                    .map(binary)
                    .collect::<Result<Vec<_>, _>>()?;
                reject_duplicates(&blobs, |b| BASE64.encode(b))?;
                Self::Bs(blobs)
            }
            other => {
                return Err(serialization(format!(
                    "Unrecognized AttributeValue type: {other}"
                )));
            }
        };
        Ok(value)
    }

    /// The wire form of this value.
    pub fn to_json(&self) -> Json {
        let (kind, inner) = match self {
            Self::S(s) => ("S", Json::String(s.clone())),
            Self::N(n) => ("N", Json::String(n.to_string())),
            Self::B(b) => ("B", Json::String(BASE64.encode(b))),
            Self::Bool(b) => ("BOOL", Json::Bool(*b)),
            Self::Null => ("NULL", Json::Bool(true)),
            Self::M(map) => ("M", item_to_json(map)),
            Self::L(list) => ("L", Json::Array(list.iter().map(Self::to_json).collect())),
            Self::Ss(set) => ("SS", set.iter().cloned().map(Json::String).collect()),
            Self::Ns(set) => (
                "NS",
                set.iter().map(|n| Json::String(n.to_string())).collect(),
            ),
            Self::Bs(set) => (
                "BS",
                set.iter().map(|b| Json::String(BASE64.encode(b))).collect(),
            ),
        };
        let mut object = Map::with_capacity(1);
        object.insert(kind.to_owned(), inner);
        Json::Object(object)
    }

    /// The bytes this value counts for in DynamoDB's item size.
    pub fn size(&self) -> usize {
        match self {
            Self::S(s) => s.len(),
            Self::N(n) => number_size(n),
            Self::B(b) => b.len(),
            Self::Bool(_) | Self::Null => 1,
            Self::M(map) => {
                3 + map
                    .iter()
                    .map(|(k, v)| k.len() + v.size() + 1)
                    .sum::<usize>()
            }
            Self::L(list) => 3 + list.iter().map(|v| v.size() + 1).sum::<usize>(),
            Self::Ss(set) => set.iter().map(String::len).sum(),
            Self::Ns(set) => set.iter().map(number_size).sum(),
            Self::Bs(set) => set.iter().map(Vec::len).sum(),
        }
    }
}

/// Decodes an item (attribute name → wire value).
pub fn item_from_json(json: &Json) -> Result<Item, AwsError> {
    let Json::Object(fields) = json else {
        return Err(serialization(format!(
            "Unexpected value type in payload: expected a map of attributes, found {}",
            json_kind(json)
        )));
    };
    fields
        .iter()
        .map(|(name, value)| {
            check_attribute_name(name)?;
            Ok((name.clone(), Value::from_json(value)?))
        })
        .collect()
}

/// The longest attribute name, in bytes.
pub const MAX_ATTRIBUTE_NAME_BYTES: usize = 65_535;

/// An attribute name must be there and fit DynamoDB's limit.
pub fn check_attribute_name(name: &str) -> Result<(), AwsError> {
    if name.is_empty() {
        return Err(validation(
            "One or more parameter values were invalid: Empty attribute name",
        ));
    }
    check_name_length(name)
}

/// A map key or attribute name may be at most [`MAX_ATTRIBUTE_NAME_BYTES`] long.
fn check_name_length(name: &str) -> Result<(), AwsError> {
    if name.len() > MAX_ATTRIBUTE_NAME_BYTES {
        return Err(validation(
            "1 validation error detected: Attribute name is too large, must be less than 65536 bytes",
        ));
    }
    Ok(())
}

pub fn item_to_json(item: &Item) -> Json {
    Json::Object(
        item.iter()
            .map(|(name, value)| (name.clone(), value.to_json()))
            .collect(),
    )
}

/// The size of an item as DynamoDB counts it: names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value.size())
        .sum()
}

/// DynamoDB's approximation of a number's stored size: one byte per two significant digits, plus one.
pub fn number_size(number: &Number) -> usize {
    number
        .to_string()
        .trim_start_matches('-')
        .replace('.', "")
        .trim_matches('0')
        .len()
        .div_ceil(2)
        + 1
}

fn json_kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

fn wrong_json(kind: &str, json: &Json) -> AwsError {
    serialization(format!(
        "Unexpected value type in payload: the {kind} of an AttributeValue cannot be {}",
        json_kind(json)
    ))
}

fn string<'a>(json: &'a Json, kind: &str) -> Result<&'a str, AwsError> {
    json.as_str().ok_or_else(|| wrong_json(kind, json))
}

fn boolean(json: &Json, kind: &str) -> Result<bool, AwsError> {
    json.as_bool().ok_or_else(|| wrong_json(kind, json))
}

fn array<'a>(json: &'a Json, kind: &str) -> Result<&'a Vec<Json>, AwsError> {
    json.as_array().ok_or_else(|| wrong_json(kind, json))
}

fn strings<'a>(json: &'a Json, kind: &str) -> Result<Vec<&'a str>, AwsError> {
    array(json, kind)?
        .iter()
        .map(|member| string(member, kind))
        .collect()
}

fn number(text: &str) -> Result<Number, AwsError> {
    Number::parse(text).map_err(|error| match error {
        NumberError::NotANumber if !text.is_empty() => validation(format!("{error}: {text}")),
        other => validation(other.to_string()),
    })
}

fn binary(text: &str) -> Result<Vec<u8>, AwsError> {
    BASE64.decode(text).map_err(|error| {
        serialization(format!(
            "Base64 encoded value could not be decoded: {error}"
        ))
    })
}

fn empty_set(what: &str) -> AwsError {
    validation(format!("One or more parameter values were invalid: {what}"))
}

fn reject_duplicates<T>(members: &[T], show: impl Fn(&T) -> String) -> Result<(), AwsError> {
    let mut seen = std::collections::HashSet::with_capacity(members.len());
    for member in members {
        if !seen.insert(show(member)) {
            let listed: Vec<String> = members.iter().map(&show).collect();
            return Err(validation(format!(
                "One or more parameter values were invalid: Input collection [{}] contains duplicates.",
                listed.join(", ")
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn round_trips_every_type() {
        let wire = json!({
            "s": {"S": "hello"},
            "n": {"N": "1.50"},
            "b": {"B": "AAEC"},
            "t": {"BOOL": true},
            "z": {"NULL": true},
            "m": {"M": {"inner": {"L": [{"N": "1"}, {"S": "x"}]}}},
            "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2.0"]},
            "bs": {"BS": ["AAE="]},
        });
        let item = item_from_json(&wire).unwrap();
        assert_eq!(item["b"], Value::B(vec![0, 1, 2]));
        let back = item_to_json(&item);
        assert_eq!(back["n"], json!({"N": "1.5"}));
        assert_eq!(back["ns"], json!({"NS": ["1", "2"]}));
        assert_eq!(back["m"], wire["m"]);
        assert_eq!(item_from_json(&back).unwrap(), item);
    }

    #[test]
    fn rejects_invalid_values_with_dynamodbs_messages() {
        let cases = [
            (
                json!({}),
                "ValidationException",
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
            ),
            (
                json!({"S": "a", "N": "1"}),
                "ValidationException",
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
            ),
            (
                json!({"NULL": false}),
                "ValidationException",
                "One or more parameter values were invalid: Null attribute value types must have the value of true",
            ),
            (
                json!({"SS": []}),
                "ValidationException",
                "One or more parameter values were invalid: An string set  may not be empty",
            ),
            (
                json!({"NS": []}),
                "ValidationException",
                "One or more parameter values were invalid: An number set  may not be empty",
            ),
            (
                json!({"SS": ["a", "a"]}),
                "ValidationException",
                "One or more parameter values were invalid: Input collection [a, a] contains duplicates.",
            ),
            (
                json!({"NS": ["1", "1.0"]}),
                "ValidationException",
                "One or more parameter values were invalid: Input collection [1, 1] contains duplicates.",
            ),
            (
                json!({"N": "one"}),
                "ValidationException",
                "The parameter cannot be converted to a numeric value: one",
            ),
            (
                json!({"S": 5}),
                "SerializationException",
                "Unexpected value type in payload: the S of an AttributeValue cannot be a number",
            ),
            (
                json!({"X": "1"}),
                "SerializationException",
                "Unrecognized AttributeValue type: X",
            ),
        ];
        for (wire, code, message) in cases {
            let error = Value::from_json(&wire).unwrap_err();
            assert_eq!(
                (error.code, error.message.as_str()),
                (code, message),
                "{wire}"
            );
        }
    }

    #[test]
    fn limits_nesting_to_32_levels() {
        let mut deep = json!({"S": "leaf"});
        for _ in 0..MAX_NESTING {
            deep = json!({"L": [deep]});
        }
        assert!(Value::from_json(&deep).is_ok());
        let deeper = json!({"L": [deep]});
        let error = Value::from_json(&deeper).unwrap_err();
        assert_eq!(
            error.message,
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
        );
    }

    #[test]
    fn sizes_count_names_and_values() {
        let item =
            item_from_json(&json!({"id": {"S": "abc"}, "n": {"N": "12345"}, "ok": {"BOOL": true}}))
                .unwrap();
        // "id" + "abc" = 5, "n" + 4 (5 digits → 3 + 1) = 5, "ok" + 1 = 3.
        assert_eq!(item_size(&item), 13);
    }
}
