//! Template text → [`Node`]s: Velocity's syntax as API Gateway's templates use it. Text runs up
//! to the next `$`, `#` or `\`; `$…` is a reference when a name follows, `#…` a directive when
//! a known directive name follows (anything else is text, as in Velocity). Comments (`##`,
//! `#* *#`) and unparsed blocks (`#[[ ]]#`) are handled here. A directive alone before the end
//! of its line takes that line's break with it, as Velocity 1.7 does. Nesting — of blocks,
//! parentheses, strings inside strings — is bounded by [`MAX_DEPTH`], so no template can run
//! the parser (or the evaluator that follows its tree) out of stack.

use super::TemplateError;
use super::ast::{Expr, Node};

mod expr;

/// How deep blocks and expressions may nest.
pub const MAX_DEPTH: usize = 100;

/// Directives Velocity has that API Gateway's templates cannot use here.
const UNSUPPORTED: [&str; 5] = ["macro", "define", "parse", "include", "evaluate"];

/// Parses a whole template.
pub fn template(source: &str) -> Result<Vec<Node>, TemplateError> {
    let mut parser = Parser {
        source,
        position: 0,
        depth: 0,
    };
    let (nodes, ending) = parser.block()?;
    match ending {
        Ending::EndOfText => Ok(nodes),
        Ending::End => Err(parser.error("#end without a matching #if or #foreach")),
        Ending::Else | Ending::ElseIf(_) => Err(parser.error("#else or #elseif outside an #if")),
    }
}

/// What ended a block.
enum Ending {
    EndOfText,
    End,
    Else,
    ElseIf(Expr),
}

