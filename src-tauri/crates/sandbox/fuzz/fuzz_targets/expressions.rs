//! Any text as a condition, update or projection expression: parsing either succeeds or fails
//! with a ValidationException, and whatever parses evaluates without panicking.

#![no_main]

use lab_sandbox::dynamodb::expr::{
    ExprKind, apply_update, evaluate, parse_condition, parse_projection, parse_update, project,
};
use libfuzzer_sys::fuzz_target;

mod shared;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let item = shared::item();
    for kind in [ExprKind::Condition, ExprKind::Filter, ExprKind::KeyCondition] {
        let mut p = shared::placeholders();
        if let Ok(condition) = parse_condition(text, kind, &mut p) {
            let _ = evaluate(&condition, Some(&item));
            let _ = evaluate(&condition, None);
            let _ = p.check_all_used();
        }
    }
    let mut p = shared::placeholders();
    if let Ok(update) = parse_update(text, &mut p) {
        let _ = apply_update(&update, &item);
    }
    let mut p = shared::placeholders();
    if let Ok(paths) = parse_projection(text, &mut p) {
        let _ = project(&item, &paths);
    }
});
