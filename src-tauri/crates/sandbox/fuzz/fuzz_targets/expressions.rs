//! Any text as a condition, update or projection expression: parsing either succeeds or fails
//! with a ValidationException, and whatever parses evaluates without panicking.

#![no_main]

use std::collections::HashMap;

use lab_sandbox::dynamodb::expr::{
    ExprKind, Placeholders, apply_update, evaluate, parse_condition, parse_projection,
    parse_update, project,
};
use lab_sandbox::dynamodb::value::{Value, item_from_json};
use libfuzzer_sys::fuzz_target;

fn placeholders() -> Placeholders {
    let names = [("#a", "a"), ("#b", "b"), ("#n", "n"), ("#l", "l"), ("#m", "m")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let values: HashMap<String, Value> = item_from_json(&serde_json::json!({
        ":n": {"N": "5"},
        ":s": {"S": "x"},
        ":l": {"L": [{"N": "1"}]},
        ":ss": {"SS": ["a", "b"]},
        ":b": {"BOOL": true},
        ":t": {"S": "N"},
    }))
    .expect("valid values")
    .into_iter()
    .collect();
    Placeholders::new(names, values)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let item = item_from_json(&serde_json::json!({
        "a": {"N": "1"},
        "b": {"S": "text"},
        "n": {"NULL": true},
        "l": {"L": [{"N": "1"}, {"M": {"deep": {"SS": ["a"]}}}]},
        "m": {"M": {"x": {"N": "2"}, "y": {"L": []}}},
    }))
    .expect("a valid item");
    for kind in [ExprKind::Condition, ExprKind::Filter, ExprKind::KeyCondition] {
        let mut p = placeholders();
        if let Ok(condition) = parse_condition(text, kind, &mut p) {
            let _ = evaluate(&condition, Some(&item));
            let _ = evaluate(&condition, None);
            let _ = p.check_all_used();
        }
    }
    let mut p = placeholders();
    if let Ok(update) = parse_update(text, &mut p) {
        let _ = apply_update(&update, &item);
    }
    let mut p = placeholders();
    if let Ok(paths) = parse_projection(text, &mut p) {
        let _ = project(&item, &paths);
    }
});
