//! CloudWatch Logs filter patterns, the term form: `ERROR`, `"exact phrase"`, several terms (all
//! must appear), `?a ?b` (any may appear), `-term` (must not appear). Matching is case-sensitive,
//! as on AWS. JSON (`{ $.x = 1 }`) and space-delimited (`[a, b]`) patterns are refused with a
//! clear error rather than matched wrongly.

/// A parsed term pattern.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterPattern {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl FilterPattern {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let trimmed = pattern.trim();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            return Err(format!(
                "Invalid filter pattern: the sandbox matches term patterns only (words, \"phrases\", ?any, -exclude), not {trimmed}"
            ));
        }
        let mut parsed = Self::default();
        let mut rest = trimmed;
        while !rest.is_empty() {
            let (prefix, after) = match rest.as_bytes()[0] {
                b'?' => (Some('?'), &rest[1..]),
                b'-' => (Some('-'), &rest[1..]),
                _ => (None, rest),
            };
            let (term, remaining) = if let Some(quoted) = after.strip_prefix('"') {
                match quoted.find('"') {
                    Some(end) => (&quoted[..end], &quoted[end + 1..]),
                    None => return Err("Invalid filter pattern: unterminated quote".to_owned()),
                }
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            if !term.is_empty() {
                let list = match prefix {
                    Some('?') => &mut parsed.any,
                    Some('-') => &mut parsed.none,
                    _ => &mut parsed.all,
                };
                list.push(term.to_owned());
            }
            rest = remaining.trim_start();
        }
        Ok(parsed)
    }

    pub fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|term| message.contains(term.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|term| message.contains(term.as_str())))
            && !self.none.iter().any(|term| message.contains(term.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_patterns_match_like_cloudwatch() {
        let cases = [
            ("", "anything", true),
            ("ERROR", "an ERROR here", true),
            ("ERROR", "an error here", false),
            ("ERROR timeout", "ERROR: timeout", true),
            ("ERROR timeout", "ERROR: ok", false),
            (
                "\"Task timed out\"",
                "2026 Task timed out after 3.00 seconds",
                true,
            ),
            ("?ERROR ?WARN", "WARN: slow", true),
            ("?ERROR ?WARN", "INFO: fine", false),
            ("REPORT -Init", "REPORT RequestId: x", true),
            (
                "REPORT -Init",
                "REPORT RequestId: x Init Duration: 3 ms",
                false,
            ),
        ];
        for (pattern, message, expected) in cases {
            let parsed = FilterPattern::parse(pattern).unwrap();
            assert_eq!(
                parsed.matches(message),
                expected,
                "{pattern:?} on {message:?}"
            );
        }
    }

    #[test]
    fn structured_patterns_are_refused() {
        assert!(FilterPattern::parse("{ $.level = \"error\" }").is_err());
        assert!(FilterPattern::parse("[ip, user]").is_err());
        assert!(FilterPattern::parse("\"open").is_err());
    }
}
