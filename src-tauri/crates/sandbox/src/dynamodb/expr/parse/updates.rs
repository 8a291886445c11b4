//! The grammar of update expressions: `SET` (with `+`, `-`, `if_not_exists` and
//! `list_append`), `REMOVE`, `ADD` and `DELETE` clauses, each at most once.

use super::{Parser, check_add_delete_operand, is_function, with_stack};
use crate::dynamodb::expr::ast::{SetOperand, SetValue, Update};
use crate::dynamodb::expr::lex::TokenKind;
use crate::dynamodb::value::Value;
use crate::wire::AwsError;

impl Parser<'_> {
    pub(super) fn update(&mut self) -> Result<Update, AwsError> {
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

    pub(super) fn set_value(&mut self) -> Result<SetValue, AwsError> {
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

    pub(super) fn check_arithmetic_operands(
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

    pub(super) fn set_operand(&mut self) -> Result<SetOperand, AwsError> {
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
