//! Attribute values ↔ JSON, in the two notations the lab uses.
//!
//! *DynamoDB JSON* names each value's type, as DynamoDB's API and boto3's client do:
//! `{"thingID": {"S": "lamp"}, "count": {"N": "3"}}`. *Plain JSON* lets the JSON type stand for
//! the DynamoDB type, as boto3's `Table` resource does: `{"thingID": "lamp", "count": 3}`.
//! Binary values are base64 strings in both.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

/// A value that is not written as its notation says, with where (`Item.count`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotationError(pub String);

impl NotationError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// An item (or a key): attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// How attribute values are written in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// `{"S": "lamp"}` — DynamoDB's own notation.
    DynamoDbJson,
    /// `"lamp"` — JSON types stand for DynamoDB types.
    Plain,
}

/// The type names DynamoDB JSON knows, in the order its documentation lists them.
const TYPE_NAMES: &str = "S, N, B, SS, NS, BS, M, L, NULL, BOOL";

impl Notation {
    /// Reads an item (or a key, or a set of expression values) from a JSON object. `path`
    /// names the parameter in error messages, e.g. `Item`.
    pub fn item_from_json(
        self,
        path: &str,
        json: Map<String, Value>,
    ) -> Result<Item, NotationError> {
        json.into_iter()
            .map(|(name, value)| {
                let value = self.value_from_json(&format!("{path}.{name}"), value)?;
                Ok((name, value))
            })
            .collect()
    }

    /// Writes an item as a JSON object.
    pub fn item_to_json(self, item: &Item) -> Value {
        let object: Map<String, Value> = item
            .iter()
            .map(|(name, value)| (name.clone(), self.value_to_json(value)))
            .collect();
        Value::Object(object)
    }

    /// Reads one attribute value.
    pub fn value_from_json(self, path: &str, json: Value) -> Result<AttributeValue, NotationError> {
        match self {
            Notation::DynamoDbJson => typed_from_json(path, json),
            Notation::Plain => plain_from_json(path, json),
        }
    }

    /// Writes one attribute value.
    pub fn value_to_json(self, value: &AttributeValue) -> Value {
        match self {
            Notation::DynamoDbJson => typed_to_json(value),
            Notation::Plain => plain_to_json(value),
        }
    }
}

fn typed_from_json(path: &str, json: Value) -> Result<AttributeValue, NotationError> {
    let Value::Object(object) = json else {
        return Err(NotationError::new(format!(
            "{path}: expected an attribute value like {{\"S\": \"text\"}}, found {}",
            kind_of(&json)
        )));
    };
    let mut entries = object.into_iter();
    let (type_name, content) = match (entries.next(), entries.next()) {
        (Some(entry), None) => entry,
        (None, _) => {
            return Err(NotationError::new(format!(
                "{path}: Supplied AttributeValue is empty, must contain exactly one of the \
                 supported datatypes"
            )));
        }
        (Some(_), Some(_)) => {
            return Err(NotationError::new(format!(
                "{path}: Supplied AttributeValue has more than one datatypes set, must contain \
                 exactly one of the supported datatypes"
            )));
        }
    };
    let value_path = path;
    let path = format!("{path}.{type_name}");
    let value = match type_name.as_str() {
        "S" => AttributeValue::S(string(&path, content)?),
        "N" => AttributeValue::N(number_text(&path, content)?),
        "B" => AttributeValue::B(binary(&path, content)?),
        "BOOL" => match content {
            Value::Bool(flag) => AttributeValue::Bool(flag),
            other => return Err(wrong_kind(&path, "true or false", &other)),
        },
        "NULL" => match content {
            Value::Bool(true) => AttributeValue::Null(true),
            other => return Err(wrong_kind(&path, "true", &other)),
        },
        "M" => match content {
            Value::Object(map) => {
                AttributeValue::M(Notation::DynamoDbJson.item_from_json(&path, map)?)
            }
            other => return Err(wrong_kind(&path, "an object", &other)),
        },
        "L" => AttributeValue::L(
            array(&path, content)?
                .into_iter()
                .enumerate()
                .map(|(i, element)| typed_from_json(&format!("{path}[{i}]"), element))
                .collect::<Result<_, _>>()?,
        ),
        "SS" => AttributeValue::Ss(elements(&path, content, string)?),
        "NS" => AttributeValue::Ns(elements(&path, content, number_text)?),
        "BS" => AttributeValue::Bs(elements(&path, content, binary)?),
        unknown => {
            return Err(NotationError::new(format!(
                "{value_path}: \"{unknown}\" is not a DynamoDB type; use one of {TYPE_NAMES}"
            )));
        }
    };
    Ok(value)
}

