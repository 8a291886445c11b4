//! JSON Schema draft 4, as API Gateway validates request bodies against a method's model:
//! `type`, `properties`, `required`, `additionalProperties`, `patternProperties`, `items`,
//! `minItems`/`maxItems`/`uniqueItems`, `enum`, `minimum`/`maximum` (with their exclusive
//! flags), `multipleOf`, `minLength`/`maxLength`/`pattern`, `minProperties`/`maxProperties`,
//! `allOf`/`anyOf`/`oneOf`/`not`, and `$ref` to `#/definitions/…` or to another model of the
//! API (`https://apigateway.amazonaws.com/restapis/{id}/models/{name}`). Following references
//! is bounded, so a schema that refers to itself cannot loop, and the whole check counts its
//! steps (schemas applied, items compared), so no schema and body can make it run long.

use serde_json::Value as Json;

/// How many schemas deep one validation may go (references included).
const MAX_DEPTH: usize = 64;
/// How many steps one validation may take.
const MAX_STEPS: usize = 1_000_000;

/// Validates `value` against `schema`; `model` resolves a reference to another model by name.
/// The error says where the value breaks which rule.
pub fn validate(
    schema: &Json,
    value: &Json,
    model: &dyn Fn(&str) -> Option<Json>,
) -> Result<(), String> {
    let validator = Validator {
        root: schema,
        model,
        steps: std::cell::Cell::new(0),
        models: std::cell::RefCell::new(std::collections::HashMap::new()),
    };
    let checked = validator.check(schema, value, "$", 0);
    // A branch that ran out of steps inside `not`, `anyOf` or `oneOf` may look like a match:
    // a validation over budget fails whatever it concluded.
    validator.tick(0)?;
    checked
}

struct Validator<'a> {
    root: &'a Json,
    model: &'a dyn Fn(&str) -> Option<Json>,
    steps: std::cell::Cell<usize>,
    /// Other models already read, by name.
    models: std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<Json>>>,
}

/// A referenced schema: part of the schema being checked, or another model.
enum Resolved<'a> {
    Local(&'a Json),
    Model(std::rc::Rc<Json>),
}

impl Resolved<'_> {
    fn schema(&self) -> &Json {
        match self {
            Self::Local(schema) => schema,
            Self::Model(schema) => schema,
        }
    }
}

fn type_matches(name: &str, value: &Json) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

