//! The item and placeholders both expression targets evaluate against.

use std::collections::HashMap;

use lab_sandbox::dynamodb::expr::Placeholders;
use lab_sandbox::dynamodb::value::{Item, Value, item_from_json};

pub fn placeholders() -> Placeholders {
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

pub fn item() -> Item {
    item_from_json(&serde_json::json!({
        "a": {"N": "1"},
        "b": {"S": "text"},
        "n": {"NULL": true},
        "l": {"L": [{"N": "1"}, {"M": {"deep": {"SS": ["a"]}}}]},
        "m": {"M": {"x": {"N": "2"}, "y": {"L": []}}},
    }))
    .expect("a valid item")
}