fn typed_to_json(value: &AttributeValue) -> Value {
    let strings = |items: &[String]| Value::from(items.to_vec());
    let (type_name, content) = match value {
        AttributeValue::S(text) => ("S", Value::from(text.as_str())),
        AttributeValue::N(number) => ("N", Value::from(number.as_str())),
        AttributeValue::B(blob) => ("B", Value::from(BASE64.encode(blob.as_ref()))),
        AttributeValue::Bool(flag) => ("BOOL", Value::from(*flag)),
        AttributeValue::Null(flag) => ("NULL", Value::from(*flag)),
        AttributeValue::M(map) => ("M", Notation::DynamoDbJson.item_to_json(map)),
        AttributeValue::L(list) => ("L", list.iter().map(typed_to_json).collect()),
        AttributeValue::Ss(items) => ("SS", strings(items)),
        AttributeValue::Ns(items) => ("NS", strings(items)),
        AttributeValue::Bs(blobs) => (
            "BS",
            blobs
                .iter()
                .map(|blob| Value::from(BASE64.encode(blob.as_ref())))
                .collect(),
        ),
        // A type newer than this SDK: nothing faithful to show.
        _ => return Value::Null,
    };
    Value::Object(Map::from_iter([(type_name.to_owned(), content)]))
}

fn plain_from_json(path: &str, json: Value) -> Result<AttributeValue, NotationError> {
    Ok(match json {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(flag) => AttributeValue::Bool(flag),
        Value::Number(number) => AttributeValue::N(number.to_string()),
        Value::String(text) => AttributeValue::S(text),
        Value::Array(elements) => AttributeValue::L(
            elements
                .into_iter()
                .enumerate()
                .map(|(i, element)| plain_from_json(&format!("{path}[{i}]"), element))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => AttributeValue::M(Notation::Plain.item_from_json(path, map)?),
    })
}

fn plain_to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(text) => Value::from(text.as_str()),
        AttributeValue::N(number) => plain_number(number),
        AttributeValue::B(blob) => Value::from(BASE64.encode(blob.as_ref())),
        AttributeValue::Bool(flag) => Value::from(*flag),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::M(map) => Notation::Plain.item_to_json(map),
        AttributeValue::L(list) => list.iter().map(plain_to_json).collect(),
        AttributeValue::Ss(items) => Value::from(items.to_vec()),
        AttributeValue::Ns(items) => items.iter().map(|number| plain_number(number)).collect(),
        AttributeValue::Bs(blobs) => blobs
            .iter()
            .map(|blob| Value::from(BASE64.encode(blob.as_ref())))
            .collect(),
        _ => Value::Null,
    }
}

/// A DynamoDB number as a JSON number when that loses nothing: integers that fit 64 bits, and
/// decimals of at most 15 significant digits (which a double always holds exactly enough to
/// print back). Anything longer stays a string, so 38-digit numbers survive the trip.
fn plain_number(number: &str) -> Value {
    if let Ok(integer) = number.parse::<i64>() {
        return Value::from(integer);
    }
    if let Ok(integer) = number.parse::<u64>() {
        return Value::from(integer);
    }
    let mantissa = number.split(['e', 'E']).next().unwrap_or(number);
    let significant = mantissa
        .chars()
        .filter(char::is_ascii_digit)
        .skip_while(|&digit| digit == '0')
        .count();
    match number.parse::<f64>() {
        Ok(float) if float.is_finite() && significant <= 15 => Value::from(float),
        _ => Value::from(number),
    }
}

fn string(path: &str, json: Value) -> Result<String, NotationError> {
    match json {
        Value::String(text) => Ok(text),
        other => Err(wrong_kind(path, "a string", &other)),
    }
}

/// DynamoDB JSON carries numbers as strings; DynamoDB itself checks their syntax and range.
fn number_text(path: &str, json: Value) -> Result<String, NotationError> {
    match json {
        Value::String(text) => Ok(text),
        other => Err(wrong_kind(
            path,
            "a string holding the number, like \"42\"",
            &other,
        )),
    }
}

fn binary(path: &str, json: Value) -> Result<Blob, NotationError> {
    let text = match json {
        Value::String(text) => text,
        other => return Err(wrong_kind(path, "a base64 string", &other)),
    };
    BASE64
        .decode(text.as_bytes())
        .map(Blob::new)
        .map_err(|error| NotationError::new(format!("{path}: not valid base64: {error}")))
}

