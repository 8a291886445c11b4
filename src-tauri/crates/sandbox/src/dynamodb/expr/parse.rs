//! Recursive-descent parsing of condition, update and projection expressions, resolving
//! `#name` and `:value` placeholders as it goes. Every syntax and reference error is reported
//! with DynamoDB's message before anything is evaluated.
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

use super::ast::{Comparator, Condition, Operand, Path, Segment, SetOperand, SetValue, Update};
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
        include_str!("reserved_words.txt")
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

    // ---- conditions ----

    fn or_condition(&mut self) -> Result<Condition, AwsError> {
        let mut left = self.and_condition()?;
        while self.eat_keyword("OR") {
            self.count_operator()?;
            let right = self.and_condition()?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_condition(&mut self) -> Result<Condition, AwsError> {
        let mut left = self.not_condition()?;
        while self.eat_keyword("AND") {
            self.count_operator()?;
            let right = self.not_condition()?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_condition(&mut self) -> Result<Condition, AwsError> {
        let mut negations = 0;
        while self.eat_keyword("NOT") {
            self.count_operator()?;
            negations += 1;
        }
        let mut condition = self.primary_condition()?;
        for _ in 0..negations {
            condition = Condition::Not(Box::new(condition));
        }
        Ok(condition)
    }

    /// `( condition )`, at most [`MAX_GROUP_DEPTH`] deep.
    fn group(&mut self) -> Result<Condition, AwsError> {
        if self.group_depth == MAX_GROUP_DEPTH {
            return Err(self.too_deep());
        }
        let open = self.pos;
        self.pos += 1;
        self.group_depth += 1;
        let inner = with_stack(|| self.or_condition());
        self.group_depth -= 1;
        let inner = inner?;
        if self.last_group == Some((open + 1, self.pos.saturating_sub(1))) {
            self.redundant_group = true;
        }
        self.expect(&TokenKind::RParen)?;
        self.last_group = Some((open, self.pos - 1));
        Ok(inner)
    }

    /// What DynamoDB answers for parentheses nested deeper than the parser descends: such an
    /// expression has too many operators, is cut short, or wraps groups in groups.
    fn too_deep(&self) -> AwsError {
        let rest = &self.tokens[self.pos..];
        let operators = rest
            .iter()
            .filter(|token| match &token.kind {
                TokenKind::Eq
                | TokenKind::Ne
                | TokenKind::Lt
                | TokenKind::Le
                | TokenKind::Gt
                | TokenKind::Ge => true,
                TokenKind::Ident(word) => ["AND", "OR", "NOT", "BETWEEN", "IN"]
                    .iter()
                    .any(|keyword| word.eq_ignore_ascii_case(keyword)),
                _ => false,
            })
            .count();
        if self.operators + operators > MAX_OPERATORS {
            return self.too_many_operators();
        }
        let count = |kind: TokenKind| rest.iter().filter(|token| token.kind == kind).count();
        if count(TokenKind::RParen) < count(TokenKind::LParen) + self.group_depth {
            return self.syntax_error_at(self.tokens.len());
        }
        self.error("The expression has redundant parentheses;")
    }

    fn primary_condition(&mut self) -> Result<Condition, AwsError> {
        if self.peek() == Some(&TokenKind::LParen) {
            return self.group();
        }
        if let (Some(TokenKind::Ident(name)), Some(TokenKind::LParen)) =
            (self.peek(), self.peek_at(1))
        {
            let name = name.clone();
            if name != "size" {
                return self.function_condition(&name);
            }
        }
        let left = self.operand()?;
        self.comparison(left)
    }

    fn function_condition(&mut self, name: &str) -> Result<Condition, AwsError> {
        let arity = match name {
            "attribute_exists" | "attribute_not_exists" => 1,
            "attribute_type" | "begins_with" | "contains" => 2,
            "if_not_exists" | "list_append" => {
                return Err(self.error(format_args!(
                    "The function is not allowed in a condition expression; function: {name}"
                )));
            }
            other => {
                return Err(self.error(format_args!("Invalid function name; function: {other}")));
            }
        };
        let mut arguments = self.arguments(name, arity, Self::operand)?.into_iter();
        let (Some(first), second) = (arguments.next(), arguments.next()) else {
            return Err(self.syntax_error());
        };
        let path_of = |operand: Operand| match operand {
            Operand::Path(path) => Ok(path),
            _ => Err(self.error(format_args!(
                "Operator or function requires a document path; operator or function: {name}"
            ))),
        };
        let second = || second.ok_or_else(|| self.syntax_error());
        Ok(match name {
            "attribute_exists" => Condition::AttributeExists(path_of(first)?),
            "attribute_not_exists" => Condition::AttributeNotExists(path_of(first)?),
            "attribute_type" => {
                let type_name = second()?;
                match &type_name {
                    Operand::Value(value) => check_type_name(self, value)?,
                    _ => {
                        return Err(self.error(
                            "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: PATH",
                        ));
                    }
                }
                Condition::AttributeType(first, type_name)
            }
            "begins_with" => {
                let prefix = second()?;
                for operand in [&first, &prefix] {
                    self.check_operand_type(operand, "begins_with", &["S", "B"])?;
                }
                Condition::BeginsWith(first, prefix)
            }
            _ => Condition::Contains(first, second()?),
        })
    }

    /// The arguments of a call to `name`, from its name on: `name ( argument, … )`; there must
    /// be `arity` of them.
    fn arguments(
        &mut self,
        name: &str,
        arity: usize,
        mut argument: impl FnMut(&mut Self) -> Result<Operand, AwsError>,
    ) -> Result<Vec<Operand>, AwsError> {
        self.pos += 2; // the name and `(`
        let mut arguments = vec![argument(self)?];
        while self.eat(&TokenKind::Comma) {
            arguments.push(argument(self)?);
        }
        self.expect(&TokenKind::RParen)?;
        if arguments.len() != arity {
            return Err(self.error(format_args!(
                "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                arguments.len()
            )));
        }
        Ok(arguments)
    }

    fn comparison(&mut self, left: Operand) -> Result<Condition, AwsError> {
        let comparator = match self.peek().cloned() {
            Some(TokenKind::Eq) => Comparator::Eq,
            Some(TokenKind::Ne) => Comparator::Ne,
            Some(TokenKind::Lt) => Comparator::Lt,
            Some(TokenKind::Le) => Comparator::Le,
            Some(TokenKind::Gt) => Comparator::Gt,
            Some(TokenKind::Ge) => Comparator::Ge,
            _ if self.eat_keyword("BETWEEN") => {
                self.count_operator()?;
                let low = self.operand()?;
                if !self.eat_keyword("AND") {
                    return Err(self.syntax_error());
                }
                let high = self.operand()?;
                for operand in [&left, &low, &high] {
                    self.check_operand_type(operand, "BETWEEN", &["S", "N", "B"])?;
                }
                if let (Operand::Value(low_value), Operand::Value(high_value)) = (&low, &high)
                    && low_value.type_name() != high_value.type_name()
                {
                    return Err(self.error(format_args!(
                        "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                        describe(low_value),
                        describe(high_value)
                    )));
                }
                if let (Operand::Value(low_value), Operand::Value(high_value)) = (&low, &high)
                    && super::eval::compare_values(low_value, high_value)
                        == Some(std::cmp::Ordering::Greater)
                {
                    return Err(self.error(format_args!(
                        "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                        describe(low_value),
                        describe(high_value)
                    )));
                }
                return Ok(Condition::Between(left, low, high));
            }
            _ if self.eat_keyword("IN") => {
                self.count_operator()?;
                self.expect(&TokenKind::LParen)?;
                let mut options = vec![self.operand()?];
                while self.eat(&TokenKind::Comma) {
                    options.push(self.operand()?);
                }
                self.expect(&TokenKind::RParen)?;
                if options.len() > 100 {
                    return Err(self.error(format_args!(
                        "The IN operator is provided with too many operands; number of operands: {}",
                        options.len()
                    )));
                }
                return Ok(Condition::In(left, options));
            }
            _ => return Err(self.syntax_error()),
        };
        self.pos += 1;
        self.count_operator()?;
        let right = self.operand()?;
        if !matches!(comparator, Comparator::Eq | Comparator::Ne) {
            for operand in [&left, &right] {
                self.check_operand_type(operand, comparator.symbol(), &["S", "N", "B"])?;
            }
        }
        Ok(Condition::Compare(left, comparator, right))
    }

    /// A literal value given to an operator that cannot take its type is rejected up front.
    fn check_operand_type(
        &self,
        operand: &Operand,
        operator: &str,
        allowed: &[&str],
    ) -> Result<(), AwsError> {
        if let Operand::Value(value) = operand
            && !allowed.contains(&value.type_name())
        {
            return Err(self.error(format_args!(
                "Incorrect operand type for operator or function; operator or function: {operator}, operand type: {}",
                value.type_name()
            )));
        }
        Ok(())
    }

    /// A path, a value or `size(…)`.
    fn operand(&mut self) -> Result<Operand, AwsError> {
        if matches!(
            (self.peek(), self.peek_at(1)),
            (Some(TokenKind::Ident(name)), Some(TokenKind::LParen)) if name == "size"
        ) {
            return self.size();
        }
        self.plain_operand()
    }

    /// A path or a value; a function call is refused.
    fn plain_operand(&mut self) -> Result<Operand, AwsError> {
        match self.peek() {
            Some(TokenKind::Value(_)) => Ok(Operand::Value(self.value()?)),
            Some(TokenKind::Ident(name)) if self.peek_at(1) == Some(&TokenKind::LParen) => {
                if is_function(name) {
                    Err(self.error(format_args!(
                        "The function is not allowed to be used this way in an expression; function: {name}"
                    )))
                } else {
                    Err(self.error(format_args!("Invalid function name; function: {name}")))
                }
            }
            _ => Ok(Operand::Path(self.path()?)),
        }
    }

    /// `size(path)`, or `size(:value)` of a value that has a size.
    fn size(&mut self) -> Result<Operand, AwsError> {
        let Some(subject) = self.arguments("size", 1, Self::plain_operand)?.pop() else {
            return Err(self.syntax_error());
        };
        if let Operand::Value(value) = &subject
            && !matches!(
                value,
                Value::S(_)
                    | Value::B(_)
                    | Value::Ss(_)
                    | Value::Ns(_)
                    | Value::Bs(_)
                    | Value::L(_)
                    | Value::M(_)
            )
        {
            return Err(self.error(format_args!(
                "Incorrect operand type for operator or function; operator or function: size, operand type: {}",
                value.type_name()
            )));
        }
        Ok(Operand::Size(Box::new(subject)))
    }

    fn value(&mut self) -> Result<Value, AwsError> {
        let Some(TokenKind::Value(key)) = self.peek() else {
            return Err(self.syntax_error());
        };
        let placeholder = format!(":{key}");
        let Some(value) = self.placeholders.values.get(&placeholder).cloned() else {
            return Err(self.error(format_args!(
                "An expression attribute value used in expression is not defined; attribute value: {placeholder}"
            )));
        };
        self.placeholders.used_values.insert(placeholder);
        self.pos += 1;
        Ok(value)
    }

    // ---- paths ----

    pub(super) fn path(&mut self) -> Result<Path, AwsError> {
        let mut segments = vec![Segment::Attr(self.path_name()?)];
        loop {
            if self.eat(&TokenKind::Dot) {
                segments.push(Segment::Attr(self.path_name()?));
            } else if self.eat(&TokenKind::LBracket) {
                let Some(TokenKind::Integer(digits)) = self.peek() else {
                    return Err(self.syntax_error());
                };
                let index = digits
                    .parse::<u32>()
                    .ok()
                    .filter(|index| i32::try_from(*index).is_ok())
                    .map(|index| index as usize)
                    .ok_or_else(|| {
                        self.error(format_args!(
                            "List index is not within the allowable range; index: [{digits}]"
                        ))
                    })?;
                self.pos += 1;
                self.expect(&TokenKind::RBracket)?;
                segments.push(Segment::Index(index));
            } else if segments.len() > MAX_PATH_DEPTH {
                return Err(self.error(format_args!(
                    "The document path has too many nesting levels; nesting levels: {}",
                    segments.len()
                )));
            } else {
                return Ok(Path { segments });
            }
        }
    }

    fn path_name(&mut self) -> Result<String, AwsError> {
        match self.peek().cloned() {
            Some(TokenKind::Ident(word)) => {
                if is_reserved(&word) {
                    return Err(self.error(format_args!(
                        "Attribute name is a reserved keyword; reserved keyword: {word}"
                    )));
                }
                self.pos += 1;
                Ok(word)
            }
            Some(TokenKind::Name(key)) => {
                let placeholder = format!("#{key}");
                let Some(name) = self.placeholders.names.get(&placeholder).cloned() else {
                    return Err(self.error(format_args!(
                        "An expression attribute name used in the document path is not defined; attribute name: {placeholder}"
                    )));
                };
                self.placeholders.used_names.insert(placeholder);
                self.pos += 1;
                Ok(name)
            }
            _ => Err(self.syntax_error()),
        }
    }

    // ---- updates ----

    fn update(&mut self) -> Result<Update, AwsError> {
        let mut update = Update::default();
        let mut seen: Vec<&'static str> = Vec::new();
        while self.pos < self.tokens.len() {
            let clause = ["SET", "REMOVE", "ADD", "DELETE"]
                .into_iter()
                .find(|clause| self.at_keyword(clause))
                .ok_or_else(|| self.syntax_error())?;
            if seen.contains(&clause) {
                return Err(self.error(format_args!(
                    "The \"{clause}\" section can only be used once in an update expression;"
                )));
            }
            seen.push(clause);
            self.pos += 1;
            loop {
                match clause {
                    "SET" => {
                        let path = self.path()?;
                        self.expect(&TokenKind::Eq)?;
                        let value = self.set_value()?;
                        update.set.push((path, value));
                    }
                    "REMOVE" => update.remove.push(self.path()?),
                    _ => {
                        let path = self.path()?;
                        let value = self.value()?;
                        check_add_delete_operand(self, clause, &value)?;
                        if clause == "ADD" {
                            update.add.push((path, value));
                        } else {
                            update.delete.push((path, value));
                        }
                    }
                }
                if !self.eat(&TokenKind::Comma) {
                    break;
                }
            }
        }
        Ok(update)
    }

    fn set_value(&mut self) -> Result<SetValue, AwsError> {
        let left = self.set_operand()?;
        if self.eat(&TokenKind::Plus) {
            self.count_operator()?;
            let right = self.set_operand()?;
            self.check_arithmetic_operands("+", [&left, &right])?;
            return Ok(SetValue::Plus(left, right));
        }
        if self.eat(&TokenKind::Minus) {
            self.count_operator()?;
            let right = self.set_operand()?;
            self.check_arithmetic_operands("-", [&left, &right])?;
            return Ok(SetValue::Minus(left, right));
        }
        Ok(SetValue::Operand(left))
    }

    fn check_arithmetic_operands(
        &self,
        operator: &str,
        operands: [&SetOperand; 2],
    ) -> Result<(), AwsError> {
        for operand in operands {
            if let SetOperand::Value(value) = operand
                && !matches!(value, Value::N(_))
            {
                return Err(self.error(format_args!(
                    "Incorrect operand type for operator or function; operator or function: {operator}, operand type: {}",
                    value.type_name()
                )));
            }
        }
        Ok(())
    }

    fn set_operand(&mut self) -> Result<SetOperand, AwsError> {
        match self.peek() {
            Some(TokenKind::Value(_)) => Ok(SetOperand::Value(self.value()?)),
            Some(TokenKind::Ident(name)) if self.peek_at(1) == Some(&TokenKind::LParen) => {
                let name = name.clone();
                self.pos += 2;
                if is_function(&name) {
                    self.count_operator()?;
                }
                let operand = match name.as_str() {
                    "if_not_exists" => {
                        let path = self.path()?;
                        self.expect(&TokenKind::Comma)?;
                        SetOperand::IfNotExists(path, Box::new(with_stack(|| self.set_operand())?))
                    }
                    "list_append" => {
                        let first = with_stack(|| self.set_operand())?;
                        self.expect(&TokenKind::Comma)?;
                        let second = with_stack(|| self.set_operand())?;
                        for operand in [&first, &second] {
                            if let SetOperand::Value(value) = operand
                                && !matches!(value, Value::L(_))
                            {
                                return Err(self.error(format_args!(
                                    "Incorrect operand type for operator or function; operator or function: list_append, operand type: {}",
                                    value.type_name()
                                )));
                            }
                        }
                        SetOperand::ListAppend(Box::new(first), Box::new(second))
                    }
                    other if is_function(other) => {
                        return Err(self.error(format_args!(
                            "The function is not allowed in an update expression; function: {other}"
                        )));
                    }
                    other => {
                        return Err(
                            self.error(format_args!("Invalid function name; function: {other}"))
                        );
                    }
                };
                self.expect(&TokenKind::RParen)?;
                Ok(operand)
            }
            _ => Ok(SetOperand::Path(self.path()?)),
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
