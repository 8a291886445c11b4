//! Primary keys: which attributes form a table's (or index's) key, extracting and checking them
//! from items and `Key` parameters, and their order (S by UTF-8 bytes, N numerically, B by bytes).

use std::collections::BTreeMap;

use super::error::validation;
use super::number::Number;
use super::value::{Item, Value};
use crate::wire::AwsError;

/// A scalar that can be part of a key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyValue {
    /// `String`'s order is the order of its UTF-8 bytes, as DynamoDB sorts strings.
    S(String),
    N(Number),
    B(Vec<u8>),
}

impl KeyValue {
    /// The value's size as DynamoDB counts it against the key limits.
    pub fn size(&self) -> usize {
        match self {
            Self::S(s) => s.len(),
            Self::B(b) => b.len(),
            Self::N(n) => super::value::number_size(n),
        }
    }

    pub fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::S(s) => Some(Self::S(s.clone())),
            Value::N(n) => Some(Self::N(n.clone())),
            Value::B(b) => Some(Self::B(b.clone())),
            _ => None,
        }
    }

    /// Bytes whose order is the values' key order, as stored on disk: strings and binaries as
    /// they are, numbers as [`Number::ordered_bytes`].
    pub fn ordered_bytes(&self) -> Vec<u8> {
        match self {
            Self::S(s) => s.as_bytes().to_vec(),
            Self::B(b) => b.clone(),
            Self::N(n) => n.ordered_bytes(),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Self::S(s) => Value::S(s.clone()),
            Self::N(n) => Value::N(n.clone()),
            Self::B(b) => Value::B(b.clone()),
        }
    }
}

/// A key's values: the partition key and, for composite keys, the sort key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PrimaryKey {
    pub hash: KeyValue,
    pub range: Option<KeyValue>,
}

impl PrimaryKey {
    /// The key as stored: partition and sort key bytes, the sort key empty when there is none.
    pub fn columns(&self) -> (Vec<u8>, Vec<u8>) {
        (
            self.hash.ordered_bytes(),
            self.range
                .as_ref()
                .map(KeyValue::ordered_bytes)
                .unwrap_or_default(),
        )
    }
}

/// A scalar attribute type, as in `AttributeDefinitions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "S" => Some(Self::S),
            "N" => Some(Self::N),
            "B" => Some(Self::B),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::S => "S",
            Self::N => "N",
            Self::B => "B",
        }
    }
}

/// One key attribute: its name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAttribute {
    pub name: String,
    pub kind: ScalarType,
}

/// The key of a table or index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySchema {
    pub hash: KeyAttribute,
    pub range: Option<KeyAttribute>,
}

impl KeySchema {
    pub fn attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        std::iter::once(&self.hash).chain(self.range.as_ref())
    }

    pub fn is_key_attribute(&self, name: &str) -> bool {
        self.attributes().any(|attribute| attribute.name == name)
    }

    /// The key of an item being written: every key attribute present, of the declared type, and
    /// not an empty string or binary.
    pub fn key_of_item(&self, item: &Item) -> Result<PrimaryKey, AwsError> {
        self.build_key(|attribute| {
            item.get(&attribute.name).ok_or_else(|| {
                validation(format!(
                    "One or more parameter values were invalid: Missing the key {} in the item",
                    attribute.name
                ))
            })
        })
    }

    /// The key named by a `Key` parameter: exactly the key attributes, nothing else.
    pub fn key_of_request(&self, key: &Item) -> Result<PrimaryKey, AwsError> {
        let expected = self.attributes().count();
        if key.len() != expected || !key.keys().all(|name| self.is_key_attribute(name)) {
            return Err(validation(
                "The provided key element does not match the schema",
            ));
        }
        self.build_key(|attribute| {
            key.get(&attribute.name)
                .ok_or_else(|| validation("The provided key element does not match the schema"))
        })
    }

    /// Builds a key from the value `lookup` finds for each key attribute, checking each.
    fn build_key<'a>(
        &self,
        lookup: impl Fn(&KeyAttribute) -> Result<&'a Value, AwsError>,
    ) -> Result<PrimaryKey, AwsError> {
        let hash = key_value(&self.hash, lookup(&self.hash)?)?;
        if hash.size() > MAX_PARTITION_KEY_BYTES {
            // Sic: AWS's message has no space before the size.
            return Err(validation(format!(
                "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of{MAX_PARTITION_KEY_BYTES} bytes"
            )));
        }
        let range = match &self.range {
            Some(attribute) => Some(key_value(attribute, lookup(attribute)?)?),
            None => None,
        };
        if range
            .as_ref()
            .is_some_and(|range| range.size() > MAX_SORT_KEY_BYTES)
        {
            return Err(validation(format!(
                "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of {MAX_SORT_KEY_BYTES} bytes"
            )));
        }
        Ok(PrimaryKey { hash, range })
    }

    /// The key attributes of `key` as an item (for `LastEvaluatedKey` and friends).
    pub fn key_item(&self, key: &PrimaryKey) -> Item {
        let mut item = BTreeMap::new();
        item.insert(self.hash.name.clone(), key.hash.to_value());
        if let (Some(attribute), Some(range)) = (&self.range, &key.range) {
            item.insert(attribute.name.clone(), range.to_value());
        }
        item
    }
}

