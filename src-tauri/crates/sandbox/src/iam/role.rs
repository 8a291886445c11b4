//! An IAM role as the sandbox keeps it, the checks IAM makes on its inputs, and its XML shape.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::NAMESPACE;
use super::policies::Policies;
use crate::wire::{AwsError, Xml};

/// A role: its trust policy, inline policies and attached managed policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    /// ISO 8601, as IAM writes `CreateDate`.
    pub created: String,
    /// The trust policy, as given.
    pub assume_role_policy: String,
    pub description: Option<String>,
    pub max_session_duration: u32,
    pub tags: Vec<(String, String)>,
    #[serde(flatten)]
    pub policies: Policies,
}

impl Role {
    /// Writes `<Role>…</Role>`'s members; `ListRoles` leaves the tags out, as IAM does.
    pub fn write(&self, xml: &mut Xml, with_tags: bool) {
        xml.text("Path", &self.path)
            .text("RoleName", &self.name)
            .text("RoleId", &self.id)
            .text("Arn", &self.arn)
            .text("CreateDate", &self.created)
            .text(
                "AssumeRolePolicyDocument",
                &url_encode(&self.assume_role_policy),
            )
            .text_opt("Description", self.description.as_deref())
            .text("MaxSessionDuration", &self.max_session_duration.to_string());
        if with_tags && !self.tags.is_empty() {
            xml.element("Tags", |xml| write_tags(xml, &self.tags));
        }
    }
}

/// `<member><Key>…</Key><Value>…</Value></member>` for each tag.
pub fn write_tags(xml: &mut Xml, tags: &[(String, String)]) {
    for (key, value) in tags {
        xml.element("member", |xml| {
            xml.text("Key", key).text("Value", value);
        });
    }
}

/// A policy document as IAM returns it: percent-encoded (RFC 3986), as clients expect to decode.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An IAM error in the query protocol's shape.
pub fn error(code: &'static str, status: StatusCode, message: impl Into<String>) -> AwsError {
    AwsError::new(NAMESPACE, code, status, message)
}

pub fn validation(message: impl Into<String>) -> AwsError {
    error("ValidationError", StatusCode::BAD_REQUEST, message)
}

pub fn no_such_role(name: &str) -> AwsError {
    error(
        "NoSuchEntity",
        StatusCode::NOT_FOUND,
        format!("The role with name {name} cannot be found."),
    )
}

/// IAM's names: `[\w+=,.@-]+`, at most `max` characters.
pub fn check_name(member: &str, value: Option<&str>, max: usize) -> Result<String, AwsError> {
    let Some(value) = value else {
        return Err(validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
             Member must not be null"
        )));
    };
    if value.is_empty() || value.chars().count() > max {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
             constraint: Member must have length between 1 and {max}"
        )));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if !value.chars().all(allowed) {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        )));
    }
    Ok(value.to_owned())
}

/// A path: `/` alone or `/` … `/`, printable ASCII, at most 512 characters.
pub fn check_path(value: Option<&str>) -> Result<String, AwsError> {
    let path = value.unwrap_or("/");
    let valid = path.len() <= 512
        && path.starts_with('/')
        && path.ends_with('/')
        && path.chars().all(|c| ('!'..='~').contains(&c));
    if !valid {
        return Err(validation(
            "The specified value for path is invalid. It must begin and end with / and contain \
             only alphanumeric characters and/or / characters.",
        ));
    }
    Ok(path.to_owned())
}

/// A policy document must be a JSON object with statements.
pub fn check_policy(member: &str, document: Option<&str>) -> Result<String, AwsError> {
    let Some(document) = document else {
        return Err(validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
             Member must not be null"
        )));
    };
    let malformed = |message: &str| {
        error(
            "MalformedPolicyDocument",
            StatusCode::BAD_REQUEST,
            message.to_owned(),
        )
    };
    let parsed: serde_json::Value = serde_json::from_str(document)
        .map_err(|_| malformed("This policy contains invalid Json"))?;
    let Some(policy) = parsed.as_object() else {
        return Err(malformed("Syntax errors in policy."));
    };
    if !policy.contains_key("Statement") {
        return Err(malformed("Missing required field Statement"));
    }
    Ok(document.to_owned())
}

/// A role id as IAM makes them: `AROA` and 17 uppercase alphanumerics.
pub fn new_role_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut value = uuid::Uuid::new_v4().as_u128();
    let suffix: String = (0..17)
        .map(|_| {
            let c = ALPHABET[(value % 32) as usize] as char;
            value /= 32;
            c
        })
        .collect();
    format!("AROA{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_percent_encoded_as_iam_returns_them() {
        assert_eq!(
            url_encode(r#"{"Effect": "Allow"}"#),
            "%7B%22Effect%22%3A%20%22Allow%22%7D"
        );
    }

    #[test]
    fn names_follow_iams_pattern() {
        assert_eq!(
            check_name("roleName", Some("Lab_Role+1"), 64).unwrap(),
            "Lab_Role+1"
        );
        let bad = check_name("roleName", Some("has space"), 64).unwrap_err();
        assert_eq!(bad.code, "ValidationError");
        assert!(bad.message.contains("[\\w+=,.@-]+"), "{}", bad.message);
        let long = check_name("roleName", Some(&"a".repeat(65)), 64).unwrap_err();
        assert!(
            long.message.contains("between 1 and 64"),
            "{}",
            long.message
        );
        assert!(
            check_name("roleName", None, 64)
                .unwrap_err()
                .message
                .contains("null")
        );
    }

    #[test]
    fn paths_begin_and_end_with_a_slash() {
        assert_eq!(check_path(None).unwrap(), "/");
        assert_eq!(check_path(Some("/lab/")).unwrap(), "/lab/");
        assert!(check_path(Some("lab/")).is_err());
        assert!(check_path(Some("/lab")).is_err());
    }

    #[test]
    fn policies_must_be_json_objects_with_statements() {
        let error = check_policy("policyDocument", Some("{")).unwrap_err();
        assert_eq!(
            (error.code, error.message.as_str()),
            (
                "MalformedPolicyDocument",
                "This policy contains invalid Json"
            )
        );
        assert!(check_policy("policyDocument", Some("[]")).is_err());
        assert!(check_policy("policyDocument", Some(r#"{"Version":"2012-10-17"}"#)).is_err());
        assert!(check_policy("policyDocument", Some(r#"{"Statement":[]}"#)).is_ok());
    }

    #[test]
    fn role_ids_look_like_iams() {
        let id = new_role_id();
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AROA"));
        assert!(
            id.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
    }
}
