//! Renders a parsed template: text as it is, references by their values (nothing when they
//! have none: API Gateway's Velocity prints a missing value as an empty string, where plain
//! Velocity prints the reference's text), directives as Velocity 1.7 runs them.
//! Every step is counted against a budget, loops stop after API Gateway's 1,000 iterations,
//! and output and strings are capped, so a template's cost is bounded whatever it does.

use std::collections::HashMap;

use super::ast::{Expr, Node, Operator, Reference, Step};
use super::value::{LoopState, Value};
use super::{Inputs, TemplateError, builtins, methods};

/// API Gateway's limit on the iterations of one `#foreach`.
pub const MAX_ITERATIONS: usize = 1_000;
/// How many steps (nodes, expressions, elements made) one rendering may take.
pub const MAX_STEPS: usize = 1_000_000;
/// The largest output, or string computed on the way: API Gateway's 10 MB payload limit.
pub const MAX_OUTPUT: usize = 10 * 1024 * 1024;

/// What a block's rendering asks of the blocks around it.
enum Flow {
    Next,
    Break,
    Stop,
}

pub struct Renderer<'a> {
    inputs: &'a Inputs<'a>,
    variables: HashMap<String, Value>,
    steps: usize,
    /// Loops that reached the iteration limit, for the trace.
    pub truncated_loops: usize,
}

impl<'a> Renderer<'a> {
    pub fn new(inputs: &'a Inputs<'a>, variables: HashMap<String, Value>) -> Self {
        Self {
            inputs,
            variables,
            steps: 0,
            truncated_loops: 0,
        }
    }

    pub fn render(&mut self, nodes: &[Node]) -> Result<String, TemplateError> {
        let mut out = String::new();
        self.nodes(nodes, &mut out)?;
        Ok(out)
    }

    fn step(&mut self, count: usize) -> Result<(), TemplateError> {
        self.steps = self.steps.saturating_add(count);
        if self.steps > MAX_STEPS {
            return Err(TemplateError::Evaluation(format!(
                "the template took more than {MAX_STEPS} steps to render"
            )));
        }
        Ok(())
    }

    fn nodes(&mut self, nodes: &[Node], out: &mut String) -> Result<Flow, TemplateError> {
        for node in nodes {
            self.step(1)?;
            let flow = self.node(node, out)?;
            if out.len() > MAX_OUTPUT {
                return Err(TemplateError::Evaluation(format!(
                    "the template's output passed API Gateway's {MAX_OUTPUT}-byte payload limit"
                )));
            }
            if !matches!(flow, Flow::Next) {
                return Ok(flow);
            }
        }
        Ok(Flow::Next)
    }

    fn node(&mut self, node: &Node, out: &mut String) -> Result<Flow, TemplateError> {
        match node {
            Node::Text(text) => out.push_str(text),
            // API Gateway renders a reference without a value as nothing, quiet (`$!x`) or not.
            Node::Reference(reference) => {
                if let Some(value) = self.reference(reference)?
                    && !value.is_null()
                {
                    let before = out.len();
                    value.render_into(out);
                    self.step((out.len() - before) / 64)?;
                }
            }
            Node::Set { target, value } => {
                let value = self.expr(value)?;
                // Velocity 1.7 leaves the target as it was when the value is null.
                if !value.is_null() {
                    self.assign(target, value)?;
                }
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (condition, body) in branches {
                    if self.expr(condition)?.truthy() {
                        return self.nodes(body, out);
                    }
                }
                return self.nodes(otherwise, out);
            }
            Node::Foreach {
                variable,
                items,
                body,
            } => return self.foreach(variable, items, body, out),
            Node::Break => return Ok(Flow::Break),
            Node::Stop => return Ok(Flow::Stop),
        }
        Ok(Flow::Next)
    }

