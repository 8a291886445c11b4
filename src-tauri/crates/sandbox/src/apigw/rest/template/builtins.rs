//! `$input` and `$util`, the objects API Gateway gives every mapping template.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::value::Value;
use super::{Inputs, TemplateError, jsonpath};

/// `$input.name(arguments)`.
pub fn input(
    inputs: &Inputs<'_>,
    name: &str,
    arguments: &[Value],
) -> Result<Option<Value>, TemplateError> {
    Ok(match (name, arguments) {
        ("getBody", []) => Some(Value::string(inputs.body_text())),
        ("json", [path]) => {
            let root = inputs.payload()?;
            jsonpath::select(&root, &path.render())?.map(|value| Value::string(value.to_json()))
        }
        ("path", [path]) => {
            let root = inputs.payload()?;
            jsonpath::select(&root, &path.render())?
        }
        ("params", []) => Some(inputs.all_parameters()),
        ("params", [name]) => Some(Value::string(
            inputs.parameter(&name.render()).unwrap_or_default(),
        )),
        _ => None,
    })
}

/// `$util.name(arguments)`. A function given no value (a missing parameter) gives none.
pub fn util(name: &str, arguments: &[Value]) -> Result<Option<Value>, TemplateError> {
    let [argument] = arguments else {
        return Ok(None);
    };
    if argument.is_null() {
        return Ok(None);
    }
    let text = argument.render();
    Ok(Some(match name {
        "escapeJavaScript" => Value::string(escape_javascript(&text)),
        "parseJson" => Value::from_json(&text).map_err(|error| {
            TemplateError::Evaluation(format!(
                "$util.parseJson could not parse its argument: {error}"
            ))
        })?,
        "urlEncode" => {
            Value::string(form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>())
        }
        "urlDecode" => Value::string(
            percent_encoding::percent_decode_str(&text.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned(),
        ),
        "base64Encode" => Value::string(STANDARD.encode(text.as_bytes())),
        "base64Decode" => {
            let bytes = STANDARD.decode(text.trim()).map_err(|error| {
                TemplateError::Evaluation(format!("$util.base64Decode: {error}"))
            })?;
            Value::string(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => return Ok(None),
    }))
}

/// JavaScript string escaping as Apache Commons Lang 2 does it (what API Gateway's
/// `escapeJavaScript` is): quotes, backslash and `/` get a backslash, control characters their
/// short or `\u00XX` form, and everything past ASCII a `\uXXXX` escape.
pub fn escape_javascript(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if (c as u32) > 0x7f => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_javascript_is_commons_lang_2() {
        assert_eq!(
            escape_javascript("it's \"a/b\"\n\u{1}é😀"),
            "it\\'s \\\"a\\/b\\\"\\n\\u0001\\u00E9\\uD83D\\uDE00"
        );
    }

    #[test]
    fn url_encoding_is_java_form_encoding() {
        let encode = |text: &str| {
            util("urlEncode", &[Value::string(text)])
                .unwrap()
                .unwrap()
                .render()
        };
        let decode = |text: &str| {
            util("urlDecode", &[Value::string(text)])
                .unwrap()
                .unwrap()
                .render()
        };
        assert_eq!(encode("a b&c=d/é*"), "a+b%26c%3Dd%2F%C3%A9*");
        assert_eq!(decode("a+b%26c%3Dd%2F%C3%A9"), "a b&c=d/é");
        assert_eq!(decode("x=1&y"), "x=1&y");
    }

    #[test]
    fn base64_round_trips_and_refuses_garbage() {
        let encoded = util("base64Encode", &[Value::string("hello")])
            .unwrap()
            .unwrap();
        assert_eq!(encoded.render(), "aGVsbG8=");
        assert_eq!(
            util("base64Decode", &[encoded]).unwrap().unwrap().render(),
            "hello"
        );
        assert!(util("base64Decode", &[Value::string("***")]).is_err());
    }
}
