//! Passwords: a pool's policy, checked with Cognito's words for the first rule a password
//! breaks, and the stored form — Argon2id, never the password itself.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::model::PasswordPolicy;

/// The symbols Cognito counts for `RequireSymbols`.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// Cognito's longest password.
pub const MAX_LENGTH: usize = 256;

/// Why `password` breaks `policy`, as Cognito says it, or nothing when it complies.
pub fn violation(policy: &PasswordPolicy, password: &str) -> Option<&'static str> {
    let length = password.chars().count();
    if length < policy.minimum_length as usize {
        return Some("Password did not conform with policy: Password not long enough");
    }
    if length > MAX_LENGTH {
        return Some(
            "Password did not conform with policy: Password must be less than 256 characters",
        );
    }
    if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return Some("Password did not conform with policy: Password must have numeric characters");
    }
    if policy.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return Some("Password did not conform with policy: Password must have symbol characters");
    }
    if policy.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(
            "Password did not conform with policy: Password must have uppercase characters",
        );
    }
    if policy.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
        return Some(
            "Password did not conform with policy: Password must have lowercase characters",
        );
    }
    None
}

/// The hasher: Argon2id with OWASP's smallest recommended cost (19 MiB, two passes), enough
/// for a laptop's sandbox and quick to check.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// `password` hashed with a fresh salt, as a PHC string.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())?;
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` is the one `stored` was made from.
pub fn matches(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_broken_rule_is_named_as_cognito_names_it() {
        let policy = PasswordPolicy::default();
        assert_eq!(
            violation(&policy, "Ab1!"),
            Some("Password did not conform with policy: Password not long enough")
        );
        assert_eq!(
            violation(&policy, "Abcdefgh!"),
            Some("Password did not conform with policy: Password must have numeric characters")
        );
        assert_eq!(
            violation(&policy, "abcdefg1!"),
            Some("Password did not conform with policy: Password must have uppercase characters")
        );
        assert_eq!(violation(&policy, "Abcdefg1!"), None);
        let lenient = PasswordPolicy {
            minimum_length: 6,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
            temporary_validity_days: 7,
        };
        assert_eq!(violation(&lenient, "secret"), None);
    }

    #[test]
    fn a_password_is_kept_hashed_and_checked_against_its_hash() {
        let stored = hash("Passw0rd!").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains("Passw0rd!"));
        assert!(matches(&stored, "Passw0rd!"));
        assert!(!matches(&stored, "passw0rd!"));
        assert_ne!(
            hash("Passw0rd!").unwrap(),
            stored,
            "each hash has its own salt"
        );
    }
}
