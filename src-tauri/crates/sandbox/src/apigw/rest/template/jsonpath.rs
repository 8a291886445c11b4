//! The JSONPath of `$input.path` and `$input.json`, as Jayway's JsonPath (which API Gateway
//! uses) reads it: `$`, `.name`, `['name']`, `[0]`, `[-1]`, `[0,2]`, `[1:3]`, `*`, `..name`
//! and filters comparing a member with a literal (`[?(@.price < 10)]`, `[?(@.isbn)]`). A path
//! without wildcards, deep scans, slices, unions or filters is *definite* and selects one value
//! (or nothing); any other selects a list.

use super::TemplateError;
use super::value::Value;

/// How long a path may be.
const MAX_PATH: usize = 4096;

#[derive(Debug, Clone)]
enum Segment {
    Child(String),
    Index(i64),
    Union(Vec<Selector>),
    Slice(Option<i64>, Option<i64>),
    Wildcard,
    Descendants(Box<Segment>),
    Filter(Filter),
}

#[derive(Debug, Clone)]
enum Selector {
    Name(String),
    Index(i64),
}

#[derive(Debug, Clone)]
struct Filter {
    member: Vec<String>,
    comparison: Option<(String, Value)>,
}

/// Selects what `path` names in `root`: `None` when a definite path names nothing.
pub fn select(root: &Value, path: &str) -> Result<Option<Value>, TemplateError> {
    let (segments, definite) = parse(path)?;
    let mut current = vec![root.clone()];
    for segment in &segments {
        let mut next = Vec::new();
        for value in &current {
            apply(segment, value, &mut next);
        }
        current = next;
    }
    if definite {
        Ok(current.into_iter().next())
    } else {
        Ok(Some(Value::list(current)))
    }
}

fn invalid(path: &str, why: &str) -> TemplateError {
    TemplateError::Evaluation(format!("Invalid JSONPath {path:?}: {why}"))
}

fn parse(path: &str) -> Result<(Vec<Segment>, bool), TemplateError> {
    if path.len() > MAX_PATH {
        return Err(invalid(&path[..64], "the path is too long"));
    }
    let trimmed = path.trim();
    // Jayway reads a path without `$` as one below the root.
    let rest = match trimmed.strip_prefix('$') {
        Some(rest) => rest.to_owned(),
        None if trimmed.starts_with('[') => trimmed.to_owned(),
        None => format!(".{trimmed}"),
    };
    let chars: Vec<char> = rest.chars().collect();
    let mut position = 0;
    let mut segments = Vec::new();
    let mut definite = true;
    while position < chars.len() {
        let descend = chars[position..].starts_with(&['.', '.']);
        let segment = if descend {
            position += 2;
            definite = false;
            if chars.get(position) == Some(&'[') {
                bracket(&chars, &mut position, path)?
            } else {
                name_segment(&chars, &mut position, path)?
            }
        } else {
            match chars[position] {
                '.' => {
                    position += 1;
                    name_segment(&chars, &mut position, path)?
                }
                '[' => bracket(&chars, &mut position, path)?,
                other => return Err(invalid(path, &format!("unexpected {other:?}"))),
            }
        };
        if !matches!(segment, Segment::Child(_) | Segment::Index(_)) {
            definite = false;
        }
        segments.push(if descend {
            Segment::Descendants(Box::new(segment))
        } else {
            segment
        });
    }
    Ok((segments, definite))
}

fn name_segment(
    chars: &[char],
    position: &mut usize,
    path: &str,
) -> Result<Segment, TemplateError> {
    let start = *position;
    while *position < chars.len() && !matches!(chars[*position], '.' | '[') {
        *position += 1;
    }
    let name: String = chars[start..*position].iter().collect();
    match name.as_str() {
        "" => Err(invalid(path, "a name is missing after .")),
        "*" => Ok(Segment::Wildcard),
        _ => Ok(Segment::Child(name)),
    }
}