struct Parser<'a> {
    source: &'a str,
    position: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl Into<String>) -> TemplateError {
        let consumed = &self.source[..self.position.min(self.source.len())];
        let line = consumed.matches('\n').count() + 1;
        let column = consumed
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count())
            + 1;
        TemplateError::Syntax {
            line,
            column,
            message: message.into(),
        }
    }

    fn rest(&self) -> &'a str {
        &self.source[self.position..]
    }

    fn peek(&self) -> Option<u8> {
        self.source.as_bytes().get(self.position).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.source.as_bytes().get(self.position + offset).copied()
    }

    fn eat(&mut self, text: &str) -> bool {
        if self.rest().starts_with(text) {
            self.position += text.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, text: &str, what: &str) -> Result<(), TemplateError> {
        self.skip_space();
        if self.eat(text) {
            Ok(())
        } else {
            Err(self.error(format!("expected {what}")))
        }
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.position += 1;
        }
    }

    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, TemplateError>,
    ) -> Result<T, TemplateError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!("the template nests deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    /// Nodes up to the end of the text or a directive that ends a block.
    fn block(&mut self) -> Result<(Vec<Node>, Ending), TemplateError> {
        let mut nodes = Vec::new();
        let mut text = String::new();
        loop {
            let rest = self.rest();
            let Some(offset) = rest.find(['$', '#', '\\']) else {
                text.push_str(rest);
                self.position = self.source.len();
                break;
            };
            text.push_str(&rest[..offset]);
            self.position += offset;
            match self.peek() {
                Some(b'\\') => self.escape(&mut text),
                Some(b'$') => match self.reference()? {
                    Some(reference) => {
                        flush(&mut nodes, &mut text);
                        nodes.push(Node::Reference(reference));
                    }
                    None => {
                        text.push('$');
                        self.position += 1;
                    }
                },
                _ => {
                    if let Some(ending) = self.directive(&mut nodes, &mut text)? {
                        flush(&mut nodes, &mut text);
                        return Ok((nodes, ending));
                    }
                }
            }
        }
        flush(&mut nodes, &mut text);
        Ok((nodes, Ending::EndOfText))
    }

    /// `\$name` and `\#directive` render the reference or directive as text.
    fn escape(&mut self, text: &mut String) {
        match self.peek_at(1) {
            Some(sign @ (b'$' | b'#')) => {
                text.push(char::from(sign));
                self.position += 2;
                // The name after the sign is text too.
                let name_length = self
                    .rest()
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'!' | b'{'))
                    .count();
                text.push_str(&self.rest()[..name_length]);
                self.position += name_length;
            }
            _ => {
                text.push('\\');
                self.position += 1;
            }
        }
    }

    /// A directive, comment or unparsed block at `#`; `Some` when it ends the current block.
    fn directive(
        &mut self,
        nodes: &mut Vec<Node>,
        text: &mut String,
    ) -> Result<Option<Ending>, TemplateError> {
        let start = self.position;
        self.position += 1;
        if self.eat("#") {
            // A line comment takes its line break with it.
            match self.rest().find('\n') {
                Some(end) => self.position += end + 1,
                None => self.position = self.source.len(),
            }
            return Ok(None);
        }
        if self.eat("*") {
            match self.rest().find("*#") {
                Some(end) => self.position += end + 2,
                None => self.position = self.source.len(),
            }
            return Ok(None);
        }
        if self.eat("[[") {
            let Some(end) = self.rest().find("]]#") else {
                return Err(self.error("#[[ without its closing ]]#"));
            };
            text.push_str(&self.rest()[..end]);
            self.position += end + 3;
            return Ok(None);
        }
        let braced = self.eat("{");
        let name = self.identifier();
        if name.is_empty() || (braced && !self.eat("}")) {
            self.position = start + 1;
            text.push('#');
            return Ok(None);
        }
        let node = match name {
            "set" => {
                self.expect("(", "( after #set")?;
                self.skip_space();
                let Some(target) = self.reference()? else {
                    return Err(
                        self.error("#set needs a reference to assign, as in #set($name = …)")
                    );
                };
                self.expect("=", "= in #set")?;
                let value = self.expression()?;
                self.expect(")", ") closing #set")?;
                Node::Set { target, value }
            }
            "if" => {
                let condition = self.condition("#if")?;
                self.gobble_line_break();
                return self.nested(|parser| parser.conditional(condition, nodes, text));
            }
            "elseif" => {
                let condition = self.condition("#elseif")?;
                self.gobble_line_break();
                return Ok(Some(Ending::ElseIf(condition)));
            }
            "else" => {
                self.gobble_line_break();
                return Ok(Some(Ending::Else));
            }
            "end" => {
                self.gobble_line_break();
                return Ok(Some(Ending::End));
            }
            "foreach" => {
                self.expect("(", "( after #foreach")?;
                self.skip_space();
                let Some(variable) = self.reference()? else {
                    return Err(self
                        .error("#foreach needs a loop variable, as in #foreach($item in $list)"));
                };
                if !variable.steps.is_empty() {
                    return Err(self.error("a #foreach loop variable is a plain name"));
                }
                self.skip_space();
                if !self.eat("in") {
                    return Err(self.error("expected in after the #foreach variable"));
                }
                let items = self.expression()?;
                self.expect(")", ") closing #foreach")?;
                self.gobble_line_break();
                let body = self.nested(|parser| {
                    let (body, ending) = parser.block()?;
                    match ending {
                        Ending::End => Ok(body),
                        Ending::EndOfText => Err(parser.error("#foreach without its #end")),
                        Ending::Else | Ending::ElseIf(_) => {
                            Err(parser.error("#else inside #foreach without an #if"))
                        }
                    }
                })?;
                flush(nodes, text);
                nodes.push(Node::Foreach {
                    variable: variable.root,
                    items,
                    body,
                });
                return Ok(None);
            }
            "break" => Node::Break,
            "stop" => Node::Stop,
            name if UNSUPPORTED.contains(&name) => {
                return Err(self.error(format!(
                    "#{name} is not available in API Gateway mapping templates"
                )));
            }
            _ => {
                // Not a directive: `#` and the name are text, as in Velocity.
                self.position = start + 1;
                text.push('#');
                return Ok(None);
            }
        };
        self.gobble_line_break();
        flush(nodes, text);
        nodes.push(node);
        Ok(None)
    }

    /// `#if` through its `#end`, with its `#elseif`s and `#else`.
    fn conditional(
        &mut self,
        first: Expr,
        nodes: &mut Vec<Node>,
        text: &mut String,
    ) -> Result<Option<Ending>, TemplateError> {
        let mut branches = Vec::new();
        let mut condition = first;
        loop {
            let (body, ending) = self.block()?;
            match ending {
                Ending::End => {
                    branches.push((condition, body));
                    flush(nodes, text);
                    nodes.push(Node::If {
                        branches,
                        otherwise: Vec::new(),
                    });
                    return Ok(None);
                }
                Ending::ElseIf(next) => {
                    branches.push((condition, body));
                    condition = next;
                }
                Ending::Else => {
                    branches.push((condition, body));
                    let (otherwise, ending) = self.block()?;
                    if !matches!(ending, Ending::End) {
                        return Err(self.error("#else without its #end"));
                    }
                    flush(nodes, text);
                    nodes.push(Node::If {
                        branches,
                        otherwise,
                    });
                    return Ok(None);
                }
                Ending::EndOfText => return Err(self.error("#if without its #end")),
            }
        }
    }

    fn condition(&mut self, directive: &str) -> Result<Expr, TemplateError> {
        self.expect("(", &format!("( after {directive}"))?;
        let condition = self.expression()?;
        self.expect(")", &format!(") closing {directive}"))?;
        Ok(condition)
    }

    /// Velocity 1.7 drops the line break right after a directive (and the spaces before it).
    fn gobble_line_break(&mut self) {
        let rest = self.rest();
        let spaces = rest
            .bytes()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let after = &rest[spaces..];
        if after.starts_with("\r\n") {
            self.position += spaces + 2;
        } else if after.starts_with('\n') {
            self.position += spaces + 1;
        }
    }
}

fn flush(nodes: &mut Vec<Node>, text: &mut String) {
    if !text.is_empty() {
        nodes.push(Node::Text(std::mem::take(text)));
    }
}
