//! Recursive-descent parsing of condition, update and projection expressions, resolving
//! `#name` and `:value` placeholders as it goes. Every syntax and reference error is reported
//! with DynamoDB's message before anything is evaluated. This module holds the parser's state,
//! tokens and limits; [`conditions`] the grammar of conditions, operands and paths, [`updates`]
//! that of update clauses.
//!
//! Precedence, loosest first: `OR`, `AND`, `NOT`, then comparisons, `BETWEEN`, `IN` and functions;
//! parentheses group.
//!
//! Nothing a request sends can make the parser recurse without bound: the text is refused over
//! DynamoDB's 4 KB before it is read, parsing stops at the 301st operator (DynamoDB's limit is
//! 300), `NOT` chains are read in a loop, parentheses nest at most [`MAX_GROUP_DEPTH`] deep —
//! deeper than any expression within the operator limit can need — and each level of nesting
//! makes sure of its stack before it descends.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

mod conditions;
mod updates;

use super::ast::{Condition, Path, Update};
use super::lex::{Token, TokenKind, tokenize};
use crate::dynamodb::error::validation;
use crate::dynamodb::value::Value;
use crate::wire::AwsError;

/// The longest expression DynamoDB accepts, in bytes of its raw text (placeholders unresolved).
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// The most operators one expression may hold: comparisons, `BETWEEN`, `IN`, `AND`, `OR` and
/// `NOT` in conditions; in updates also `+`, `-` and the functions.
pub const MAX_OPERATORS: usize = 300;
/// The most segments (attributes and list indexes) of one document path.
pub const MAX_PATH_DEPTH: usize = 32;
/// How deep parentheses may nest. Below the operator limit a group that is not redundant holds
/// at least one operator of its own, so a valid expression never gets this deep.
pub const MAX_GROUP_DEPTH: usize = MAX_OPERATORS + 2;

/// Which request parameter an expression came from; DynamoDB names it in its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprKind {
    Condition,
    Update,
    Projection,
    KeyCondition,
    Filter,
}

impl ExprKind {
    pub fn parameter(self) -> &'static str {
        match self {
            Self::Condition => "ConditionExpression",
            Self::Update => "UpdateExpression",
            Self::Projection => "ProjectionExpression",
            Self::KeyCondition => "KeyConditionExpression",
            Self::Filter => "FilterExpression",
        }
    }
}

/// The `ExpressionAttributeNames` and `ExpressionAttributeValues` of one request, and which of
/// them the request's expressions used.
#[derive(Debug, Default)]
pub struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, Value>,
    used_names: HashSet<String>,
    used_values: HashSet<String>,
    /// Whether any expression was parsed with these placeholders.
    parsed_any: bool,
}

impl Placeholders {
    pub fn new(names: HashMap<String, String>, values: HashMap<String, Value>) -> Self {
        Self {
            names,
            values,
            ..Self::default()
        }
    }

    /// After every expression of the request is parsed: placeholders nobody used are an error.
    pub fn check_all_used(&self) -> Result<(), AwsError> {
        if !self.parsed_any {
            if !self.names.is_empty() {
                return Err(validation(
                    "ExpressionAttributeNames can only be specified when using expressions",
                ));
            }
            if !self.values.is_empty() {
                return Err(validation(
                    "ExpressionAttributeValues can only be specified when using expressions",
                ));
            }
        }
        let unused = |defined: Vec<&String>, used: &HashSet<String>| {
            let mut unused: Vec<&str> = defined
                .into_iter()
                .filter(|key| !used.contains(*key))
                .map(String::as_str)
                .collect();
            unused.sort_unstable();
            unused.join(", ")
        };
        let names = unused(self.names.keys().collect(), &self.used_names);
        if !names.is_empty() {
            return Err(validation(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{names}}}"
            )));
        }
        let values = unused(self.values.keys().collect(), &self.used_values);
        if !values.is_empty() {
            return Err(validation(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{values}}}"
            )));
        }
        Ok(())
    }
}

pub fn parse_condition(
    source: &str,
    kind: ExprKind,
    placeholders: &mut Placeholders,
) -> Result<Condition, AwsError> {
    let mut parser = Parser::new(source, kind, placeholders)?;
    let condition = parser.or_condition()?;
    parser.expect_end()?;
    if parser.redundant_group {
        return Err(parser.error("The expression has redundant parentheses;"));
    }
    Ok(condition)
}

