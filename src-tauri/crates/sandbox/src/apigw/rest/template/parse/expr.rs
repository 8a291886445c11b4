//! Expressions inside references, directives and arguments: names, references with their
//! properties, methods and indexes, operators by precedence, numbers, strings (double-quoted
//! ones interpolate), lists, ranges and maps.

use super::super::TemplateError;
use super::super::ast::{Expr, Operator, Reference, Step};
use super::{Ending, Parser};

impl<'a> Parser<'a> {
    /// A name: a letter or `_`, then letters, digits, `_` and `-` (Velocity's identifiers).
    pub(super) fn identifier(&mut self) -> &'a str {
        let rest = self.rest();
        let bytes = rest.as_bytes();
        if !bytes
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            return "";
        }
        let length = bytes
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            .count();
        self.position += length;
        &rest[..length]
    }

    /// A reference at `$`, or `None` (nothing consumed) when no name follows.
    pub(super) fn reference(&mut self) -> Result<Option<Reference>, TemplateError> {
        let start = self.position;
        if self.peek() != Some(b'$') {
            return Ok(None);
        }
        self.position += 1;
        let quiet = self.eat("!");
        let braced = self.eat("{");
        let root = self.identifier();
        if root.is_empty() {
            self.position = start;
            return Ok(None);
        }
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some(b'.')
                    if self
                        .peek_at(1)
                        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_') =>
                {
                    self.position += 1;
                    let name = self.identifier().to_owned();
                    if self.peek() == Some(b'(') {
                        self.position += 1;
                        let arguments = self.nested(|parser| parser.arguments(b')'))?;
                        steps.push(Step::Method(name, arguments));
                    } else {
                        steps.push(Step::Property(name));
                    }
                }
                Some(b'[') => {
                    self.position += 1;
                    let index = self.nested(|parser| parser.expression())?;
                    self.expect("]", "] closing an index")?;
                    steps.push(Step::Index(index));
                }
                _ => break,
            }
        }
        if braced && !self.eat("}") {
            return Err(self.error("expected } closing ${…}"));
        }
        Ok(Some(Reference {
            quiet,
            source: self.source[start..self.position].to_owned(),
            root: root.to_owned(),
            steps,
        }))
    }

    /// Comma-separated expressions up to `close`.
    pub(super) fn arguments(&mut self, close: u8) -> Result<Vec<Expr>, TemplateError> {
        let mut arguments = Vec::new();
        self.skip_space();
        if self.peek() == Some(close) {
            self.position += 1;
            return Ok(arguments);
        }
        loop {
            arguments.push(self.expression()?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(found) if found == close => {
                    self.position += 1;
                    return Ok(arguments);
                }
                _ => {
                    return Err(self.error(format!(
                        "expected , or {} in a list of arguments",
                        char::from(close)
                    )));
                }
            }
        }
    }

    pub(super) fn expression(&mut self) -> Result<Expr, TemplateError> {
        self.nested(|parser| parser.binary(0))
    }

    /// Operators by precedence, loosest first.
    fn binary(&mut self, level: usize) -> Result<Expr, TemplateError> {
        const LEVELS: usize = 6;
        if level == LEVELS {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(operator) = self.operator(level) {
            let right = self.nested(|parser| parser.binary(level + 1))?;
            left = Expr::Binary(operator, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// The operator of precedence `level` at the current position, consumed.
    fn operator(&mut self, level: usize) -> Option<Operator> {
        use Operator::*;
        let candidates: &[(&str, Operator)] = match level {
            0 => &[("||", Or), ("or", Or)],
            1 => &[("&&", And), ("and", And)],
            2 => &[
                ("==", Equal),
                ("!=", NotEqual),
                ("eq", Equal),
                ("ne", NotEqual),
            ],
            3 => &[
                ("<=", LessOrEqual),
                (">=", GreaterOrEqual),
                ("<", Less),
                (">", Greater),
                ("le", LessOrEqual),
                ("ge", GreaterOrEqual),
                ("lt", Less),
                ("gt", Greater),
            ],
            4 => &[("+", Add), ("-", Subtract)],
            _ => &[("*", Multiply), ("/", Divide), ("%", Remainder)],
        };
        let saved = self.position;
        self.skip_space();
        for (text, operator) in candidates {
            let rest = self.rest();
            if !rest.starts_with(text) {
                continue;
            }
            let word = text.bytes().all(|b| b.is_ascii_alphabetic());
            let after = rest.as_bytes().get(text.len()).copied();
            if word && after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue;
            }
            self.position += text.len();
            return Some(*operator);
        }
        self.position = saved;
        None
    }

    fn unary(&mut self) -> Result<Expr, TemplateError> {
        self.skip_space();
        if self.eat("!") {
            let operand = self.nested(|parser| parser.unary())?;
            return Ok(Expr::Not(Box::new(operand)));
        }
        if self.rest().starts_with("not")
            && !self
                .peek_at(3)
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.position += 3;
            let operand = self.nested(|parser| parser.unary())?;
            return Ok(Expr::Not(Box::new(operand)));
        }
        if self.peek() == Some(b'-') && !self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            self.position += 1;
            let operand = self.nested(|parser| parser.unary())?;
            return Ok(Expr::Negate(Box::new(operand)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, TemplateError> {
        self.skip_space();
        match self.peek() {
            Some(b'"') => self.double_quoted(),
            Some(b'\'') => {
                self.position += 1;
                let Some(end) = self.rest().find('\'') else {
                    return Err(self.error("a string without its closing '"));
                };
                let text = self.rest()[..end].to_owned();
                self.position += end + 1;
                Ok(Expr::Str(text))
            }
            Some(b'0'..=b'9' | b'-') => self.number(),
            Some(b'$') => match self.reference()? {
                Some(reference) => Ok(Expr::Reference(reference)),
                None => Err(self.error("expected a name after $")),
            },
            Some(b'[') => {
                self.position += 1;
                self.nested(|parser| parser.list())
            }
            Some(b'{') => {
                self.position += 1;
                self.nested(|parser| parser.map())
            }
            Some(b'(') => {
                self.position += 1;
                let inner = self.expression()?;
                self.expect(")", ")")?;
                Ok(inner)
            }
            _ => {
                let start = self.position;
                match self.identifier() {
                    "true" => Ok(Expr::Bool(true)),
                    "false" => Ok(Expr::Bool(false)),
                    "" => Err(self.error("expected a value")),
                    word => {
                        let word = word.to_owned();
                        self.position = start;
                        Err(self.error(format!("unexpected {word}; names start with $")))
                    }
                }
            }
        }
    }

    fn number(&mut self) -> Result<Expr, TemplateError> {
        let rest = self.rest();
        let mut length = usize::from(rest.starts_with('-'));
        length += rest[length..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let mut float = false;
        // A decimal point followed by a digit (not the `..` of a range).
        if rest[length..].starts_with('.')
            && rest
                .as_bytes()
                .get(length + 1)
                .is_some_and(u8::is_ascii_digit)
        {
            float = true;
            length += 1;
            length += rest[length..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
        }
        let text = &rest[..length];
        self.position += length;
        if float {
            text.parse()
                .map(Expr::Float)
                .map_err(|_| self.error(format!("{text} is not a number")))
        } else {
            text.parse()
                .map(Expr::Int)
                .map_err(|_| self.error(format!("{text} is not an integer Velocity can hold")))
        }
    }

    fn double_quoted(&mut self) -> Result<Expr, TemplateError> {
        self.position += 1;
        let mut content = String::new();
        let mut escaped = false;
        loop {
            let Some(c) = self.rest().chars().next() else {
                return Err(self.error("a string without its closing \""));
            };
            self.position += c.len_utf8();
            match c {
                '"' if !escaped => break,
                '\\' if !escaped && self.peek() == Some(b'"') => escaped = true,
                _ => {
                    escaped = false;
                    content.push(c);
                }
            }
        }
        if !content.contains(['$', '#']) {
            return Ok(Expr::Str(content));
        }
        let nodes = self.nested(|parser| {
            let mut inner = Parser {
                source: &content,
                position: 0,
                depth: parser.depth,
            };
            let (nodes, ending) = inner.block()?;
            match ending {
                Ending::EndOfText => Ok(nodes),
                _ => Err(parser.error("a string holds an #end or #else without its directive")),
            }
        })?;
        Ok(Expr::Interpolated(nodes))
    }

    /// `[a, b]` or `[a..b]`, after the `[`.
    fn list(&mut self) -> Result<Expr, TemplateError> {
        self.skip_space();
        if self.eat("]") {
            return Ok(Expr::List(Vec::new()));
        }
        let first = self.expression()?;
        self.skip_space();
        if self.eat("..") {
            let last = self.expression()?;
            self.expect("]", "] closing a range")?;
            return Ok(Expr::Range(Box::new(first), Box::new(last)));
        }
        let mut items = vec![first];
        loop {
            self.skip_space();
            if self.eat("]") {
                return Ok(Expr::List(items));
            }
            if !self.eat(",") {
                return Err(self.error("expected , or ] in a list"));
            }
            items.push(self.expression()?);
        }
    }

    /// `{key: value, …}`, after the `{`.
    fn map(&mut self) -> Result<Expr, TemplateError> {
        let mut entries = Vec::new();
        self.skip_space();
        if self.eat("}") {
            return Ok(Expr::Map(entries));
        }
        loop {
            let key = self.expression()?;
            self.expect(":", ": in a map")?;
            let value = self.expression()?;
            entries.push((key, value));
            self.skip_space();
            if self.eat("}") {
                return Ok(Expr::Map(entries));
            }
            if !self.eat(",") {
                return Err(self.error("expected , or } in a map"));
            }
        }
    }
}