impl Validator<'_> {
    /// Counts `count` steps against the validation's budget.
    fn tick(&self, count: usize) -> Result<(), String> {
        let steps = self.steps.get().saturating_add(count);
        self.steps.set(steps);
        if steps > MAX_STEPS {
            return Err(format!(
                "checking the body against the model took more than {MAX_STEPS} steps"
            ));
        }
        Ok(())
    }

    fn check(&self, schema: &Json, value: &Json, at: &str, depth: usize) -> Result<(), String> {
        self.tick(1)?;
        if depth > MAX_DEPTH {
            return Err(format!(
                "the schema nests (or refers) deeper than {MAX_DEPTH} levels"
            ));
        }
        let Some(rules) = schema.as_object() else {
            return Ok(());
        };
        if let Some(reference) = rules.get("$ref").and_then(Json::as_str) {
            let target = self.resolve(reference)?;
            return self.check(target.schema(), value, at, depth + 1);
        }
        if let Some(kind) = rules.get("type") {
            let allowed: Vec<&str> = match kind {
                Json::String(name) => vec![name.as_str()],
                Json::Array(names) => names.iter().filter_map(Json::as_str).collect(),
                _ => Vec::new(),
            };
            if !allowed.iter().any(|name| type_matches(name, value)) {
                return Err(format!("{at} is not of type {}", allowed.join(" or ")));
            }
        }
        if let Some(choices) = rules.get("enum").and_then(Json::as_array)
            && (self.tick(choices.len()).is_err()
                || !choices.iter().any(|choice| numbers_equal(choice, value)))
        {
            return Err(format!("{at} is not one of the enum's values"));
        }
        self.check_number(rules, value, at)?;
        self.check_string(rules, value, at)?;
        self.check_array(rules, value, at, depth)?;
        self.check_object(rules, value, at, depth)?;
        if let Some(all) = rules.get("allOf").and_then(Json::as_array) {
            for sub in all {
                self.check(sub, value, at, depth + 1)?;
            }
        }
        if let Some(any) = rules.get("anyOf").and_then(Json::as_array)
            && !any
                .iter()
                .any(|sub| self.check(sub, value, at, depth + 1).is_ok())
        {
            return Err(format!("{at} matches none of anyOf's schemas"));
        }
        if let Some(one) = rules.get("oneOf").and_then(Json::as_array) {
            let matching = one
                .iter()
                .filter(|sub| self.check(sub, value, at, depth + 1).is_ok())
                .count();
            if matching != 1 {
                return Err(format!(
                    "{at} matches {matching} of oneOf's schemas, not exactly one"
                ));
            }
        }
        if let Some(not) = rules.get("not")
            && self.check(not, value, at, depth + 1).is_ok()
        {
            return Err(format!("{at} matches the schema under not"));
        }
        Ok(())
    }

    /// The schema a `$ref` names: borrowed from the schema itself, or another model of the API,
    /// read once per validation.
    fn resolve(&self, reference: &str) -> Result<Resolved<'_>, String> {
        if let Some(pointer) = reference.strip_prefix('#') {
            return self
                .root
                .pointer(pointer)
                .map(Resolved::Local)
                .ok_or_else(|| format!("the reference {reference} names nothing in the schema"));
        }
        let name = reference
            .split_once("/models/")
            .map(|(_, name)| name)
            .ok_or_else(|| {
                format!("the reference {reference} is neither #/… nor a model of the API")
            })?;
        if let Some(model) = self.models.borrow().get(name) {
            return Ok(Resolved::Model(model.clone()));
        }
        let model = std::rc::Rc::new(
            (self.model)(name)
                .ok_or_else(|| format!("the reference {reference} names no model of the API"))?,
        );
        self.models
            .borrow_mut()
            .insert(name.to_owned(), model.clone());
        Ok(Resolved::Model(model))
    }

    fn check_number(
        &self,
        rules: &serde_json::Map<String, Json>,
        value: &Json,
        at: &str,
    ) -> Result<(), String> {
        let Some(number) = value.as_f64() else {
            return Ok(());
        };
        let flag = |name: &str| rules.get(name).and_then(Json::as_bool).unwrap_or(false);
        if let Some(minimum) = rules.get("minimum").and_then(Json::as_f64) {
            let below = if flag("exclusiveMinimum") {
                number <= minimum
            } else {
                number < minimum
            };
            if below {
                return Err(format!("{at} is less than the minimum {minimum}"));
            }
        }
        if let Some(maximum) = rules.get("maximum").and_then(Json::as_f64) {
            let above = if flag("exclusiveMaximum") {
                number >= maximum
            } else {
                number > maximum
            };
            if above {
                return Err(format!("{at} is greater than the maximum {maximum}"));
            }
        }
        if let Some(step) = rules.get("multipleOf").and_then(Json::as_f64)
            && step > 0.0
        {
            let quotient = number / step;
            if (quotient - quotient.round()).abs() > 1e-9 {
                return Err(format!("{at} is not a multiple of {step}"));
            }
        }
        Ok(())
    }

    fn check_string(
        &self,
        rules: &serde_json::Map<String, Json>,
        value: &Json,
        at: &str,
    ) -> Result<(), String> {
        let Some(text) = value.as_str() else {
            return Ok(());
        };
        let length = text.chars().count() as u64;
        if let Some(min) = rules.get("minLength").and_then(Json::as_u64)
            && length < min
        {
            return Err(format!("{at} is shorter than {min} characters"));
        }
        if let Some(max) = rules.get("maxLength").and_then(Json::as_u64)
            && length > max
        {
            return Err(format!("{at} is longer than {max} characters"));
        }
        if let Some(pattern) = rules.get("pattern").and_then(Json::as_str) {
            let regex = regex_lite::Regex::new(pattern).map_err(|error| {
                format!("the schema's pattern {pattern:?} does not compile: {error}")
            })?;
            if !regex.is_match(text) {
                return Err(format!("{at} does not match the pattern {pattern:?}"));
            }
        }
        Ok(())
    }

    fn check_array(
        &self,
        rules: &serde_json::Map<String, Json>,
        value: &Json,
        at: &str,
        depth: usize,
    ) -> Result<(), String> {
        let Some(items) = value.as_array() else {
            return Ok(());
        };
        let count = items.len() as u64;
        if let Some(min) = rules.get("minItems").and_then(Json::as_u64)
            && count < min
        {
            return Err(format!("{at} has fewer than {min} items"));
        }
        if let Some(max) = rules.get("maxItems").and_then(Json::as_u64)
            && count > max
        {
            return Err(format!("{at} has more than {max} items"));
        }
        if rules.get("uniqueItems").and_then(Json::as_bool) == Some(true) {
            for (n, item) in items.iter().enumerate() {
                self.tick(n)?;
                if items[..n]
                    .iter()
                    .any(|earlier| numbers_equal(earlier, item))
                {
                    return Err(format!("{at} has duplicate items"));
                }
            }
        }
        match rules.get("items") {
            Some(Json::Array(schemas)) => {
                for (n, (item, schema)) in items.iter().zip(schemas).enumerate() {
                    self.check(schema, item, &format!("{at}[{n}]"), depth + 1)?;
                }
                if let Some(extra) = rules.get("additionalItems") {
                    for (n, item) in items.iter().enumerate().skip(schemas.len()) {
                        match extra {
                            Json::Bool(false) => {
                                return Err(format!("{at} has more than {} items", schemas.len()));
                            }
                            schema => self.check(schema, item, &format!("{at}[{n}]"), depth + 1)?,
                        }
                    }
                }
            }
            Some(schema) => {
                for (n, item) in items.iter().enumerate() {
                    self.check(schema, item, &format!("{at}[{n}]"), depth + 1)?;
                }
            }
            None => {}
        }
        Ok(())
    }

    fn check_object(
        &self,
        rules: &serde_json::Map<String, Json>,
        value: &Json,
        at: &str,
        depth: usize,
    ) -> Result<(), String> {
        let Some(members) = value.as_object() else {
            return Ok(());
        };
        if let Some(required) = rules.get("required").and_then(Json::as_array) {
            for name in required.iter().filter_map(Json::as_str) {
                if !members.contains_key(name) {
                    return Err(format!("{at} lacks the required member {name:?}"));
                }
            }
        }
        let count = members.len() as u64;
        if let Some(min) = rules.get("minProperties").and_then(Json::as_u64)
            && count < min
        {
            return Err(format!("{at} has fewer than {min} members"));
        }
        if let Some(max) = rules.get("maxProperties").and_then(Json::as_u64)
            && count > max
        {
            return Err(format!("{at} has more than {max} members"));
        }
        let properties = rules.get("properties").and_then(Json::as_object);
        let patterns: Vec<(regex_lite::Regex, &Json)> = match rules
            .get("patternProperties")
            .and_then(Json::as_object)
        {
            Some(patterns) => patterns
                .iter()
                .map(|(pattern, schema)| {
                    regex_lite::Regex::new(pattern)
                        .map(|regex| (regex, schema))
                        .map_err(|error| {
                            format!("the schema's pattern {pattern:?} does not compile: {error}")
                        })
                })
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        for (name, member) in members {
            let place = format!("{at}.{name}");
            let mut described = false;
            if let Some(schema) = properties.and_then(|properties| properties.get(name)) {
                described = true;
                self.check(schema, member, &place, depth + 1)?;
            }
            for (regex, schema) in &patterns {
                if regex.is_match(name) {
                    described = true;
                    self.check(schema, member, &place, depth + 1)?;
                }
            }
            if !described {
                match rules.get("additionalProperties") {
                    Some(Json::Bool(false)) => {
                        return Err(format!(
                            "{at} has the member {name:?}, which the schema does not allow"
                        ));
                    }
                    Some(schema @ Json::Object(_)) => {
                        self.check(schema, member, &place, depth + 1)?
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// JSON equality where `1` and `1.0` are the same number.
fn numbers_equal(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_number() && b.is_number() => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(schema: Json, value: Json) -> Result<(), String> {
        let models =
            |name: &str| (name == "Pet").then(|| json!({"type": "object", "required": ["name"]}));
        validate(&schema, &value, &models)
    }

    #[test]
    fn the_rules_of_draft_4() {
        let pet = json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "object",
            "required": ["name", "price"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 10, "pattern": "^[A-Za-z ]+$"},
                "price": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "multipleOf": 0.01},
                "kind": {"enum": ["dog", "cat"]},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "uniqueItems": true},
                "owner": {"$ref": "#/definitions/owner"},
                "friend": {"$ref": "https://apigateway.amazonaws.com/restapis/a1/models/Pet"}
            },
            "definitions": {"owner": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}
        });
        let valid = json!({"name": "Rex", "price": 9.99, "kind": "dog", "tags": ["a", "b"], "owner": {"id": 3}, "friend": {"name": "Tom"}});
        assert_eq!(check(pet.clone(), valid), Ok(()));
        let invalid = [
            json!({"price": 1}),
            json!({"name": "", "price": 1}),
            json!({"name": "R2D2", "price": 1}),
            json!({"name": "Rex", "price": 0}),
            json!({"name": "Rex", "price": 1.001}),
            json!({"name": "Rex", "price": 1, "kind": "fish"}),
            json!({"name": "Rex", "price": 1, "tags": ["a", "a"]}),
            json!({"name": "Rex", "price": 1, "tags": ["a", "b", "c"]}),
            json!({"name": "Rex", "price": 1, "owner": {"id": 1.5}}),
            json!({"name": "Rex", "price": 1, "friend": {}}),
            json!({"name": "Rex", "price": 1, "color": "red"}),
            json!(["not", "an", "object"]),
        ];
        for value in invalid {
            assert!(check(pet.clone(), value.clone()).is_err(), "{value}");
        }
    }

    #[test]
    fn an_exponential_schema_fails_within_its_budget() {
        // Each level refers twice to the one below: 2^30 paths through a small schema.
        let mut definitions = serde_json::Map::new();
        definitions.insert("d0".into(), json!({"type": "string"}));
        for level in 1..=30 {
            let below = json!({"$ref": format!("#/definitions/d{}", level - 1)});
            definitions.insert(
                format!("d{level}"),
                json!({"anyOf": [below.clone(), below]}),
            );
        }
        let wrapped = json!({"definitions": definitions, "not": {"$ref": "#/definitions/d30"}});
        let error = check(wrapped, json!(1)).unwrap_err();
        assert!(error.contains("steps"), "{error}");
        let many: Vec<i64> = (0..100_000).collect();
        let error = check(json!({"uniqueItems": true}), json!(many)).unwrap_err();
        assert!(error.contains("steps"), "{error}");
    }

    #[test]
    fn combinators_and_self_references_terminate() {
        let schema =
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "not": {"enum": [0]}});
        assert_eq!(check(schema.clone(), json!(3)), Ok(()));
        assert!(check(schema.clone(), json!(0)).is_err());
        assert!(check(schema, json!(1.5)).is_err());
        let looping =
            json!({"definitions": {"a": {"$ref": "#/definitions/a"}}, "$ref": "#/definitions/a"});
        assert!(
            check(looping, json!(1))
                .unwrap_err()
                .contains("deeper than")
        );
    }
}
