//! DynamoDB's expression language: condition, filter, key condition, update and projection
//! expressions. Text goes [`lex`] → [`parse`] (which also resolves and checks every placeholder)
//! → [`ast`] → [`eval`]; nothing is evaluated until the whole request has parsed, so an update
//! can never half-apply.

pub mod ast;
pub mod eval;
mod lex;
pub mod parse;

pub use ast::{Condition, Path, Update};
pub use eval::{INCORRECT_OPERAND, apply_update, compare_values, evaluate, project, resolve};
pub use parse::{ExprKind, Placeholders, parse_condition, parse_projection, parse_update};

#[cfg(test)]
mod tests;