pub fn parse_update(source: &str, placeholders: &mut Placeholders) -> Result<Update, AwsError> {
    let mut parser = Parser::new(source, ExprKind::Update, placeholders)?;
    let update = parser.update()?;
    parser.expect_end()?;
    check_overlaps(ExprKind::Update, update.targets().collect())?;
    Ok(update)
}

pub fn parse_projection(
    source: &str,
    placeholders: &mut Placeholders,
) -> Result<Vec<Path>, AwsError> {
    let mut parser = Parser::new(source, ExprKind::Projection, placeholders)?;
    let mut paths = vec![parser.path()?];
    while parser.eat(&TokenKind::Comma) {
        paths.push(parser.path()?);
    }
    parser.expect_end()?;
    check_overlaps(ExprKind::Projection, paths.iter().collect())?;
    Ok(paths)
}

/// Two paths may neither name the same place (one a prefix of the other: they overlap) nor
/// disagree on whether a step is a map key or a list index (they conflict).
fn check_overlaps(kind: ExprKind, paths: Vec<&Path>) -> Result<(), AwsError> {
    for (i, first) in paths.iter().enumerate() {
        for second in &paths[i + 1..] {
            let relation = if first.conflicts(second) {
                "conflict"
            } else if first.overlaps(second) {
                "overlap"
            } else {
                continue;
            };
            return Err(validation(format!(
                "Invalid {}: Two document paths {relation} with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                kind.parameter(),
                first.listed(),
                second.listed()
            )));
        }
    }
    Ok(())
}

fn reserved_words() -> &'static HashSet<&'static str> {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        include_str!("../reserved_words.txt")
            .split_whitespace()
            .collect()
    })
}

pub fn is_reserved(word: &str) -> bool {
    reserved_words().contains(word.to_ascii_uppercase().as_str())
}

struct Parser<'a> {
    source: &'a str,
    kind: ExprKind,
    tokens: Vec<Token>,
    pos: usize,
    placeholders: &'a mut Placeholders,
    /// Operators read so far, against [`MAX_OPERATORS`].
    operators: usize,
    /// Parentheses open around the current token, against [`MAX_GROUP_DEPTH`].
    group_depth: usize,
    /// The token span `[open, close]` of the group read last, to find `((…))`.
    last_group: Option<(usize, usize)>,
    /// Whether a group was found that only wraps another group.
    redundant_group: bool,
}

impl<'a> Parser<'a> {
    fn new(
        source: &'a str,
        kind: ExprKind,
        placeholders: &'a mut Placeholders,
    ) -> Result<Self, AwsError> {
        if source.trim().is_empty() {
            return Err(validation(format!(
                "Invalid {}: The expression can not be empty;",
                kind.parameter()
            )));
        }
        placeholders.parsed_any = true;
        if source.len() > MAX_EXPRESSION_BYTES {
            return Err(validation(oversized_message(kind, source.len())));
        }
        let tokens = tokenize(source).map_err(|bad| {
            validation(format!(
                "Invalid {}: Syntax error; token: \"{}\", near: \"{}\"",
                kind.parameter(),
                bad.text,
                near(source, bad.start, bad.start + bad.text.len())
            ))
        })?;
        Ok(Self {
            source,
            kind,
            tokens,
            pos: 0,
            placeholders,
            operators: 0,
            group_depth: 0,
            last_group: None,
            redundant_group: false,
        })
    }