fn bracket(chars: &[char], position: &mut usize, path: &str) -> Result<Segment, TemplateError> {
    *position += 1;
    let start = *position;
    let mut quote = None;
    let mut depth = 0usize;
    while *position < chars.len() {
        let c = chars[*position];
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ']') if depth == 0 => break,
            _ => {}
        }
        *position += 1;
    }
    if *position >= chars.len() {
        return Err(invalid(path, "a [ without its ]"));
    }
    let inner: String = chars[start..*position].iter().collect();
    *position += 1;
    let inner = inner.trim();
    if inner == "*" {
        return Ok(Segment::Wildcard);
    }
    if let Some(filter) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        return Ok(Segment::Filter(parse_filter(filter.trim(), path)?));
    }
    if let Some((from, to)) = inner.split_once(':') {
        let bound = |text: &str| -> Result<Option<i64>, TemplateError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse()
                .map(Some)
                .map_err(|_| invalid(path, "a slice's bounds are integers"))
        };
        return Ok(Segment::Slice(bound(from)?, bound(to)?));
    }
    let mut selectors = Vec::new();
    for part in split_outside_quotes(inner) {
        let part = part.trim();
        let quoted = part
            .strip_prefix('\'')
            .and_then(|p| p.strip_suffix('\''))
            .or_else(|| part.strip_prefix('"').and_then(|p| p.strip_suffix('"')));
        selectors.push(match quoted {
            Some(name) => Selector::Name(name.to_owned()),
            None => Selector::Index(part.parse().map_err(|_| {
                invalid(
                    path,
                    &format!("{part:?} is neither a quoted name nor an index"),
                )
            })?),
        });
    }
    Ok(match selectors.as_slice() {
        [Selector::Name(name)] => Segment::Child(name.clone()),
        [Selector::Index(index)] => Segment::Index(*index),
        _ => Segment::Union(selectors),
    })
}

fn split_outside_quotes(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, ',') => {
                parts.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `@.a.b`, or `@.a.b OP literal`.
fn parse_filter(text: &str, path: &str) -> Result<Filter, TemplateError> {
    const OPERATORS: [&str; 6] = ["==", "!=", "<=", ">=", "<", ">"];
    let (left, comparison) = match OPERATORS
        .iter()
        .filter_map(|operator| text.find(operator).map(|at| (at, *operator)))
        .min_by_key(|(at, _)| *at)
    {
        Some((at, operator)) => {
            let literal = text[at + operator.len()..].trim();
            let value = if let Some(quoted) = literal
                .strip_prefix('\'')
                .and_then(|l| l.strip_suffix('\''))
            {
                Value::string(quoted)
            } else {
                Value::from_json(literal).map_err(|_| {
                    invalid(
                        path,
                        &format!("the filter's value {literal:?} is not a literal"),
                    )
                })?
            };
            (text[..at].trim(), Some((operator.to_owned(), value)))
        }
        None => (text, None),
    };
    let Some(member) = left.strip_prefix('@') else {
        return Err(invalid(
            path,
            "a filter compares a member of @ with a literal",
        ));
    };
    let member = member
        .split('.')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Filter { member, comparison })
}

fn apply(segment: &Segment, value: &Value, out: &mut Vec<Value>) {
    match segment {
        Segment::Child(name) => {
            if let Value::Map(entries) = value
                && let Some(child) = entries.borrow().get(name)
            {
                out.push(child.clone());
            }
        }
        Segment::Index(index) => {
            if let Value::List(items) = value {
                let items = items.borrow();
                if let Some(item) = at(&items, *index) {
                    out.push(item.clone());
                }
            }
        }
        Segment::Union(selectors) => {
            for selector in selectors {
                let single = match selector {
                    Selector::Name(name) => Segment::Child(name.clone()),
                    Selector::Index(index) => Segment::Index(*index),
                };
                apply(&single, value, out);
            }
        }
        Segment::Slice(from, to) => {
            if let Value::List(items) = value {
                let items = items.borrow();
                let length = items.len() as i64;
                let clamp = |bound: i64| {
                    if bound < 0 {
                        (length + bound).max(0)
                    } else {
                        bound.min(length)
                    }
                };
                let (from, to) = (clamp(from.unwrap_or(0)), clamp(to.unwrap_or(length)));
                if from < to {
                    out.extend(items[from as usize..to as usize].iter().cloned());
                }
            }
        }
        Segment::Wildcard => children(value, out),
        Segment::Descendants(inner) => {
            // Every node below and including `value`, visited without recursion.
            let mut pending = vec![value.clone()];
            while let Some(node) = pending.pop() {
                apply(inner, &node, out);
                let mut below = Vec::new();
                children(&node, &mut below);
                pending.extend(below.into_iter().rev());
            }
        }
        Segment::Filter(filter) => {
            let mut candidates = Vec::new();
            children(value, &mut candidates);
            out.extend(candidates.into_iter().filter(|item| passes(filter, item)));
        }
    }
}

