//! What a template can ask of a value: the properties Velocity finds on it (a map's keys,
//! `empty`, a loop's `hasNext`) and the Java methods of strings, lists, maps and numbers that
//! templates call. A method that does not exist (or not with those arguments) gives no value,
//! so the reference renders as written, as in Velocity; one that throws in Java — an index out
//! of range, a bad pattern — fails the rendering, as it fails API Gateway's.

use regex_lite::Regex;

use super::TemplateError;
use super::eval::MAX_OUTPUT;
use super::value::Value;

/// `$value.name`.
pub fn property(value: &Value, name: &str) -> Option<Value> {
    match value {
        Value::Map(entries) => Some(entries.borrow().get(name).cloned().unwrap_or(Value::Null)),
        Value::Loop(state) => Some(match name {
            "hasNext" => Value::Bool(state.index + 1 < state.len),
            "index" => Value::Int(state.index as i64),
            "count" => Value::Int(state.index as i64 + 1),
            "first" => Value::Bool(state.index == 0),
            "last" => Value::Bool(state.index + 1 == state.len),
            _ => return None,
        }),
        Value::List(items) if name == "empty" => Some(Value::Bool(items.borrow().is_empty())),
        Value::Str(text) if name == "empty" => Some(Value::Bool(text.is_empty())),
        _ => None,
    }
}

/// `$value[index]`: a list's element or a map's entry.
pub fn index(value: &Value, index: &Value) -> Result<Option<Value>, TemplateError> {
    match value {
        Value::List(items) => {
            let items = items.borrow();
            let Value::Int(position) = index else {
                return Ok(None);
            };
            let found = usize::try_from(*position)
                .ok()
                .and_then(|position| items.get(position));
            match found {
                Some(item) => Ok(Some(item.clone())),
                None => Err(out_of_range(*position, items.len())),
            }
        }
        Value::Map(entries) => Ok(Some(
            entries
                .borrow()
                .get(&index.render())
                .cloned()
                .unwrap_or(Value::Null),
        )),
        _ => Ok(None),
    }
}

/// The error Java's collections throw for an index outside them.
fn out_of_range(index: i64, length: usize) -> TemplateError {
    TemplateError::Evaluation(format!(
        "IndexOutOfBoundsException: Index {index} out of bounds for length {length}"
    ))
}

/// What putting a list or map into itself is refused with.
pub fn cycle() -> TemplateError {
    TemplateError::Evaluation("a list or map cannot be put inside itself".into())
}

/// `$value.name(arguments)`.
pub fn call(
    value: &Value,
    name: &str,
    arguments: &[Value],
) -> Result<Option<Value>, TemplateError> {
    let result = match (name, arguments) {
        ("toString", []) => Some(Value::string(value.render())),
        ("equals", [other]) => Some(Value::Bool(value.equals(other))),
        ("hashCode", []) => None,
        _ => match value {
            Value::Str(text) => string_method(text, name, arguments)?,
            Value::List(_) => list_method(value, name, arguments)?,
            Value::Map(_) => map_method(value, name, arguments)?,
            Value::Int(_) | Value::Float(_) => number_method(value, name, arguments),
            Value::Bool(flag) if name == "booleanValue" && arguments.is_empty() => {
                Some(Value::Bool(*flag))
            }
            Value::Loop(state) => match name {
                "hasNext" => Some(Value::Bool(state.index + 1 < state.len)),
                "getIndex" => Some(Value::Int(state.index as i64)),
                "getCount" => Some(Value::Int(state.index as i64 + 1)),
                "isFirst" => Some(Value::Bool(state.index == 0)),
                "isLast" => Some(Value::Bool(state.index + 1 == state.len)),
                _ => None,
            },
            _ => None,
        },
    };
    if let Some(Value::Str(text)) = &result
        && text.len() > MAX_OUTPUT
    {
        return Err(TemplateError::Evaluation(format!(
            "a string in the template grew past {MAX_OUTPUT} bytes"
        )));
    }
    Ok(result)
}

fn text_argument(arguments: &[Value], position: usize) -> Option<String> {
    match arguments.get(position)? {
        Value::Null => None,
        value => Some(value.render()),
    }
}

fn int_argument(arguments: &[Value], position: usize) -> Option<i64> {
    match arguments.get(position)? {
        Value::Int(value) => Some(*value),
        _ => None,
    }
}

/// A Java regular expression, as far as `regex-lite` reads the same syntax.
fn pattern(text: &str) -> Result<Regex, TemplateError> {
    Regex::new(text).map_err(|error| {
        TemplateError::Evaluation(format!("PatternSyntaxException: {text}: {error}"))
    })
}

