//! The values a mapping template computes with, as Velocity sees the Java objects API Gateway
//! hands it: strings, numbers, booleans, lists and insertion-ordered maps (Java's
//! `LinkedHashMap`, which is what `$input.path` and `$util.parseJson` return), plus the built-in
//! objects `$input`, `$util` and a `#foreach` loop's `$foreach`. Lists and maps are shared
//! references, so `$list.add(…)` and `$map.put(…)` change the value every name for it sees, as
//! in Java. Rendering follows Java's `toString`; `to_json` is what `$input.json` prints.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use indexmap::IndexMap;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// A map as Velocity sees one: keys in insertion order.
pub type Map = IndexMap<String, Value>;

/// One value of a template's evaluation.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(Rc<RefCell<Vec<Value>>>),
    Map(Rc<RefCell<Map>>),
    /// `$input`: the payload and the method request's parameters.
    Input,
    /// `$util`: API Gateway's helper functions.
    Util,
    /// `$foreach` inside a loop: where the loop is.
    Loop(LoopState),
}

/// How many values the cycle check of one insertion looks at.
pub const MAX_REACH: usize = 100_000;

/// How deep values are followed when rendered or compared.
pub const MAX_NESTING: usize = 128;
/// Past this many bytes a value's rendering stops (the renderer refuses such output anyway).
const MAX_TEXT: usize = super::eval::MAX_OUTPUT;

/// Where a `#foreach` loop is, for `$foreach.index`, `.count`, `.hasNext`, `.first`, `.last`.
#[derive(Debug, Clone, Copy)]
pub struct LoopState {
    pub index: usize,
    pub len: usize,
}

impl Value {
    pub fn string(text: impl Into<Rc<str>>) -> Self {
        Self::Str(text.into())
    }

    pub fn list(items: Vec<Value>) -> Self {
        Self::List(Rc::new(RefCell::new(items)))
    }

    pub fn map(entries: Map) -> Self {
        Self::Map(Rc::new(RefCell::new(entries)))
    }

    /// A map of strings, such as stage variables or a request's headers.
    pub fn string_map<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::map(
            entries
                .into_iter()
                .map(|(key, value)| (key.to_owned(), Value::string(value)))
                .collect(),
        )
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// Velocity 1.7's truth: null and `false` are false, every other object is true (an empty
    /// string included).
    pub fn truthy(&self) -> bool {
        !matches!(self, Self::Null | Self::Bool(false))
    }

