//! AWS CLI commands as a student pastes them into a shell: one option per line, each word
//! quoted only when it must be, lesson variables either filled or left as `${NAME}` (quoted so
//! the shell still expands them).

use std::fmt;

/// One `aws` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliCommand {
    /// `["dynamodb", "create-table"]`.
    words: Vec<String>,
    /// Positional arguments after the operation (`s3://bucket/`).
    positional: Vec<String>,
    /// `("--table-name", Some("things"))`; `None` for a flag such as `--no-auto-deploy`.
    options: Vec<(String, Vec<String>)>,
}

impl CliCommand {
    pub fn new(service: &str, operation: &str) -> Self {
        Self {
            words: vec![service.to_owned(), operation.to_owned()],
            positional: Vec::new(),
            options: Vec::new(),
        }
    }

    /// A positional argument, after the operation: `aws s3 website s3://bucket/`.
    pub fn arg_word(mut self, value: impl Into<String>) -> Self {
        self.positional.push(value.into());
        self
    }

    /// `--name value`.
    pub fn arg(mut self, name: &str, value: impl Into<String>) -> Self {
        self.options.push((format!("--{name}"), vec![value.into()]));
        self
    }

    /// `--name value` when there is a value.
    pub fn arg_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(value) => self.arg(name, value),
            None => self,
        }
    }

    /// `--name first second …` (a list option).
    pub fn args(mut self, name: &str, values: impl IntoIterator<Item = String>) -> Self {
        self.options
            .push((format!("--{name}"), values.into_iter().collect()));
        self
    }

    /// `--name` alone.
    pub fn flag(mut self, name: &str) -> Self {
        self.options.push((format!("--{name}"), Vec::new()));
        self
    }
}

impl fmt::Display for CliCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "aws {}", self.words.join(" "))?;
        for word in &self.positional {
            write!(f, " {}", shell_word(word))?;
        }
        for (name, values) in &self.options {
            write!(f, " \\\n  {name}")?;
            for value in values {
                write!(f, " {}", shell_word(value))?;
            }
        }
        Ok(())
    }
}

/// `word` as one shell word. Plain words stay bare; a word with a `${NAME}` reference goes in
/// double quotes (so the shell expands it); anything else in single quotes.
pub fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_owned();
    }
    if !super::vars::references(word).is_empty() {
        let mut quoted = String::from("\"");
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' | '\\' | '`' => {
                    quoted.push('\\');
                    quoted.push(c);
                }
                // A `$` that does not open a reference must not expand.
                '$' if chars.peek() != Some(&'{') => quoted.push_str("\\$"),
                _ => quoted.push(c),
            }
        }
        quoted.push('"');
        return quoted;
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_option_per_line() {
        let command = CliCommand::new("apigatewayv2", "create-stage")
            .arg("api-id", "${API_ID}")
            .arg("stage-name", "prod")
            .flag("no-auto-deploy")
            .args("tags", ["a=b".to_owned()]);
        assert_eq!(
            command.to_string(),
            "aws apigatewayv2 create-stage \\\n  --api-id \"${API_ID}\" \\\n  --stage-name prod \\\n  \
             --no-auto-deploy \\\n  --tags a=b"
        );
    }

    #[test]
    fn quotes_only_what_the_shell_would_change() {
        assert_eq!(
            shell_word("arn:aws:lambda:us-east-1:1:function:F"),
            "arn:aws:lambda:us-east-1:1:function:F"
        );
        assert_eq!(shell_word("GET /"), "'GET /'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("integrations/${ID}"), "\"integrations/${ID}\"");
        assert_eq!(shell_word("${A} costs $5"), "\"${A} costs \\$5\"");
        assert_eq!(shell_word(r#"{"S": "x"}"#), r#"'{"S": "x"}'"#);
    }
}
