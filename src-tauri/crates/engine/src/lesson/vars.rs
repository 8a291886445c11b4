//! Lesson variables: `${NAME}` references in a step's parameters, filled from what the target
//! says (`ACCOUNT_ID`, `REGION`) and what earlier steps captured (`LAMBDA_ARN`, `API_ID`, …).
//! Names are upper case, as the lab's shell variables are.

use std::collections::BTreeMap;

/// Variables every lesson starts with, known from the target.
pub const BUILT_IN: [&str; 3] = ["ACCOUNT_ID", "REGION", "WEBSITE_DOMAIN"];

/// Values by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars(BTreeMap<String, String>);

/// A reference to a variable that has no value yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("${{{name}}} has no value yet")]
pub struct Unfilled {
    pub name: String,
}

impl Vars {
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// `text` with every reference replaced; the first unknown name is the error.
    pub fn fill(&self, text: &str) -> Result<String, Unfilled> {
        let mut missing = None;
        let filled = substitute(text, |name| {
            let value = self.get(name);
            if value.is_none() && missing.is_none() {
                missing = Some(name.to_owned());
            }
            value.map(str::to_owned)
        });
        match missing {
            Some(name) => Err(Unfilled { name }),
            None => Ok(filled),
        }
    }

    /// `text` with known references replaced and unknown ones left as `${NAME}`, which a shell
    /// expands when the student has set the variable (as the lab's instructions do).
    pub fn fill_known(&self, text: &str) -> String {
        substitute(text, |name| self.get(name).map(str::to_owned))
    }
}

/// Whether `name` can be a variable: `A-Z`, digits and `_`, starting with a letter.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The names `text` refers to, in order.
pub fn references(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    substitute(text, |name| {
        names.push(name.to_owned());
        None
    });
    names
}

/// Replaces each `${NAME}` for which `value` answers; keeps the rest as written.
fn substitute(text: &str, mut value: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) if is_name(&after[..end]) => {
                let name = &after[..end];
                match value(name) {
                    Some(filled) => out.push_str(&filled),
                    None => {
                        out.push_str("${");
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_references_and_reports_the_missing_one() {
        let mut vars = Vars::default();
        vars.set("API_ID", "abc123");
        vars.set("REGION", "us-east-1");
        assert_eq!(
            vars.fill("https://${API_ID}.execute-api.${REGION}.amazonaws.com/")
                .unwrap(),
            "https://abc123.execute-api.us-east-1.amazonaws.com/"
        );
        assert_eq!(vars.fill("${API_ID}/${STAGE}").unwrap_err().name, "STAGE");
        assert_eq!(vars.fill_known("${API_ID}/${STAGE}"), "abc123/${STAGE}");
    }

    #[test]
    fn only_upper_case_names_are_references() {
        assert_eq!(references("${A} ${b} ${ C} $X ${LAMBDA_ARN"), ["A"]);
        assert_eq!(
            references("integrations/${INTEGRATION_ID}"),
            ["INTEGRATION_ID"]
        );
    }
}