/// The largest partition key value, in bytes.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// The largest sort key value, in bytes.
pub const MAX_SORT_KEY_BYTES: usize = 1024;

fn key_value(attribute: &KeyAttribute, value: &Value) -> Result<KeyValue, AwsError> {
    let key = KeyValue::from_value(value)
        .filter(|key| key_type(key) == attribute.kind)
        .ok_or_else(|| {
            validation(format!(
                "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                attribute.name,
                attribute.kind.name(),
                value.type_name()
            ))
        })?;
    let empty = match &key {
        KeyValue::S(s) => s.is_empty(),
        KeyValue::B(b) => b.is_empty(),
        KeyValue::N(_) => false,
    };
    if empty {
        return Err(validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {}",
            if matches!(key, KeyValue::S(_)) {
                "string"
            } else {
                "binary"
            },
            attribute.name
        )));
    }
    Ok(key)
}

fn key_type(key: &KeyValue) -> ScalarType {
    match key {
        KeyValue::S(_) => ScalarType::S,
        KeyValue::N(_) => ScalarType::N,
        KeyValue::B(_) => ScalarType::B,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dynamodb::value::item_from_json;

    fn schema() -> KeySchema {
        KeySchema {
            hash: KeyAttribute {
                name: "pk".into(),
                kind: ScalarType::S,
            },
            range: Some(KeyAttribute {
                name: "sk".into(),
                kind: ScalarType::N,
            }),
        }
    }

    #[test]
    fn item_keys_are_checked_like_dynamodb() {
        let cases = [
            (
                json!({"sk": {"N": "1"}}),
                "One or more parameter values were invalid: Missing the key pk in the item",
            ),
            (
                json!({"pk": {"N": "1"}, "sk": {"N": "1"}}),
                "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
            ),
            (
                json!({"pk": {"S": ""}, "sk": {"N": "1"}}),
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
            ),
        ];
        for (item, message) in cases {
            let error = schema()
                .key_of_item(&item_from_json(&item).unwrap())
                .unwrap_err();
            assert_eq!(error.message, message);
        }
        let key = schema()
            .key_of_item(
                &item_from_json(&json!({"pk": {"S": "a"}, "sk": {"N": "2"}, "x": {"S": "y"}}))
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(key.range, Some(KeyValue::N(Number::parse("2").unwrap())));
    }

    #[test]
    fn request_keys_must_name_exactly_the_key_attributes() {
        let extra =
            item_from_json(&json!({"pk": {"S": "a"}, "sk": {"N": "2"}, "x": {"S": "y"}})).unwrap();
        let missing = item_from_json(&json!({"pk": {"S": "a"}})).unwrap();
        for key in [extra, missing] {
            assert_eq!(
                schema().key_of_request(&key).unwrap_err().message,
                "The provided key element does not match the schema"
            );
        }
    }

    #[test]
    fn keys_order_like_dynamodb() {
        let n = |text: &str| KeyValue::N(Number::parse(text).unwrap());
        assert!(n("2") < n("10"));
        assert!(KeyValue::S("Z".into()) < KeyValue::S("a".into()));
        assert!(KeyValue::S("a".into()) < KeyValue::S("é".into()));
        assert!(KeyValue::B(vec![1]) < KeyValue::B(vec![1, 0]));
    }
}