    fn foreach(
        &mut self,
        variable: &str,
        items: &Expr,
        body: &[Node],
        out: &mut String,
    ) -> Result<Flow, TemplateError> {
        let items = self.expr(items)?;
        // Only the items a loop can reach are copied out: API Gateway stops at 1,000.
        let (items, len): (Vec<Value>, usize) = match &items {
            Value::List(list) => {
                let list = list.borrow();
                (
                    list.iter().take(MAX_ITERATIONS).cloned().collect(),
                    list.len(),
                )
            }
            // Iterating a map iterates its values, as Velocity does.
            Value::Map(map) => {
                let map = map.borrow();
                (
                    map.values().take(MAX_ITERATIONS).cloned().collect(),
                    map.len(),
                )
            }
            Value::Null => (Vec::new(), 0),
            other => (vec![other.clone()], 1),
        };
        let saved_variable = self.variables.remove(variable);
        let saved_loop = self.variables.remove("foreach");
        let saved_count = self.variables.remove("velocityCount");
        if len > MAX_ITERATIONS {
            self.truncated_loops += 1;
        }
        let mut flow = Flow::Next;
        for (index, item) in items.into_iter().enumerate() {
            self.variables.insert(variable.to_owned(), item);
            self.variables.insert(
                "foreach".to_owned(),
                Value::Loop(LoopState {
                    index,
                    len: len.min(MAX_ITERATIONS),
                }),
            );
            self.variables
                .insert("velocityCount".to_owned(), Value::Int(index as i64 + 1));
            match self.nodes(body, out)? {
                Flow::Next => {}
                Flow::Break => break,
                Flow::Stop => {
                    flow = Flow::Stop;
                    break;
                }
            }
        }
        restore(&mut self.variables, variable, saved_variable);
        restore(&mut self.variables, "foreach", saved_loop);
        restore(&mut self.variables, "velocityCount", saved_count);
        Ok(flow)
    }

    /// `#set($name = …)` or `#set($a.b.c = …)` (a `put` on the map `$a.b` names).
    fn assign(&mut self, target: &Reference, value: Value) -> Result<(), TemplateError> {
        let Some((last, path)) = target.steps.split_last() else {
            self.variables.insert(target.root.clone(), value);
            return Ok(());
        };
        let mut holder = self.variables.get(&target.root).cloned();
        for step in path {
            holder = match holder {
                Some(current) => self.apply(current, step)?,
                None => None,
            };
        }
        let key = match last {
            Step::Property(name) => Value::string(name.as_str()),
            Step::Index(index) => self.expr(index)?,
            Step::Method(..) => {
                return Err(TemplateError::Evaluation(format!(
                    "#set cannot assign to a method call ({})",
                    target.source
                )));
            }
        };
        if let Some(holder) = &holder
            && value.reaches(holder)?
        {
            return Err(methods::cycle());
        }
        match &holder {
            Some(Value::Map(map)) => {
                map.borrow_mut().insert(key.render(), value);
            }
            Some(Value::List(list)) => {
                let mut list = list.borrow_mut();
                let slot = match &key {
                    Value::Int(index) => usize::try_from(*index).ok().filter(|i| *i < list.len()),
                    _ => None,
                };
                match slot {
                    Some(slot) => list[slot] = value,
                    None => {
                        return Err(TemplateError::Evaluation(format!(
                            "{} names no element of the list",
                            target.source
                        )));
                    }
                }
            }
            // Velocity ignores an assignment to something that has no such property.
            _ => {}
        }
        Ok(())
    }