    /// Counts one operator; the 301st ends the parse, as DynamoDB's count stops there.
    fn count_operator(&mut self) -> Result<(), AwsError> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return Err(self.too_many_operators());
        }
        Ok(())
    }

    fn too_many_operators(&self) -> AwsError {
        self.error(format_args!(
            "The expression contains too many operators; operator count: {}",
            MAX_OPERATORS + 1
        ))
    }

    fn error(&self, message: impl std::fmt::Display) -> AwsError {
        validation(format!("Invalid {}: {message}", self.kind.parameter()))
    }

    /// A syntax error at the current token.
    fn syntax_error(&self) -> AwsError {
        self.syntax_error_at(self.pos)
    }

    /// A syntax error at the token `pos` (at the end when there is none).
    fn syntax_error_at(&self, pos: usize) -> AwsError {
        match self.tokens.get(pos) {
            Some(token) => {
                let from = pos
                    .checked_sub(1)
                    .map_or(token.start, |i| self.tokens[i].start);
                self.error(format_args!(
                    "Syntax error; token: \"{}\", near: \"{}\"",
                    &self.source[token.start..token.end],
                    &self.source[from..token.end]
                ))
            }
            None => {
                let from = self.tokens.last().map_or(0, |token| token.start);
                self.error(format_args!(
                    "Syntax error; token: \"<EOF>\", near: \"{}\"",
                    self.source[from..].trim_end()
                ))
            }
        }
    }

    fn peek(&self) -> Option<&TokenKind> {
        self.tokens.get(self.pos).map(|token| &token.kind)
    }

    fn peek_at(&self, offset: usize) -> Option<&TokenKind> {
        self.tokens.get(self.pos + offset).map(|token| &token.kind)
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        if self.peek() == Some(kind) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kind: &TokenKind) -> Result<(), AwsError> {
        if self.eat(kind) {
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    fn expect_end(&self) -> Result<(), AwsError> {
        if self.pos == self.tokens.len() {
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    /// Is the current token the (case-insensitive) keyword `word`?
    fn at_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(TokenKind::Ident(ident)) if ident.eq_ignore_ascii_case(word))
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        if self.at_keyword(word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
}

fn is_function(name: &str) -> bool {
    matches!(
        name,
        "attribute_exists"
            | "attribute_not_exists"
            | "attribute_type"
            | "begins_with"
            | "contains"
            | "size"
            | "if_not_exists"
            | "list_append"
    )
}

const TYPE_NAMES: [&str; 10] = ["B", "BOOL", "BS", "S", "SS", "N", "NS", "NULL", "M", "L"];

fn check_type_name(parser: &Parser<'_>, value: &Value) -> Result<(), AwsError> {
    match value {
        Value::S(name) if TYPE_NAMES.contains(&name.as_str()) => Ok(()),
        Value::S(name) => Err(parser.error(format_args!(
            "Invalid attribute type name found; type: {name}, valid types: {{ B,BOOL,BS,S,SS,N,NS,NULL,M,L }}"
        ))),
        other => Err(parser.error(format_args!(
            "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {}",
            other.type_name()
        ))),
    }
}

/// DynamoDB's long type names, used in a few of its messages.
pub fn long_type_name(value: &Value) -> &'static str {
    match value {
        Value::S(_) => "STRING",
        Value::N(_) => "NUMBER",
        Value::B(_) => "BINARY",
        Value::Bool(_) => "BOOLEAN",
        Value::Null => "NULL",
        Value::M(_) => "MAP",
        Value::L(_) => "LIST",
        Value::Ss(_) => "STRING_SET",
        Value::Ns(_) => "NUMBER_SET",
        Value::Bs(_) => "BINARY_SET",
    }
}

fn check_add_delete_operand(
    parser: &Parser<'_>,
    clause: &str,
    value: &Value,
) -> Result<(), AwsError> {
    let allowed = match clause {
        "ADD" => matches!(
            value,
            Value::N(_) | Value::Ss(_) | Value::Ns(_) | Value::Bs(_)
        ),
        _ => matches!(value, Value::Ss(_) | Value::Ns(_) | Value::Bs(_)),
    };
    if allowed {
        return Ok(());
    }
    Err(parser.error(format_args!(
        "Incorrect operand type for operator or function; operator: {clause}, operand type: {}, typeSet: ALLOWED_FOR_{clause}_OPERAND",
        long_type_name(value)
    )))
}

/// Runs one level of nested parsing or evaluation with room on the stack: when less than
/// 64 KiB is left, `work` runs on a fresh 1 MiB segment. The depth itself is bounded by the
/// limits above; this keeps the bound safe on any thread, debug build or not.
pub(super) fn with_stack<T>(work: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, work)
}

/// DynamoDB's answer to an expression over [`MAX_EXPRESSION_BYTES`]: conditions and filters say
/// how long it was, the other kinds do not.
fn oversized_message(kind: ExprKind, size: usize) -> String {
    let message = format!(
        "Invalid {}: Expression size has exceeded the maximum allowed size;",
        kind.parameter()
    );
    match kind {
        ExprKind::Condition | ExprKind::Filter => format!("{message} expression size: {size}"),
        ExprKind::Update | ExprKind::Projection | ExprKind::KeyCondition => message,
    }
}

/// The source text around an error, as DynamoDB quotes it.
fn near(source: &str, start: usize, end: usize) -> &str {
    let from = source[..start].trim_end().rfind(' ').map_or(0, |i| i + 1);
    &source[from..end.min(source.len())]
}

/// A value as DynamoDB prints it inside messages: `{N:5}`, `{S:abc}`.
fn describe(value: &Value) -> String {
    match value {
        Value::S(s) => format!("{{S:{s}}}"),
        Value::N(n) => format!("{{N:{n}}}"),
        other => format!("{{{}:…}}", other.type_name()),
    }
}