fn children(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Map(entries) => out.extend(entries.borrow().values().cloned()),
        Value::List(items) => out.extend(items.borrow().iter().cloned()),
        _ => {}
    }
}

fn at(items: &[Value], index: i64) -> Option<&Value> {
    let position = if index < 0 {
        items.len().checked_sub(index.unsigned_abs() as usize)?
    } else {
        usize::try_from(index).ok()?
    };
    items.get(position)
}

fn passes(filter: &Filter, item: &Value) -> bool {
    let mut current = item.clone();
    for name in &filter.member {
        let next = match &current {
            Value::Map(entries) => entries.borrow().get(name).cloned(),
            _ => None,
        };
        match next {
            Some(next) => current = next,
            None => return false,
        }
    }
    let Some((operator, literal)) = &filter.comparison else {
        return true;
    };
    let ordering = match (&current, literal) {
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        _ => match (current.number(), literal.number()) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => None,
        },
    };
    match operator.as_str() {
        "==" => current.equals(literal),
        "!=" => !current.equals(literal),
        "<" => ordering.is_some_and(|o| o.is_lt()),
        "<=" => ordering.is_some_and(|o| o.is_le()),
        ">" => ordering.is_some_and(|o| o.is_gt()),
        _ => ordering.is_some_and(|o| o.is_ge()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pets() -> Value {
        Value::from_json(
            r#"{"pets": [{"id": 1, "type": "dog", "price": 249.99},
                         {"id": 2, "type": "cat", "price": 124.99},
                         {"id": 3, "type": "fish", "price": 0.99}],
                "store": {"name": "Pet's", "open": true}}"#,
        )
        .expect("valid JSON")
    }

    fn json(path: &str) -> String {
        select(&pets(), path)
            .expect("a valid path")
            .map_or_else(|| "<nothing>".into(), |value| value.to_json())
    }

    #[test]
    fn paths_select_as_jayway_does() {
        let cases = [
            (
                "$",
                r#"{"pets":[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99},{"id":3,"type":"fish","price":0.99}],"store":{"name":"Pet's","open":true}}"#,
            ),
            ("$.store.name", r#""Pet's""#),
            ("store.open", "true"),
            ("$['store']['name']", r#""Pet's""#),
            ("$.pets[0].type", r#""dog""#),
            ("$.pets[-1].id", "3"),
            ("$.pets[*].id", "[1,2,3]"),
            ("$.pets[0,2].type", r#"["dog","fish"]"#),
            ("$.pets[1:].id", "[2,3]"),
            ("$..price", "[249.99,124.99,0.99]"),
            ("$.pets[?(@.price < 200)].type", r#"["cat","fish"]"#),
            ("$.pets[?(@.type == 'cat')].id", "[2]"),
            ("$.missing", "<nothing>"),
            ("$.pets[7]", "<nothing>"),
        ];
        for (path, expected) in cases {
            assert_eq!(json(path), expected, "{path}");
        }
    }

    #[test]
    fn malformed_paths_are_refused() {
        for path in ["$.pets[", "$.pets[?(price)]", "$.pets[abc]", "$.a..", "$x"] {
            assert!(select(&pets(), path).is_err(), "{path}");
        }
    }
}