/// Java's `String` methods, counting characters (not UTF-16 units).
fn string_method(
    text: &str,
    name: &str,
    arguments: &[Value],
) -> Result<Option<Value>, TemplateError> {
    let chars = || text.chars().count();
    let substring = |from: i64, to: i64| -> Result<Value, TemplateError> {
        let length = chars() as i64;
        if from < 0 || to > length || from > to {
            return Err(TemplateError::Evaluation(format!(
                "StringIndexOutOfBoundsException: begin {from}, end {to}, length {length}"
            )));
        }
        Ok(Value::string(
            text.chars()
                .skip(from as usize)
                .take((to - from) as usize)
                .collect::<String>(),
        ))
    };
    let found = |position: Option<usize>| {
        Value::Int(position.map_or(-1, |byte| text[..byte].chars().count() as i64))
    };
    Ok(Some(match (name, arguments.len()) {
        ("length", 0) => Value::Int(chars() as i64),
        ("isEmpty", 0) => Value::Bool(text.is_empty()),
        ("toLowerCase", 0) => Value::string(text.to_lowercase()),
        ("toUpperCase", 0) => Value::string(text.to_uppercase()),
        ("trim", 0) => Value::string(text.trim_matches(|c: char| c <= ' ')),
        ("contains", 1) => match text_argument(arguments, 0) {
            Some(part) => Value::Bool(text.contains(&part)),
            None => return Ok(None),
        },
        ("startsWith", 1) => match text_argument(arguments, 0) {
            Some(part) => Value::Bool(text.starts_with(&part)),
            None => return Ok(None),
        },
        ("endsWith", 1) => match text_argument(arguments, 0) {
            Some(part) => Value::Bool(text.ends_with(&part)),
            None => return Ok(None),
        },
        ("equalsIgnoreCase", 1) => match text_argument(arguments, 0) {
            Some(other) => Value::Bool(text.to_lowercase() == other.to_lowercase()),
            None => Value::Bool(false),
        },
        ("indexOf", 1) => match text_argument(arguments, 0) {
            Some(part) => found(text.find(&part)),
            None => return Ok(None),
        },
        ("lastIndexOf", 1) => match text_argument(arguments, 0) {
            Some(part) => found(text.rfind(&part)),
            None => return Ok(None),
        },
        ("charAt", 1) => {
            let Some(position) = int_argument(arguments, 0) else {
                return Ok(None);
            };
            substring(position, position.saturating_add(1))?
        }
        ("substring", 1) => {
            let Some(from) = int_argument(arguments, 0) else {
                return Ok(None);
            };
            substring(from, chars() as i64)?
        }
        ("substring", 2) => {
            let (Some(from), Some(to)) = (int_argument(arguments, 0), int_argument(arguments, 1))
            else {
                return Ok(None);
            };
            substring(from, to)?
        }
        ("concat", 1) => match text_argument(arguments, 0) {
            Some(more) => Value::string(format!("{text}{more}")),
            None => return Ok(None),
        },
        ("replace", 2) => {
            let (Some(from), Some(to)) = (text_argument(arguments, 0), text_argument(arguments, 1))
            else {
                return Ok(None);
            };
            if from.is_empty() {
                return Ok(None);
            }
            Value::string(text.replace(&from, &to))
        }
        ("replaceAll" | "replaceFirst", 2) => {
            let (Some(from), Some(to)) = (text_argument(arguments, 0), text_argument(arguments, 1))
            else {
                return Ok(None);
            };
            let from = pattern(&from)?;
            let to = java_replacement(&to);
            Value::string(if name == "replaceAll" {
                from.replace_all(text, to.as_str()).into_owned()
            } else {
                from.replace(text, to.as_str()).into_owned()
            })
        }
        ("matches", 1) => {
            let Some(expression) = text_argument(arguments, 0) else {
                return Ok(None);
            };
            Value::Bool(pattern(&format!("^(?:{expression})$"))?.is_match(text))
        }
        ("split", 1) => {
            let Some(expression) = text_argument(arguments, 0) else {
                return Ok(None);
            };
            let mut parts: Vec<&str> = pattern(&expression)?.split(text).collect();
            // Java drops the empty strings at the end.
            while parts.len() > 1 && parts.last() == Some(&"") {
                parts.pop();
            }
            Value::list(parts.into_iter().map(Value::string).collect())
        }
        _ => return Ok(None),
    }))
}

/// A Java replacement string (`$1`, `\$`) in `regex`'s syntax (`${1}`, `$$`).
fn java_replacement(java: &str) -> String {
    let mut out = String::new();
    let mut chars = java.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => {}
            },
            '$' => {
                let mut group = String::new();
                while let Some(digit) = chars.peek().filter(|c| c.is_ascii_digit()) {
                    group.push(*digit);
                    chars.next();
                }
                out.push_str(&format!("${{{group}}}"));
            }
            other => out.push(other),
        }
    }
    out
}

