//! Route selection for WebSocket messages: evaluating the API's `RouteSelectionExpression`
//! (`$request.body.action`, or any other JSON path into the message) and picking the route, with
//! the reason recorded for the inspector.

use serde_json::Value as Json;

/// The route a message goes to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The route key chosen; `None` when no route fits and there is no `$default` route.
    pub route_key: Option<String>,
    /// What the expression evaluated to, if it could be evaluated.
    pub value: Option<String>,
    /// Why this route, in words.
    pub reason: String,
}

/// Chooses among `route_keys` for a message, as API Gateway does: the expression's value when a
/// route has that key, otherwise `$default` when there is one.
pub fn select(expression: &str, message: Option<&str>, route_keys: &[&str]) -> Selection {
    let value = match message {
        Some(text) => evaluate(expression, text),
        None => Err("the message is binary".to_owned()),
    };
    let fallback = |why: String| {
        let has_default = route_keys.contains(&"$default");
        Selection {
            route_key: has_default.then(|| "$default".to_owned()),
            value: None,
            reason: if has_default {
                format!("{why}: sent to $default")
            } else {
                format!("{why}, and the API has no $default route")
            },
        }
    };
    match value {
        Err(why) => fallback(why),
        Ok(value) => {
            // Keys starting with `$` are the reserved routes; a message cannot select them by name.
            let reserved = value.starts_with('$');
            if !reserved && route_keys.contains(&value.as_str()) {
                Selection {
                    route_key: Some(value.clone()),
                    reason: format!("{expression} is {value:?}, which is a route key"),
                    value: Some(value),
                }
            } else {
                let mut selection =
                    fallback(format!("{expression} is {value:?}, which no route has"));
                selection.value = Some(value);
                selection
            }
        }
    }
}

/// The value of `expression` for a message, or why it has none.
fn evaluate(expression: &str, message: &str) -> Result<String, String> {
    let path = expression
        .strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
        .map(|inner| format!("${inner}"));
    let expression = path.as_deref().unwrap_or(expression);
    if !expression.contains('$') {
        // A static expression (such as `.body.action`, when a shell expanded `$request`) names
        // the same route for every message.
        return Ok(expression.to_owned());
    }
    let Some(path) = expression.strip_prefix("$request.body") else {
        return Err(format!("{expression} does not read the message body"));
    };
    let body: Json =
        serde_json::from_str(message).map_err(|_| "the message is not JSON".to_owned())?;
    let mut current = &body;
    for segment in path.split('.').filter(|segment| !segment.is_empty()) {
        current = current
            .get(segment)
            .ok_or_else(|| format!("the message has no {expression}"))?;
    }
    match current {
        Json::String(text) => Ok(text.clone()),
        Json::Number(number) => Ok(number.to_string()),
        Json::Bool(flag) => Ok(flag.to_string()),
        _ => Err(format!("{expression} is not a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &[&str] = &["$connect", "$disconnect", "$default", "sendmessage"];

    #[test]
    fn a_static_expression_names_one_route_for_every_message() {
        // What `--route-selection-expression "$request.body.action"` becomes in a shell.
        let selection = select(".body.action", Some(r#"{"action":"sendmessage"}"#), ROUTES);
        assert_eq!(selection.route_key.as_deref(), Some("$default"));
        assert_eq!(selection.value.as_deref(), Some(".body.action"));
        assert_eq!(
            selection.reason,
            ".body.action is \".body.action\", which no route has: sent to $default"
        );
    }

    #[test]
    fn a_matching_action_selects_its_route() {
        let selection = select(
            "$request.body.action",
            Some(r#"{"action":"sendmessage","data":"hi"}"#),
            ROUTES,
        );
        assert_eq!(selection.route_key.as_deref(), Some("sendmessage"));
        assert_eq!(selection.value.as_deref(), Some("sendmessage"));
    }

    #[test]
    fn nested_paths_and_braced_expressions_are_followed() {
        let message = r#"{"service":{"action":"sendmessage"}}"#;
        for expression in [
            "$request.body.service.action",
            "${request.body.service.action}",
        ] {
            let selection = select(expression, Some(message), ROUTES);
            assert_eq!(
                selection.route_key.as_deref(),
                Some("sendmessage"),
                "{expression}"
            );
        }
    }

    #[test]
    fn unknown_values_non_json_and_binary_go_to_default() {
        for message in [
            Some(r#"{"action":"other"}"#),
            Some("hello!"),
            Some("{}"),
            None,
        ] {
            let selection = select("$request.body.action", message, ROUTES);
            assert_eq!(
                selection.route_key.as_deref(),
                Some("$default"),
                "{message:?}"
            );
            assert!(
                selection.reason.contains("$default"),
                "{}",
                selection.reason
            );
        }
    }

    #[test]
    fn reserved_keys_cannot_be_selected_by_a_message() {
        let selection = select(
            "$request.body.action",
            Some(r#"{"action":"$connect"}"#),
            ROUTES,
        );
        assert_eq!(selection.route_key.as_deref(), Some("$default"));
    }

    #[test]
    fn without_default_nothing_is_selected() {
        let selection = select(
            "$request.body.action",
            Some("hello!"),
            &["$connect", "ping"],
        );
        assert_eq!(selection.route_key, None);
        assert!(
            selection.reason.contains("no $default route"),
            "{}",
            selection.reason
        );
    }

    #[test]
    fn numbers_and_booleans_select_by_their_text() {
        let selection = select("$request.body.kind", Some(r#"{"kind":7}"#), &["7"]);
        assert_eq!(selection.route_key.as_deref(), Some("7"));
    }
}
