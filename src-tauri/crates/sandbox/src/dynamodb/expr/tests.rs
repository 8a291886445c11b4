//! Table-driven tests of the expression language: parse errors with DynamoDB's messages,
//! condition evaluation, updates and projections.

use std::collections::HashMap;

use serde_json::json;

use super::*;
use crate::dynamodb::value::{Item, Value, item_from_json, item_to_json};

fn placeholders(names: &[(&str, &str)], values: serde_json::Value) -> Placeholders {
    let names = names
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let values: HashMap<String, Value> = item_from_json(&values).unwrap().into_iter().collect();
    Placeholders::new(names, values)
}

fn item(json: serde_json::Value) -> Item {
    item_from_json(&json).unwrap()
}

fn sample() -> Item {
    item(json!({
        "id": {"S": "thing-1"},
        "count": {"N": "5"},
        "name": {"S": "Widget"},
        "tags": {"SS": ["red", "blue"]},
        "scores": {"NS": ["1", "2"]},
        "info": {"M": {"color": {"S": "red"}, "sizes": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}}},
        "flag": {"BOOL": true},
        "nothing": {"NULL": true},
        "blob": {"B": "AAEC"},
    }))
}

fn values() -> serde_json::Value {
    json!({
        ":five": {"N": "5"},
        ":six": {"N": "6"},
        ":one": {"N": "1"},
        ":red": {"S": "red"},
        ":wid": {"S": "Wid"},
        ":s": {"S": "S"},
        ":ss": {"S": "SS"},
        ":list": {"L": [{"N": "9"}]},
        ":true": {"BOOL": true},
        ":green": {"SS": ["green"]},
        ":blue": {"SS": ["blue"]},
        ":two": {"NS": ["2"]},
    })
}

#[test]
fn conditions_evaluate_as_dynamodb_does() {
    let item = sample();
    let cases = [
        ("#c = :five", true),
        ("#c <> :five", false),
        ("#c < :six AND #c >= :five", true),
        ("#c > :six OR #c = :five", true),
        ("NOT #c = :five", false),
        ("NOT (#c = :six OR #c = :one)", true),
        ("#c BETWEEN :one AND :six", true),
        ("#c BETWEEN :six AND :six", false),
        ("#c IN (:one, :five)", true),
        ("#c IN (:one, :six)", false),
        ("attribute_exists(info.color)", true),
        ("attribute_exists(info.shape)", false),
        ("attribute_not_exists(ghost)", true),
        ("attribute_type(#n, :s)", true),
        ("attribute_type(tags, :ss)", true),
        ("attribute_type(#n, :ss)", false),
        ("begins_with(#n, :wid)", true),
        ("contains(tags, :red)", true),
        ("contains(info.color, :red)", true),
        ("contains(#n, :red)", false),
        ("size(tags) = :one", false),
        ("size(info.sizes) > :one", true),
        ("size(#n) = :six", true),
        ("info.sizes[2] = :one", false),
        ("info.sizes[0] = :one", true),
        ("ghost = :five", false),
        // A missing attribute differs from every value.
        ("ghost <> :five", true),
        ("ghost < :five", false),
        ("flag = :true", true),
        ("#n < :five", false),
        // AND binds tighter than OR: false OR (true AND true).
        ("#c = :six OR #c = :five AND flag = :true", true),
        // NOT binds tighter than AND.
        ("NOT #c = :six AND #c = :five", true),
    ];
    for (expression, expected) in cases {
        let mut p = placeholders(&[("#c", "count"), ("#n", "name")], values());
        let condition = parse_condition(expression, ExprKind::Condition, &mut p)
            .unwrap_or_else(|error| panic!("{expression}: {error}"));
        assert_eq!(evaluate(&condition, Some(&item)), expected, "{expression}");
    }
}

#[test]
fn parse_errors_carry_dynamodbs_messages() {
    let cases = [
        (
            "",
            "Invalid ConditionExpression: The expression can not be empty;",
        ),
        (
            "name = :v",
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name",
        ),
        (
            "#missing = :five",
            "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #missing",
        ),
        (
            "a = :nope",
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope",
        ),
        (
            "a = = :five",
            "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= =\"",
        ),
        (
            "a =",
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\"",
        ),
        (
            "a $ :five",
            "Invalid ConditionExpression: Syntax error; token: \"$\", near: \"a $\"",
        ),
        (
            "frobnicate(a)",
            "Invalid ConditionExpression: Invalid function name; function: frobnicate",
        ),
        (
            "a < :true",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL",
        ),
        (
            "a BETWEEN :six AND :one",
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:6}, upper bound operand: AttributeValue: {N:1}",
        ),
        (
            "attribute_type(a, :red)",
            "Invalid ConditionExpression: Invalid attribute type name found; type: red, valid types: { B,BOOL,BS,S,SS,N,NS,NULL,M,L }",
        ),
    ];
    for (expression, message) in cases {
        let mut p = placeholders(&[], values());
        let error = parse_condition(expression, ExprKind::Condition, &mut p).unwrap_err();
        assert_eq!(error.code, "ValidationException", "{expression}");
        assert_eq!(error.message, message, "{expression}");
    }
}

