//! The grammar of conditions (and of the operands, values and document paths every kind of
//! expression shares): `OR`, `AND`, `NOT`, groups, comparisons, `BETWEEN`, `IN`, functions.

use super::{
    MAX_GROUP_DEPTH, MAX_OPERATORS, MAX_PATH_DEPTH, Parser, check_type_name, describe, is_function,
    is_reserved, with_stack,
};
use crate::dynamodb::expr::ast::{Comparator, Condition, Operand, Path, Segment};
use crate::dynamodb::expr::lex::TokenKind;
use crate::dynamodb::value::Value;
use crate::wire::AwsError;

impl Parser<'_> {
    pub(super) fn or_condition(&mut self) -> Result<Condition, AwsError> {
        let mut left = self.and_condition()?;
        while self.eat_keyword("OR") {
            self.count_operator()?;
            let right = self.and_condition()?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    pub(super) fn and_condition(&mut self) -> Result<Condition, AwsError> {
        let mut left = self.not_condition()?;
        while self.eat_keyword("AND") {
            self.count_operator()?;
            let right = self.not_condition()?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    pub(super) fn not_condition(&mut self) -> Result<Condition, AwsError> {
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
    pub(super) fn group(&mut self) -> Result<Condition, AwsError> {
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
    pub(super) fn too_deep(&self) -> AwsError {
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

    pub(super) fn primary_condition(&mut self) -> Result<Condition, AwsError> {
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

    pub(super) fn function_condition(&mut self, name: &str) -> Result<Condition, AwsError> {
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
    pub(super) fn arguments(
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

    pub(super) fn comparison(&mut self, left: Operand) -> Result<Condition, AwsError> {
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
                    && crate::dynamodb::expr::eval::compare_values(low_value, high_value)
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
    pub(super) fn check_operand_type(
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
    pub(super) fn operand(&mut self) -> Result<Operand, AwsError> {
        if matches!(
            (self.peek(), self.peek_at(1)),
            (Some(TokenKind::Ident(name)), Some(TokenKind::LParen)) if name == "size"
        ) {
            return self.size();
        }
        self.plain_operand()
    }

    /// A path or a value; a function call is refused.
    pub(super) fn plain_operand(&mut self) -> Result<Operand, AwsError> {
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
    pub(super) fn size(&mut self) -> Result<Operand, AwsError> {
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

    pub(super) fn value(&mut self) -> Result<Value, AwsError> {
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

    pub(super) fn path_name(&mut self) -> Result<String, AwsError> {
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
}
