//! Structure-aware fuzzing of the expression parsers: an atom wrapped in layers of the
//! grammar's nesting constructs (groups, NOT, AND/OR chains, functions, document paths), each
//! repeated up to 65,535 times, so inputs reach the depths and lengths no byte mutation finds
//! quickly. Every shape either parses and evaluates, or fails with a ValidationException; none
//! may overflow the stack.

#![no_main]

use lab_sandbox::dynamodb::expr::{
    ExprKind, apply_update, evaluate, parse_condition, parse_projection, parse_update, project,
};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

mod shared;

/// The longest text tried: far past the 4 KB limit, so the size check itself is fuzzed.
const MAX_TEXT: usize = 400_000;

#[derive(Arbitrary, Debug)]
enum Atom {
    Comparison,
    Path,
    Value,
    Function,
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum Layer {
    Group,
    Not,
    AndGroup,
    OrGroup,
    Call(Function),
    Attribute,
    Index,
    ListAppend,
    IfNotExists,
    Plus,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Function {
    Size,
    AttributeExists,
    Contains,
    BeginsWith,
    Unknown,
}

#[derive(Arbitrary, Debug)]
enum Kind {
    Condition,
    Filter,
    KeyCondition,
    Update,
    Projection,
}

#[derive(Arbitrary, Debug)]
struct Shape {
    kind: Kind,
    atom: Atom,
    layers: Vec<(Layer, u16)>,
}

impl Shape {
    fn render(&self) -> String {
        let mut text = match &self.atom {
            Atom::Comparison => "#a < :n".to_owned(),
            Atom::Path => "l[0].deep".to_owned(),
            Atom::Value => ":l".to_owned(),
            Atom::Function => "attribute_exists(#m.x)".to_owned(),
            Atom::Text(text) => text.clone(),
        };
        for (layer, times) in &self.layers {
            let times = usize::from(*times);
            let (open, close) = match layer {
                Layer::Group => ("(".to_owned(), ")"),
                Layer::Not => ("NOT ".to_owned(), ""),
                Layer::AndGroup => ("#a < :n AND (".to_owned(), ")"),
                Layer::OrGroup => ("b = :s or (".to_owned(), ")"),
                Layer::Call(function) => (
                    match function {
                        Function::Size => "size(",
                        Function::AttributeExists => "attribute_exists(",
                        Function::Contains => "contains(:ss, ",
                        Function::BeginsWith => "begins_with(b, ",
                        Function::Unknown => "f(",
                    }
                    .to_owned(),
                    ")",
                ),
                Layer::Attribute => (String::new(), ".x"),
                Layer::Index => (String::new(), "[0]"),
                Layer::ListAppend => ("list_append(".to_owned(), ", :l)"),
                Layer::IfNotExists => ("if_not_exists(#l, ".to_owned(), ")"),
                Layer::Plus => (String::new(), " + :n"),
            };
            let grown = text.len() + times * (open.len() + close.len());
            if grown > MAX_TEXT {
                break;
            }
            text = format!("{}{text}{}", open.repeat(times), close.repeat(times));
        }
        match self.kind {
            Kind::Update => format!("SET #m.y = {text}"),
            _ => text,
        }
    }
}

fuzz_target!(|shape: Shape| {
    let text = shape.render();
    let item = shared::item();
    let mut placeholders = shared::placeholders();
    let condition_kind = match shape.kind {
        Kind::Condition => ExprKind::Condition,
        Kind::Filter => ExprKind::Filter,
        Kind::KeyCondition => ExprKind::KeyCondition,
        Kind::Update => {
            match parse_update(&text, &mut placeholders) {
                Ok(update) => {
                    let _ = apply_update(&update, &item);
                }
                Err(error) => assert_eq!(error.code, "ValidationException"),
            }
            return;
        }
        Kind::Projection => {
            match parse_projection(&text, &mut placeholders) {
                Ok(paths) => {
                    let _ = project(&item, &paths);
                }
                Err(error) => assert_eq!(error.code, "ValidationException"),
            }
            return;
        }
    };
    match parse_condition(&text, condition_kind, &mut placeholders) {
        Ok(condition) => {
            let _ = evaluate(&condition, Some(&item));
        }
        Err(error) => assert_eq!(error.code, "ValidationException"),
    }
});