#[test]
fn unused_placeholders_are_reported() {
    let mut p = placeholders(
        &[("#a", "a"), ("#b", "b")],
        json!({":x": {"N": "1"}, ":y": {"N": "2"}}),
    );
    parse_condition("#a = :x", ExprKind::Condition, &mut p).unwrap();
    assert_eq!(
        p.check_all_used().unwrap_err().message,
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"
    );
    let mut p = placeholders(&[], json!({":x": {"N": "1"}, ":y": {"N": "2"}}));
    parse_condition("a = :x", ExprKind::Condition, &mut p).unwrap();
    assert_eq!(
        p.check_all_used().unwrap_err().message,
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}"
    );
}

#[test]
fn updates_apply_every_clause() {
    let before = sample();
    let cases = [
        ("SET #c = #c + :one", json!({"count": {"N": "6"}})),
        ("SET #c = #c - :six", json!({"count": {"N": "-1"}})),
        (
            "SET fresh = if_not_exists(fresh, :five), #c = if_not_exists(#c, :one)",
            json!({"fresh": {"N": "5"}, "count": {"N": "5"}}),
        ),
        (
            "SET info.sizes = list_append(info.sizes, :list)",
            json!({"info": {"M": {"color": {"S": "red"}, "sizes": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}, {"N": "9"}]}}}}),
        ),
        (
            "SET info.sizes[1] = :five, info.sizes[10] = :six",
            json!({"info": {"M": {"color": {"S": "red"}, "sizes": {"L": [{"N": "1"}, {"N": "5"}, {"N": "3"}, {"N": "6"}]}}}}),
        ),
        (
            "REMOVE info.sizes[0], info.sizes[2], flag",
            json!({"info": {"M": {"color": {"S": "red"}, "sizes": {"L": [{"N": "2"}]}}}}),
        ),
        (
            "ADD #c :one, tags :green",
            json!({"count": {"N": "6"}, "tags": {"SS": ["red", "blue", "green"]}}),
        ),
        ("ADD newcount :five", json!({"newcount": {"N": "5"}})),
        (
            "DELETE tags :blue, scores :two",
            json!({"tags": {"SS": ["red"]}, "scores": {"NS": ["1"]}}),
        ),
        ("set a = :one remove flag", json!({"a": {"N": "1"}})),
    ];
    for (expression, changed) in cases {
        let mut p = placeholders(&[("#c", "count")], values());
        let update =
            parse_update(expression, &mut p).unwrap_or_else(|e| panic!("{expression}: {e}"));
        let after = apply_update(&update, &before).unwrap_or_else(|e| panic!("{expression}: {e}"));
        let mut expected = before.clone();
        for (name, value) in item(changed) {
            expected.insert(name, value);
        }
        if expression.to_lowercase().contains("remove") && expression.contains("flag") {
            expected.remove("flag");
        }
        assert_eq!(
            item_to_json(&after),
            item_to_json(&expected),
            "{expression}"
        );
    }
    // Deleting the last members of a set removes the attribute.
    let mut p = placeholders(&[], json!({":all": {"SS": ["red", "blue"]}}));
    let update = parse_update("DELETE tags :all", &mut p).unwrap();
    assert!(!apply_update(&update, &before).unwrap().contains_key("tags"));
}

#[test]
fn update_errors_leave_the_item_untouched() {
    let before = sample();
    let cases = [
        (
            "SET #n = #n + :one",
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "SET a = ghost",
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            "SET nope.deeper = :one",
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "ADD #n :one",
            "An operand in the update expression has an incorrect data type",
        ),
    ];
    for (expression, message) in cases {
        let mut p = placeholders(&[("#n", "name")], values());
        let update = parse_update(expression, &mut p).unwrap();
        let error = apply_update(&update, &before).unwrap_err();
        assert_eq!(error.message, message, "{expression}");
    }
}