fn list_method(
    list: &Value,
    name: &str,
    arguments: &[Value],
) -> Result<Option<Value>, TemplateError> {
    let Value::List(items) = list else {
        return Ok(None);
    };
    Ok(Some(match (name, arguments) {
        ("size", []) => Value::Int(items.borrow().len() as i64),
        ("isEmpty", []) => Value::Bool(items.borrow().is_empty()),
        ("get", [Value::Int(position)]) => {
            let items = items.borrow();
            match usize::try_from(*position).ok().and_then(|p| items.get(p)) {
                Some(item) => item.clone(),
                None => return Err(out_of_range(*position, items.len())),
            }
        }
        ("contains", [item]) => Value::Bool(items.borrow().iter().any(|x| x.equals(item))),
        ("indexOf", [item]) => Value::Int(
            items
                .borrow()
                .iter()
                .position(|x| x.equals(item))
                .map_or(-1, |p| p as i64),
        ),
        ("add", [item]) => {
            if item.reaches(list)? {
                return Err(cycle());
            }
            items.borrow_mut().push(item.clone());
            Value::Bool(true)
        }
        ("add", [Value::Int(position), item]) => {
            if item.reaches(list)? {
                return Err(cycle());
            }
            let mut items = items.borrow_mut();
            let length = items.len();
            match usize::try_from(*position).ok().filter(|p| *p <= length) {
                Some(position) => items.insert(position, item.clone()),
                None => return Err(out_of_range(*position, length)),
            }
            return Ok(None);
        }
        ("set", [Value::Int(position), item]) => {
            if item.reaches(list)? {
                return Err(cycle());
            }
            let mut items = items.borrow_mut();
            let length = items.len();
            match usize::try_from(*position)
                .ok()
                .and_then(|p| items.get_mut(p))
            {
                Some(slot) => std::mem::replace(slot, item.clone()),
                None => return Err(out_of_range(*position, length)),
            }
        }
        ("remove", [Value::Int(position)]) => {
            let mut items = items.borrow_mut();
            let length = items.len();
            match usize::try_from(*position).ok().filter(|p| *p < length) {
                Some(position) => items.remove(position),
                None => return Err(out_of_range(*position, length)),
            }
        }
        ("addAll", [Value::List(more)]) => {
            let more = more.borrow().clone();
            if more.iter().try_fold(false, |found, item| {
                Ok::<_, TemplateError>(found || item.reaches(list)?)
            })? {
                return Err(cycle());
            }
            items.borrow_mut().extend(more);
            Value::Bool(true)
        }
        ("clear", []) => {
            items.borrow_mut().clear();
            return Ok(None);
        }
        _ => return Ok(None),
    }))
}

fn map_method(
    map: &Value,
    name: &str,
    arguments: &[Value],
) -> Result<Option<Value>, TemplateError> {
    let Value::Map(entries) = map else {
        return Ok(None);
    };
    Ok(Some(match (name, arguments) {
        ("size", []) => Value::Int(entries.borrow().len() as i64),
        ("isEmpty", []) => Value::Bool(entries.borrow().is_empty()),
        ("get", [key]) => entries
            .borrow()
            .get(&key.render())
            .cloned()
            .unwrap_or(Value::Null),
        ("containsKey", [key]) => Value::Bool(entries.borrow().contains_key(&key.render())),
        ("containsValue", [value]) => {
            Value::Bool(entries.borrow().values().any(|x| x.equals(value)))
        }
        ("keySet", []) => Value::list(
            entries
                .borrow()
                .keys()
                .map(|key| Value::string(key.as_str()))
                .collect(),
        ),
        ("values", []) => Value::list(entries.borrow().values().cloned().collect()),
        ("entrySet", []) => Value::list(
            entries
                .borrow()
                .iter()
                .map(|(key, value)| {
                    Value::map(super::value::Map::from([
                        ("key".to_owned(), Value::string(key.as_str())),
                        ("value".to_owned(), value.clone()),
                    ]))
                })
                .collect(),
        ),
        ("put", [key, value]) => {
            if value.reaches(map)? {
                return Err(cycle());
            }
            let previous = entries.borrow_mut().insert(key.render(), value.clone());
            previous.unwrap_or(Value::Null)
        }
        ("remove", [key]) => entries
            .borrow_mut()
            .shift_remove(&key.render())
            .unwrap_or(Value::Null),
        ("putAll", [Value::Map(more)]) => {
            let more = more.borrow().clone();
            if more.values().try_fold(false, |found, value| {
                Ok::<_, TemplateError>(found || value.reaches(map)?)
            })? {
                return Err(cycle());
            }
            entries.borrow_mut().extend(more);
            return Ok(None);
        }
        _ => return Ok(None),
    }))
}

fn number_method(number: &Value, name: &str, arguments: &[Value]) -> Option<Value> {
    if !arguments.is_empty() {
        return None;
    }
    let float = number.number()?;
    Some(match name {
        "intValue" | "longValue" => Value::Int(match number {
            Value::Int(value) => *value,
            _ => float as i64,
        }),
        "doubleValue" | "floatValue" => Value::Float(float),
        _ => return None,
    })
}
