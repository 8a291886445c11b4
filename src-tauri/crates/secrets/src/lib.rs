//! What counts as a secret in what the app shows — the engine's captured traffic and the
//! sandbox's inspection feed — and how it is hidden: credentials, cookies, API keys, tokens and
//! passwords become [`REDACTED`], wherever they sit (a header, a JSON member, a query parameter,
//! a `Bearer` token inside a log line).
//!
//! One definition for both sides, so a secret hidden from one view never shows in the other.
//! It only reads names and text: it knows nothing of HTTP or of the services.

use std::borrow::Cow;

use serde_json::Value;

/// What a hidden value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Whether a header (any case) carries credentials: its value is never shown.
pub fn is_secret_header(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "authorization"
            | "proxy-authorization"
            | "cookie"
            | "set-cookie"
            | "x-api-key"
            | "x-amz-security-token"
    )
}

/// Whether a JSON member, query parameter or header with this name holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    if is_secret_header(name) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    let pagination =
        lower.starts_with("next") || lower.contains("pagination") || lower.contains("continuation");
    lower.contains("secret")
        || lower.contains("password")
        || lower.contains("signature")
        || lower.contains("credential")
        || (lower.ends_with("token") && !pagination)
        || matches!(
            lower.as_str(),
            "cookies" | "accesskeyid" | "apikey" | "api_key" | "api-key"
        )
}

/// `value` of the header `name` as it may be shown.
pub fn header_value<'a>(name: &str, value: &'a str) -> Cow<'a, str> {
    if is_secret_header(name) {
        Cow::Borrowed(REDACTED)
    } else {
        redact_text(value)
    }
}

/// Hides every secret in `json`: members with secret names lose their values (strings, or
/// every string under them), query strings lose their secret parameters, and `Bearer` tokens
/// in any text are cut out.
pub fn redact_json(json: &mut Value) {
    match json {
        Value::Object(members) => {
            for (name, value) in members.iter_mut() {
                if is_secret_name(name) {
                    hide_strings(value);
                } else if is_query_member(name)
                    && let Value::String(query) = value
                {
                    *query = redact_query(query);
                } else {
                    redact_json(value);
                }
            }
        }
        Value::Array(values) => values.iter_mut().for_each(redact_json),
        Value::String(text) => {
            if let Some(redacted) = redact_embedded_json(text) {
                *text = redacted;
            } else if let Cow::Owned(redacted) = redact_text(text) {
                *text = redacted;
            }
        }
        _ => {}
    }
}

/// A string that is itself JSON (a request body, a log line of `json.dumps(headers)`) with its
/// secrets hidden, when it has any; its other text is left as it was.
fn redact_embedded_json(text: &str) -> Option<String> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    let original: Value = serde_json::from_str(text).ok()?;
    let mut redacted = original.clone();
    redact_json(&mut redacted);
    (redacted != original).then(|| redacted.to_string())
}

/// A query string (`a=1&access_token=…`) with the values of its secret parameters hidden.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(&percent_decoded(name)) => {
                format!("{name}={REDACTED}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `text` with the token after each `Bearer ` hidden.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    const BEARER: &str = "bearer ";
    let lower = text.to_ascii_lowercase();
    if !lower.contains(BEARER) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    while let Some(found) = lower[rest..].find(BEARER) {
        let token_start = rest + found + BEARER.len();
        out.push_str(&text[rest..token_start]);
        let token = &text[token_start..];
        let token = token
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-._~+/=".contains(c)))
            .map_or(token, |end| &token[..end]);
        // A sentence's full stop is not part of the token.
        let token_len = token.trim_end_matches('.').len();
        if token_len > 0 {
            out.push_str(REDACTED);
        }
        rest = token_start + token_len;
    }
    out.push_str(&text[rest..]);
    Cow::Owned(out)
}

/// Members whose string value is a URL query string.
fn is_query_member(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "query" | "querystring" | "rawquerystring"
    )
}

/// Every string under `value` becomes [`REDACTED`]; the shape stays, so a reader still sees
/// that there was a cookie list or a header.
fn hide_strings(value: &mut Value) {
    match value {
        Value::String(text) => *text = REDACTED.to_owned(),
        Value::Array(values) => values.iter_mut().for_each(hide_strings),
        Value::Object(members) => members.values_mut().for_each(hide_strings),
        _ => {}
    }
}

/// `%XX` escapes and `+` decoded, enough to read a parameter's name.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secret_names_are_recognised_and_pagination_tokens_are_not() {
        for name in [
            "Authorization",
            "x-api-key",
            "Cookie",
            "cookies",
            "X-Amz-Security-Token",
            "SecretAccessKey",
            "Password",
            "IdToken",
            "access_token",
            "X-Amz-Signature",
            "X-Amz-Credential",
            "apiKey",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "NextToken",
            "nextForwardToken",
            "PaginationToken",
            "ContinuationToken",
            "TableName",
            "key",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn events_lose_their_secrets_and_keep_their_shape() {
        let mut event = json!({
            "headers": {"authorization": "Bearer abc.def", "content-type": "application/json"},
            "multiValueHeaders": {"Cookie": ["a=1", "b=2"]},
            "cookies": ["session=42"],
            "rawQueryString": "TableName=t&access_token=xyz&X-Amz-Signature=ff",
            "requestContext": {"identity": {"apiKey": "k-123", "sourceIp": "127.0.0.1"}},
            "log": ["got header Bearer eyJhbGciOi.x.y from caller"],
            "NextToken": "page-2",
        });
        redact_json(&mut event);
        assert_eq!(
            event,
            json!({
                "headers": {"authorization": REDACTED, "content-type": "application/json"},
                "multiValueHeaders": {"Cookie": [REDACTED, REDACTED]},
                "cookies": [REDACTED],
                "rawQueryString": format!("TableName=t&access_token={REDACTED}&X-Amz-Signature={REDACTED}"),
                "requestContext": {"identity": {"apiKey": REDACTED, "sourceIp": "127.0.0.1"}},
                "log": [format!("got header Bearer {REDACTED} from caller")],
                "NextToken": "page-2",
            })
        );
    }

    #[test]
    fn json_inside_strings_is_redacted_too() {
        let mut record = json!({
            "body": r#"{"Username": "ana", "Password": "hunter2"}"#,
            "log": [r#"{"x-api-key": "k-1", "accept": "*/*"}"#, "{not json", "plain"],
        });
        redact_json(&mut record);
        let text = record.to_string();
        assert!(!text.contains("hunter2") && !text.contains("k-1"), "{text}");
        assert!(text.contains("ana") && text.contains("{not json"), "{text}");
    }

    #[test]
    fn query_parameter_names_are_decoded_before_they_are_judged() {
        assert_eq!(
            redact_query("id%5Ftoken=abc&x=1&%"),
            format!("id%5Ftoken={REDACTED}&x=1&%")
        );
    }

    #[test]
    fn bearer_tokens_are_cut_from_any_text() {
        assert_eq!(redact_text("no secrets"), "no secrets");
        assert_eq!(
            redact_text("BEARER a1 and bearer b2."),
            format!("BEARER {REDACTED} and bearer {REDACTED}.")
        );
        assert_eq!(redact_text("bearer "), "bearer ");
        assert_eq!(
            header_value("Authorization", "AWS4-HMAC-SHA256 …"),
            REDACTED
        );
        assert_eq!(header_value("content-type", "text/plain"), "text/plain");
    }
}