fn array(path: &str, json: Value) -> Result<Vec<Value>, NotationError> {
    match json {
        Value::Array(elements) => Ok(elements),
        other => Err(wrong_kind(path, "an array", &other)),
    }
}

fn elements<T>(
    path: &str,
    json: Value,
    read: impl Fn(&str, Value) -> Result<T, NotationError>,
) -> Result<Vec<T>, NotationError> {
    array(path, json)?
        .into_iter()
        .enumerate()
        .map(|(i, element)| read(&format!("{path}[{i}]"), element))
        .collect()
}

fn wrong_kind(path: &str, expected: &str, found: &Value) -> NotationError {
    NotationError::new(format!(
        "{path}: expected {expected}, found {}",
        kind_of(found)
    ))
}

fn kind_of(json: &Value) -> String {
    match json {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("the string {text:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(json: Value) -> Map<String, Value> {
        match json {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn dynamodb_json_round_trips_every_type() {
        let json = json!({
            "s": {"S": "lamp"}, "n": {"N": "-1.50"}, "b": {"B": "aGk="},
            "yes": {"BOOL": true}, "none": {"NULL": true},
            "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}]}}},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA=="]}
        });
        let item = Notation::DynamoDbJson
            .item_from_json("Item", object(json.clone()))
            .unwrap();
        assert_eq!(item["b"], AttributeValue::B(Blob::new(b"hi".to_vec())));
        assert_eq!(item["n"], AttributeValue::N("-1.50".into()));
        assert_eq!(Notation::DynamoDbJson.item_to_json(&item), json);
    }

    #[test]
    fn plain_json_maps_json_types_onto_dynamodb_types() {
        let item = Notation::Plain
            .item_from_json(
                "Item",
                object(json!({"id": "1", "age": 42, "tags": ["a", 2], "gone": null, "ok": false})),
            )
            .unwrap();
        assert_eq!(item["id"], AttributeValue::S("1".into()));
        assert_eq!(item["age"], AttributeValue::N("42".into()));
        assert_eq!(
            item["tags"],
            AttributeValue::L(vec![
                AttributeValue::S("a".into()),
                AttributeValue::N("2".into())
            ])
        );
        assert_eq!(item["gone"], AttributeValue::Null(true));
        assert_eq!(item["ok"], AttributeValue::Bool(false));
    }

    #[test]
    fn plain_numbers_stay_exact() {
        assert_eq!(plain_number("42"), json!(42));
        assert_eq!(
            plain_number("18446744073709551615"),
            json!(18446744073709551615u64)
        );
        assert_eq!(plain_number("1.5"), json!(1.5));
        assert_eq!(plain_number("1E+2"), json!(100.0));
        let long = "3.1415926535897932384626433832795028";
        assert_eq!(plain_number(long), json!(long));
        let huge = "99999999999999999999999999999999999999";
        assert_eq!(plain_number(huge), json!(huge));
        let sets = plain_to_json(&AttributeValue::Ns(vec!["1".into(), "0.25".into()]));
        assert_eq!(sets, json!([1, 0.25]));
    }

    #[test]
    fn malformed_dynamodb_json_is_refused_with_its_path() {
        let cases = [
            (
                json!({"id": {}}),
                "Item.id: Supplied AttributeValue is empty",
            ),
            (
                json!({"id": {"S": "a", "N": "1"}}),
                "Item.id: Supplied AttributeValue has more than one datatypes set",
            ),
            (
                json!({"id": "lamp"}),
                "Item.id: expected an attribute value",
            ),
            (
                json!({"id": {"N": 42}}),
                "Item.id.N: expected a string holding the number",
            ),
            (
                json!({"id": {"X": "a"}}),
                "Item.id: \"X\" is not a DynamoDB type",
            ),
            (
                json!({"id": {"NULL": false}}),
                "Item.id.NULL: expected true, found false",
            ),
            (json!({"id": {"B": "***"}}), "Item.id.B: not valid base64"),
            (
                json!({"id": {"L": [{"S": "a"}, {"S": 1}]}}),
                "Item.id.L[1].S: expected a string, found the number 1",
            ),
            (json!({"id": {"SS": "a"}}), "Item.id.SS: expected an array"),
        ];
        for (json, expected) in cases {
            let error = Notation::DynamoDbJson
                .item_from_json("Item", object(json.clone()))
                .expect_err(&json.to_string());
            assert!(error.0.starts_with(expected), "{json}: {}", error.0);
        }
    }
}
