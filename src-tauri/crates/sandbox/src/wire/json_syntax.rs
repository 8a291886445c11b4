//! Checking that bytes are one JSON document without building it, in a loop with an explicit
//! stack: for payloads the sandbox passes through (a Lambda invocation's), which may nest as
//! deep as their size allows and must neither be refused for it nor recurse for it.

/// Where and why a document is not JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} at line {line} column {column}")]
pub struct SyntaxError {
    pub reason: &'static str,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Array,
    Object,
}

/// What the checker expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value (at the top, after `:`, or after `,` in an array).
    Value,
    /// A value or `]` right after `[`.
    FirstElement,
    /// A key or `}` right after `{`.
    FirstKey,
    /// A key after `,` in an object.
    Key,
    /// `:` after a key.
    Colon,
    /// `,` or the container's end after a value.
    Separator,
}

/// Checks that `bytes` hold exactly one JSON value (whitespace around it allowed).
pub fn check(bytes: &[u8]) -> Result<(), SyntaxError> {
    let mut open: Vec<Container> = Vec::new();
    let mut expect = Expect::Value;
    let mut i = skip_whitespace(bytes, 0);
    let fail = |reason: &'static str, at: usize| Err(error_at(bytes, reason, at));
    loop {
        if expect == Expect::Separator && open.is_empty() {
            return if i == bytes.len() {
                Ok(())
            } else {
                fail("trailing characters", i)
            };
        }
        let Some(&byte) = bytes.get(i) else {
            return fail("EOF while parsing a value", i);
        };
        match expect {
            Expect::Value | Expect::FirstElement => match byte {
                b']' if expect == Expect::FirstElement => {
                    open.pop();
                    i += 1;
                    expect = Expect::Separator;
                }
                b'[' => {
                    open.push(Container::Array);
                    i += 1;
                    expect = Expect::FirstElement;
                }
                b'{' => {
                    open.push(Container::Object);
                    i += 1;
                    expect = Expect::FirstKey;
                }
                _ => {
                    i = scalar(bytes, i)?;
                    expect = Expect::Separator;
                }
            },
            Expect::FirstKey | Expect::Key => match byte {
                b'}' if expect == Expect::FirstKey => {
                    open.pop();
                    i += 1;
                    expect = Expect::Separator;
                }
                b'"' => {
                    i = string(bytes, i)?;
                    expect = Expect::Colon;
                }
                _ => return fail("key must be a string", i),
            },
            Expect::Colon => {
                if byte != b':' {
                    return fail("expected `:`", i);
                }
                i += 1;
                expect = Expect::Value;
            }
            Expect::Separator => match (byte, open.last()) {
                (b',', Some(Container::Array)) => {
                    i += 1;
                    expect = Expect::Value;
                }
                (b',', Some(Container::Object)) => {
                    i += 1;
                    expect = Expect::Key;
                }
                (b']', Some(Container::Array)) | (b'}', Some(Container::Object)) => {
                    open.pop();
                    i += 1;
                }
                _ => return fail("expected `,` or the end of a list or object", i),
            },
        }
        i = skip_whitespace(bytes, i);
    }
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// A string, number or literal starting at `i`; returns where it ends.
fn scalar(bytes: &[u8], i: usize) -> Result<usize, SyntaxError> {
    match bytes[i] {
        b'"' => string(bytes, i),
        b'-' | b'0'..=b'9' => number(bytes, i),
        _ => {
            for literal in [&b"true"[..], b"false", b"null"] {
                if bytes[i..].starts_with(literal) {
                    return Ok(i + literal.len());
                }
            }
            Err(error_at(bytes, "expected value", i))
        }
    }
}

fn string(bytes: &[u8], start: usize) -> Result<usize, SyntaxError> {
    let mut i = start + 1;
    loop {
        match bytes.get(i) {
            None => return Err(error_at(bytes, "EOF while parsing a string", i)),
            Some(b'"') => break,
            Some(b'\\') => {
                match bytes.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        let digits = bytes.get(i + 2..i + 6).unwrap_or_default();
                        if digits.len() != 4 || !digits.iter().all(u8::is_ascii_hexdigit) {
                            return Err(error_at(bytes, "invalid unicode escape", i));
                        }
                        i += 6;
                    }
                    _ => return Err(error_at(bytes, "invalid escape", i)),
                }
                continue;
            }
            Some(byte) if *byte < 0x20 => {
                return Err(error_at(bytes, "control character in a string", i));
            }
            Some(_) => i += 1,
        }
    }
    if std::str::from_utf8(&bytes[start + 1..i]).is_err() {
        return Err(error_at(bytes, "invalid UTF-8 in a string", start));
    }
    Ok(i + 1)
}

fn number(bytes: &[u8], start: usize) -> Result<usize, SyntaxError> {
    let digits = |mut i: usize| {
        let from = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i > from)
    };
    let invalid = |at| Err(error_at(bytes, "invalid number", at));
    let mut i = start;
    if bytes[i] == b'-' {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(i).0,
        _ => return invalid(i),
    }
    if bytes.get(i) == Some(&b'.') {
        let (end, any) = digits(i + 1);
        if !any {
            return invalid(end);
        }
        i = end;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let (end, any) = digits(i);
        if !any {
            return invalid(end);
        }
        i = end;
    }
    Ok(i)
}

fn error_at(bytes: &[u8], reason: &'static str, at: usize) -> SyntaxError {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|byte| **byte == b'\n').count() + 1;
    let column = before.len()
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    SyntaxError {
        reason,
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_serde_json_accepts() {
        for good in [
            "{}",
            "[]",
            " null ",
            "\"text with \\\"escapes\\\" \\u00e9\"",
            "-0.5e+10",
            "{\"a\": [1, 2, {\"b\": null}], \"c\": true}",
            "[[], {}, [[]]]",
        ] {
            assert_eq!(check(good.as_bytes()), Ok(()), "{good}");
            assert!(serde_json::from_str::<serde_json::Value>(good).is_ok());
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\":}",
            "{1: 2}",
            "01",
            "1.",
            "-",
            "tru",
            "\"open",
            "[1] 2",
            "{\"a\":1,}",
            "\"\\x\"",
            "[\"\u{1}\"]",
            "1e",
            "]",
        ] {
            assert!(check(bad.as_bytes()).is_err(), "{bad:?}");
            assert!(
                serde_json::from_str::<serde_json::Value>(bad).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn nests_as_deep_as_the_input_without_recursing() {
        let depth = 1_000_000;
        let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(check(deep.as_bytes()), Ok(()));
        let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        assert_eq!(check(objects.as_bytes()), Ok(()));
        let unclosed = "[".repeat(depth);
        assert!(check(unclosed.as_bytes()).is_err());
    }

    #[test]
    fn says_where() {
        let error = check(b"{\n  \"a\": x\n}").unwrap_err();
        assert_eq!((error.line, error.column), (2, 8));
    }
}