    /// The Java class name a type error names.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "Boolean",
            Self::Int(_) => "Integer",
            Self::Float(_) => "Double",
            Self::Str(_) => "String",
            Self::List(_) => "ArrayList",
            Self::Map(_) => "LinkedHashMap",
            Self::Input => "$input",
            Self::Util => "$util",
            Self::Loop(_) => "$foreach",
        }
    }

    /// The value as Java's `toString` writes it, which is how Velocity renders it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }

    pub fn render_into(&self, out: &mut String) {
        self.write(out, 0);
    }

    /// Writes the value; below [`MAX_NESTING`] levels or past [`MAX_TEXT`] bytes it writes no
    /// more (an ellipsis marks the cut), so no value can take the renderer's stack or memory.
    fn write(&self, out: &mut String, depth: usize) {
        if depth > MAX_NESTING || out.len() > MAX_TEXT {
            out.push('…');
            return;
        }
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Self::Int(value) => {
                let _ = write!(out, "{value}");
            }
            Self::Float(value) => out.push_str(&java_double(*value)),
            Self::Str(text) => out.push_str(text),
            Self::List(items) => {
                out.push('[');
                for (n, item) in items.borrow().iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    item.write(out, depth + 1);
                }
                out.push(']');
            }
            Self::Map(entries) => {
                out.push('{');
                for (n, (key, value)) in entries.borrow().iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(key);
                    out.push('=');
                    value.write(out, depth + 1);
                }
                out.push('}');
            }
            Self::Input | Self::Util | Self::Loop(_) => out.push_str(self.type_name()),
        }
    }

    /// The value as JSON text (what `$input.json` returns).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.json_into(&mut out, 0);
        out
    }

    fn json_into(&self, out: &mut String, depth: usize) {
        if depth > MAX_NESTING || out.len() > MAX_TEXT {
            out.push_str("null");
            return;
        }
        match self {
            Self::Null | Self::Input | Self::Util | Self::Loop(_) => out.push_str("null"),
            Self::Bool(_) | Self::Int(_) => self.render_into(out),
            Self::Float(value) if value.is_finite() => {
                let _ = write!(out, "{value}");
            }
            Self::Float(_) => out.push_str("null"),
            Self::Str(text) => {
                out.push_str(&serde_json::Value::from(text.as_ref()).to_string());
            }
            Self::List(items) => {
                out.push('[');
                for (n, item) in items.borrow().iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    item.json_into(out, depth + 1);
                }
                out.push(']');
            }
            Self::Map(entries) => {
                out.push('{');
                for (n, (key, value)) in entries.borrow().iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::from(key.as_str()).to_string());
                    out.push(':');
                    value.json_into(out, depth + 1);
                }
                out.push('}');
            }
        }
    }

    /// Velocity's `==`: numbers by value, values of one class by content, values of different
    /// classes by their rendering.
    pub fn equals(&self, other: &Value) -> bool {
        self.equals_within(other, 0)
    }

    fn equals_within(&self, other: &Value, depth: usize) -> bool {
        if depth > MAX_NESTING {
            return false;
        }
        match (self, other) {
            (Self::Null, Self::Null) => true,
            (Self::Null, _) | (_, Self::Null) => false,
            (Self::Int(a), Self::Int(b)) => a == b,
            (a, b) if a.number().is_some() && b.number().is_some() => a.number() == b.number(),
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Str(a), Self::Str(b)) => a == b,
            (Self::List(a), Self::List(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x.equals_within(y, depth + 1))
            }
            (Self::Map(a), Self::Map(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.iter()
                        .all(|(key, x)| b.get(key).is_some_and(|y| x.equals_within(y, depth + 1)))
            }
            (a, b) => a.render() == b.render(),
        }
    }

    /// The value as a number, when it is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Self::Int(value) => Some(*value as f64),
            Self::Float(value) => Some(*value),
            _ => None,
        }
    }

    /// Parses JSON text into values, keeping each object's keys in the document's order.
    pub fn from_json(text: &str) -> Result<Value, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let value = deserializer.deserialize_any(JsonVisitor)?;
        deserializer.end()?;
        Ok(value)
    }

    /// A `serde_json` value as a template value (object keys in `serde_json`'s order).
    pub fn from_serde(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(value) => Value::Bool(*value),
            serde_json::Value::Number(number) => number_value(number),
            serde_json::Value::String(text) => Value::string(text.as_str()),
            serde_json::Value::Array(items) => {
                Value::list(items.iter().map(Value::from_serde).collect())
            }
            serde_json::Value::Object(entries) => Value::map(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), Value::from_serde(value)))
                    .collect(),
            ),
        }
    }
}

/// Values hold their lists and maps by reference, so one deeply nested would be dropped by
/// recursion as deep as itself: this drops the ones no other name holds level by level instead.
impl Drop for Value {
    fn drop(&mut self) {
        let mut orphans = Vec::new();
        self.release_children(&mut orphans);
        while let Some(mut orphan) = orphans.pop() {
            orphan.release_children(&mut orphans);
        }
    }
}

impl Value {
    /// Moves the children of a list or map nothing else holds into `orphans`.
    fn release_children(&mut self, orphans: &mut Vec<Value>) {
        match self {
            Self::List(items) if Rc::strong_count(items) == 1 => {
                if let Ok(mut items) = items.try_borrow_mut() {
                    orphans.append(&mut items);
                }
            }
            Self::Map(entries) if Rc::strong_count(entries) == 1 => {
                if let Ok(mut entries) = entries.try_borrow_mut() {
                    orphans.extend(entries.drain(..).map(|(_, value)| value));
                }
            }
            _ => {}
        }
    }