#[test]
fn update_parse_errors_carry_dynamodbs_messages() {
    let cases = [
        (
            "SET a = :one SET b = :one",
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;",
        ),
        (
            "SET a = :one, a.b = :one",
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
        ),
        (
            "ADD a :red",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND",
        ),
        (
            "DELETE a :one",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND",
        ),
        (
            "SET a = :red + :one",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
        ),
        (
            "SET a = size(b)",
            "Invalid UpdateExpression: The function is not allowed in an update expression; function: size",
        ),
        (
            "UPSERT a = :one",
            "Invalid UpdateExpression: Syntax error; token: \"UPSERT\", near: \"UPSERT\"",
        ),
    ];
    for (expression, message) in cases {
        let mut p = placeholders(&[], values());
        let error = parse_update(expression, &mut p).unwrap_err();
        assert_eq!(error.message, message, "{expression}");
    }
}

#[test]
fn projections_keep_the_nesting() {
    let item = sample();
    let mut p = placeholders(&[("#n", "name")], json!({}));
    let paths = parse_projection("#n, info.sizes[2], info.sizes[0], ghost", &mut p).unwrap();
    assert_eq!(
        item_to_json(&project(&item, &paths)),
        json!({
            "name": {"S": "Widget"},
            "info": {"M": {"sizes": {"L": [{"N": "1"}, {"N": "3"}]}}},
        })
    );
}

/// The shapes that once overflowed the stack, and DynamoDB's own limits around them.
mod limits {
    use super::*;
    use crate::dynamodb::expr::parse::{MAX_EXPRESSION_BYTES, MAX_GROUP_DEPTH};

    fn condition_error(expression: &str) -> String {
        let mut p = placeholders(&[], values());
        parse_condition(expression, ExprKind::Condition, &mut p)
            .unwrap_err()
            .message
    }

    /// Runs `work` on a thread with a small stack: what parses and evaluates there has a wide
    /// margin on the runtime's 2 MiB worker stacks, debug build or not.
    fn on_small_stack(work: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(work)
            .unwrap()
            .join()
            .expect("no stack overflow");
    }

    #[test]
    fn expressions_over_4_kb_are_refused_before_they_are_read() {
        let long_path = format!("a{}", "z".repeat(MAX_EXPRESSION_BYTES));
        let condition = format!("attribute_not_exists({long_path})");
        assert_eq!(
            condition_error(&condition),
            format!(
                "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: {}",
                condition.len()
            )
        );
        let mut p = placeholders(&[], values());
        let filter = format!("{long_path} = :one");
        assert_eq!(
            parse_condition(&filter, ExprKind::Filter, &mut p)
                .unwrap_err()
                .message,
            format!(
                "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: {}",
                filter.len()
            )
        );
        let mut p = placeholders(&[], values());
        assert_eq!(
            parse_update(&format!("SET {long_path} = :one"), &mut p)
                .unwrap_err()
                .message,
            "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"
        );
        let mut p = placeholders(&[], values());
        assert_eq!(
            parse_projection(&long_path, &mut p).unwrap_err().message,
            "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size;"
        );
        // Exactly 4 KB is still read.
        let mut p = placeholders(&[], values());
        parse_projection(&long_path[..MAX_EXPRESSION_BYTES], &mut p).unwrap();
        // The crash shapes, 20,000 deep, are refused by size alone.
        for deep in [
            format!("{}a<b{}", "a<b and (".repeat(20_000), ")".repeat(20_000)),
            "(".repeat(20_000),
            format!("{}a<b", "NOT ".repeat(20_000)),
            format!("a < {}b{}", "f(".repeat(20_000), ")".repeat(20_000)),
        ] {
            assert!(
                condition_error(&deep).contains("Expression size has exceeded"),
                "{}",
                &deep[..20]
            );
        }
    }

    #[test]
    fn the_301st_operator_ends_the_parse() {
        let mut p = placeholders(&[], values());
        let many = ["a < :one"; 150].join(" OR ");
        parse_condition(&many, ExprKind::Condition, &mut p).unwrap();
        let too_many = ["a<b"; 455].join(" or ");
        assert!(too_many.len() < MAX_EXPRESSION_BYTES);
        let message = "Invalid ConditionExpression: The expression contains too many operators; operator count: 301";
        assert_eq!(condition_error(&too_many), message);
        // a<b or (a<b or (…)): 149 levels hold 299 operators, 454 levels too many.
        let nested =
            |depth: usize| format!("a<b {}{}", "or (a<b ".repeat(depth), ")".repeat(depth));
        let mut p = placeholders(&[], values());
        parse_condition(&nested(149), ExprKind::Condition, &mut p).unwrap();
        assert_eq!(condition_error(&nested(454)), message);
        // NOT counts; 1,000 of them fit in 4 KB.
        assert_eq!(
            condition_error(&format!("{}a<b", "not ".repeat(1000))),
            message
        );
        // An IN list is one operator, however long.
        let mut p = placeholders(&[], values());
        let options = vec![":one"; 100].join(", ");
        let ins = format!("a IN ({options}) AND b IN ({options}) AND c IN ({options})");
        parse_condition(&ins, ExprKind::Condition, &mut p).unwrap();
        // In updates functions and arithmetic count too.
        let mut p = placeholders(&[], values());
        let sums = format!("SET {}x=b+:one", "x=b+:one,".repeat(300));
        assert!(sums.len() < MAX_EXPRESSION_BYTES);
        assert_eq!(
            parse_update(&sums, &mut p).unwrap_err().message,
            "Invalid UpdateExpression: The expression contains too many operators; operator count: 301"
        );
    }

