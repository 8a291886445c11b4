//! Typed JSON request bodies for the services that read them with serde: an empty body counts as
//! `{}`, and failures say which member was missing or what was malformed, for each service to
//! word as AWS does.

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// A required member is absent; the name as the JSON spells it.
    Missing(String),
    /// Not JSON, or a member of the wrong type.
    Malformed(String),
}

pub fn parse_json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|failure| {
        let text = failure.to_string();
        match text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            Some(field) => BodyError::Missing(field.to_owned()),
            None => BodyError::Malformed(text),
        }
    })
}

/// `FunctionName` → `functionName`: how AWS names members in validation messages.
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase())
        .into_iter()
        .chain(chars)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Request {
        name: String,
    }

    #[test]
    fn names_the_missing_member() {
        assert_eq!(
            parse_json_body::<Request>(b"{}").unwrap_err(),
            BodyError::Missing("name".into())
        );
        assert!(matches!(
            parse_json_body::<Request>(b"{\"name\": 1}"),
            Err(BodyError::Malformed(_))
        ));
        assert_eq!(lower_camel("FunctionName"), "functionName");
    }
}