    /// Whether `self` is `container` or holds it at any depth: putting `self` into
    /// `container` would then make a cycle, which Java tolerates but nothing here can render.
    /// At most [`MAX_REACH`] values are looked at, so the check's own cost is bounded.
    pub fn reaches(&self, container: &Value) -> Result<bool, super::TemplateError> {
        let target = match container {
            Self::List(items) => Rc::as_ptr(items).cast::<()>(),
            Self::Map(entries) => Rc::as_ptr(entries).cast::<()>(),
            _ => return Ok(false),
        };
        let mut seen = std::collections::HashSet::new();
        let mut pending = vec![self.clone()];
        let mut visited = 0usize;
        while let Some(value) = pending.pop() {
            visited += 1;
            if visited > MAX_REACH {
                return Err(super::TemplateError::Evaluation(format!(
                    "a value of more than {MAX_REACH} elements cannot be put inside a list or map"
                )));
            }
            let pointer = match &value {
                Self::List(items) => Rc::as_ptr(items).cast::<()>(),
                Self::Map(entries) => Rc::as_ptr(entries).cast::<()>(),
                _ => continue,
            };
            if pointer == target {
                return Ok(true);
            }
            if !seen.insert(pointer) {
                continue;
            }
            match &value {
                Self::List(items) => pending.extend(items.borrow().iter().cloned()),
                Self::Map(entries) => pending.extend(entries.borrow().values().cloned()),
                _ => {}
            }
        }
        Ok(false)
    }

    /// What handling the value costs the renderer's budget: a step per element of a list or
    /// map, and one per 64 bytes of a string.
    pub fn weight(&self) -> usize {
        match self {
            Self::Str(text) => text.len() / 64,
            Self::List(items) => items.borrow().len(),
            Self::Map(entries) => entries.borrow().len(),
            _ => 0,
        }
    }
}

fn number_value(number: &serde_json::Number) -> Value {
    match number.as_i64() {
        Some(value) => Value::Int(value),
        None => Value::Float(number.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Java's `Double.toString`: plain digits with at least one decimal between 10⁻³ and 10⁷,
/// scientific notation (`1.0E7`) outside.
pub fn java_double(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let text = format!("{value}");
        if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        }
    } else {
        let text = format!("{value:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_owned()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exponent}")
    }
}

/// Builds values straight from JSON text, so objects keep their document order.
struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Int(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(i64::try_from(value).map_or(Value::Float(value as f64), Value::Int))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::string(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Seed)? {
            items.push(item);
        }
        Ok(Value::list(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut entries = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value = access.next_value_seed(Seed)?;
            entries.insert(key, value);
        }
        Ok(Value::map(entries))
    }
}

struct Seed;

impl<'de> de::DeserializeSeed<'de> for Seed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_objects_keep_their_document_order() {
        let value = Value::from_json(r#"{"z": 1, "a": [true, null, 2.5], "m": {"y": "x"}}"#)
            .expect("valid JSON");
        assert_eq!(value.render(), "{z=1, a=[true, null, 2.5], m={y=x}}");
        assert_eq!(
            value.to_json(),
            r#"{"z":1,"a":[true,null,2.5],"m":{"y":"x"}}"#
        );
    }

    #[test]
    fn a_list_nested_a_million_deep_drops_without_recursion() {
        let mut value = Value::list(Vec::new());
        for _ in 0..1_000_000 {
            value = Value::list(vec![value]);
        }
        assert!(
            value.render().contains('…'),
            "rendering stops at the nesting limit"
        );
        drop(value);
    }

    #[test]
    fn a_list_reaches_itself_through_a_map() {
        let list = Value::list(Vec::new());
        let map = Value::map(Map::from([("l".to_owned(), list.clone())]));
        assert!(map.reaches(&list).unwrap());
        assert!(!list.reaches(&map).unwrap());
    }

    #[test]
    fn doubles_print_as_java_prints_them() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(249.99), "249.99");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(1.5e-4), "1.5E-4");
        assert_eq!(java_double(0.0), "0.0");
    }

    #[test]
    fn equality_crosses_number_types_but_not_strings() {
        assert!(Value::Int(1).equals(&Value::Float(1.0)));
        assert!(!Value::Int(1).equals(&Value::string("2")));
        assert!(
            Value::Int(1).equals(&Value::string("1")),
            "different classes compare as text"
        );
    }
}