    /// A reference's value, or `None` when it has none.
    pub fn reference(&mut self, reference: &Reference) -> Result<Option<Value>, TemplateError> {
        let Some(mut current) = self.variables.get(&reference.root).cloned() else {
            return Ok(None);
        };
        for step in &reference.steps {
            self.step(1)?;
            match self.apply(current, step)? {
                Some(next) => current = next,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    fn apply(&mut self, current: Value, step: &Step) -> Result<Option<Value>, TemplateError> {
        match step {
            Step::Property(name) => Ok(match current {
                Value::Input => builtins::input(self.inputs, &getter(name), &[])?,
                other => methods::property(&other, name),
            }),
            Step::Index(index) => {
                let index = self.expr(index)?;
                methods::index(&current, &index)
            }
            Step::Method(name, arguments) => {
                let arguments = arguments
                    .iter()
                    .map(|argument| self.expr(argument))
                    .collect::<Result<Vec<_>, _>>()?;
                // A method's work grows with what it is given: charge for it, before and after.
                let given = current.weight() + arguments.iter().map(Value::weight).sum::<usize>();
                self.step(given)?;
                let result = match current {
                    Value::Input => builtins::input(self.inputs, name, &arguments),
                    Value::Util => builtins::util(name, &arguments),
                    other => methods::call(&other, name, &arguments),
                }?;
                if let Some(value) = &result {
                    self.step(value.weight())?;
                }
                Ok(result)
            }
        }
    }

    pub fn expr(&mut self, expr: &Expr) -> Result<Value, TemplateError> {
        self.step(1)?;
        Ok(match expr {
            Expr::Str(text) => Value::string(text.as_str()),
            Expr::Interpolated(nodes) => {
                let mut text = String::new();
                if let Flow::Stop = self.nodes(nodes, &mut text)? {
                    return Err(TemplateError::Evaluation(
                        "#stop inside a string is not supported".into(),
                    ));
                }
                Value::string(text)
            }
            Expr::Int(value) => Value::Int(*value),
            Expr::Float(value) => Value::Float(*value),
            Expr::Bool(value) => Value::Bool(*value),
            Expr::Reference(reference) => self.reference(reference)?.unwrap_or(Value::Null),
            Expr::List(items) => Value::list(
                items
                    .iter()
                    .map(|item| self.expr(item))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Range(first, last) => {
                let (first, last) = (self.expr(first)?, self.expr(last)?);
                let (Some(first), Some(last)) = (integer(&first), integer(&last)) else {
                    return Ok(Value::Null);
                };
                let length = usize::try_from(first.abs_diff(last)).unwrap_or(usize::MAX);
                self.step(length)?;
                let values: Vec<Value> = if first <= last {
                    (first..=last).map(Value::Int).collect()
                } else {
                    (last..=first).rev().map(Value::Int).collect()
                };
                Value::list(values)
            }
            Expr::Map(entries) => {
                let mut map = super::value::Map::new();
                for (key, value) in entries {
                    let key = self.expr(key)?.render();
                    let value = self.expr(value)?;
                    map.insert(key, value);
                }
                Value::map(map)
            }
            Expr::Not(operand) => Value::Bool(!self.expr(operand)?.truthy()),
            Expr::Negate(operand) => match self.expr(operand)? {
                Value::Int(value) => Value::Int(value.wrapping_neg()),
                Value::Float(value) => Value::Float(-value),
                _ => Value::Null,
            },
            Expr::Binary(operator, left, right) => self.binary(*operator, left, right)?,
        })
    }

    fn binary(
        &mut self,
        operator: Operator,
        left: &Expr,
        right: &Expr,
    ) -> Result<Value, TemplateError> {
        use Operator::*;
        // `&&` and `||` look at their right side only when they must.
        match operator {
            And => {
                return Ok(Value::Bool(
                    self.expr(left)?.truthy() && self.expr(right)?.truthy(),
                ));
            }
            Or => {
                return Ok(Value::Bool(
                    self.expr(left)?.truthy() || self.expr(right)?.truthy(),
                ));
            }
            _ => {}
        }
        let (left, right) = (self.expr(left)?, self.expr(right)?);
        Ok(match operator {
            Equal => Value::Bool(left.equals(&right)),
            NotEqual => Value::Bool(!left.equals(&right)),
            Less | LessOrEqual | Greater | GreaterOrEqual => {
                let ordering = match (&left, &right) {
                    (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
                    _ => match (left.number(), right.number()) {
                        (Some(a), Some(b)) => a.partial_cmp(&b),
                        _ => None,
                    },
                };
                let Some(ordering) = ordering else {
                    return Ok(Value::Bool(false));
                };
                Value::Bool(match operator {
                    Less => ordering.is_lt(),
                    LessOrEqual => ordering.is_le(),
                    Greater => ordering.is_gt(),
                    _ => ordering.is_ge(),
                })
            }
            Add | Subtract | Multiply | Divide | Remainder => arithmetic(operator, &left, &right)?,
            And | Or => unreachable!("handled above"),
        })
    }
}

/// `body` → `getBody`: the Java getter Velocity calls for a property.
fn getter(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        format!("get{}{}", first.to_ascii_uppercase(), chars.as_str())
    })
}

fn restore(variables: &mut HashMap<String, Value>, name: &str, saved: Option<Value>) {
    match saved {
        Some(value) => {
            variables.insert(name.to_owned(), value);
        }
        None => {
            variables.remove(name);
        }
    }
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Int(value) => Some(*value),
        Value::Str(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Velocity's arithmetic: integers stay integers (division truncates), a float makes a float;
/// anything that is not a number makes null. Dividing an integer by zero is an error.
fn arithmetic(operator: Operator, left: &Value, right: &Value) -> Result<Value, TemplateError> {
    use Operator::*;
    if let (Value::Int(a), Value::Int(b)) = (left, right) {
        let (a, b) = (*a, *b);
        return Ok(match operator {
            Add => Value::Int(a.wrapping_add(b)),
            Subtract => Value::Int(a.wrapping_sub(b)),
            Multiply => Value::Int(a.wrapping_mul(b)),
            Divide | Remainder if b == 0 => {
                return Err(TemplateError::Evaluation(
                    "division by zero in the template".into(),
                ));
            }
            Divide => Value::Int(a.wrapping_div(b)),
            _ => Value::Int(a.wrapping_rem(b)),
        });
    }
    let (Some(a), Some(b)) = (left.number(), right.number()) else {
        return Ok(Value::Null);
    };
    Ok(Value::Float(match operator {
        Add => a + b,
        Subtract => a - b,
        Multiply => a * b,
        Divide => a / b,
        _ => a % b,
    }))
}