    #[test]
    fn groups_that_only_wrap_groups_are_redundant() {
        let message = "Invalid ConditionExpression: The expression has redundant parentheses;";
        assert_eq!(condition_error("((a < :one))"), message);
        assert_eq!(
            condition_error("a < :one AND ((b < :one OR c < :one))"),
            message
        );
        // 2,046 levels around one comparison fit in 4 KB.
        let deep = format!("{}a<b{}", "(".repeat(2046), ")".repeat(2046));
        assert_eq!(condition_error(&deep), message);
        let mut p = placeholders(&[], values());
        for fine in ["(a < :one)", "((a < :one) AND b < :one)", "NOT (a < :one)"] {
            parse_condition(fine, ExprKind::Condition, &mut p).unwrap();
        }
    }

    #[test]
    fn unclosed_groups_are_a_syntax_error_at_the_end() {
        assert_eq!(
            condition_error(&"(".repeat(4096)),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"(\""
        );
        assert_eq!(
            condition_error("(((a < :one)"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \")\""
        );
    }

    #[test]
    fn document_paths_nest_at_most_32_deep() {
        let mut p = placeholders(&[], values());
        let deepest = format!("a{}", ".b".repeat(31));
        parse_projection(&deepest, &mut p).unwrap();
        let too_deep = format!("a{}", ".b".repeat(32));
        let mut p = placeholders(&[], values());
        assert_eq!(
            parse_projection(&too_deep, &mut p).unwrap_err().message,
            "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33"
        );
        let mut p = placeholders(&[], values());
        let indexes = format!("SET l{} = :one", "[0]".repeat(40));
        assert_eq!(
            parse_update(&indexes, &mut p).unwrap_err().message,
            "Invalid UpdateExpression: The document path has too many nesting levels; nesting levels: 41"
        );
    }

    #[test]
    fn the_deepest_accepted_expressions_parse_and_evaluate_on_a_small_stack() {
        on_small_stack(|| {
            let item = sample();
            // As deep as groups go: each level holds one operator (an even number of NOTs).
            let depth = MAX_GROUP_DEPTH - 4;
            let nested = format!("{}#c = :five{}", "NOT (".repeat(depth), ")".repeat(depth));
            assert!(nested.len() < MAX_EXPRESSION_BYTES);
            let mut p = placeholders(&[("#c", "count")], values());
            let condition = parse_condition(&nested, ExprKind::Condition, &mut p).unwrap();
            assert!(evaluate(&condition, Some(&item)));
            drop(condition);
            // Just past the depth, without enough operators: refused, not overflowed.
            let deep = format!(
                "{}a<b{}",
                "(".repeat(MAX_GROUP_DEPTH + 1),
                ")".repeat(MAX_GROUP_DEPTH + 1)
            );
            let mut p = placeholders(&[], values());
            assert!(parse_condition(&deep, ExprKind::Condition, &mut p).is_err());
            // 300 NOTs, and updates nested as deep as 4 KB allows.
            let mut p = placeholders(&[("#c", "count")], values());
            let nots = format!("{}#c = :five", "NOT ".repeat(299));
            let condition = parse_condition(&nots, ExprKind::Condition, &mut p).unwrap();
            assert!(!evaluate(&condition, Some(&item)));
            let mut p = placeholders(&[], values());
            let appends = format!(
                "SET l = {}:list{}",
                "list_append(".repeat(200),
                ", :list)".repeat(200)
            );
            assert!(appends.len() < MAX_EXPRESSION_BYTES);
            let update = parse_update(&appends, &mut p).unwrap();
            let updated = apply_update(&update, &item).unwrap();
            let Some(Value::L(list)) = updated.get("l") else {
                panic!("a list");
            };
            assert_eq!(list.len(), 201);
        });
    }
}
