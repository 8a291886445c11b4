//! The temporary credentials each execution environment runs with — as AWS hands a function its
//! role's session credentials — and the way back: from the access key id that signed a request
//! to the function, environment and invocation that made it. That link is what lets the
//! inspection feed attribute a function's own DynamoDB or `@connections` calls to the request
//! it was handling.

use std::collections::HashMap;
use std::sync::Mutex;

/// An environment's session credentials, handed to its process as `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionCredentials {
    /// `ASIA` and 16 characters, as STS's temporary keys.
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

impl std::fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Who signed a request with session credentials: a function's environment, and the invocation
/// it was running, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub function: String,
    /// `$LATEST` or the version number.
    pub version: String,
    /// The execution environment.
    pub environment: String,
    /// The role the function runs as (its execution role's ARN).
    pub role: String,
    /// The invocation the environment was running when the request arrived: from when the event
    /// was handed over (its init phase included, for a cold start) until its answer.
    pub invocation: Option<String>,
}

/// One environment's session: who holds it, and the secret its signatures are made with.
struct Session {
    caller: Caller,
    secret: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}

/// The open sessions of every environment, by access key id.
#[derive(Debug, Default)]
pub struct Sessions {
    by_key: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Mints credentials for an environment and remembers who they belong to.
    pub fn open(&self, caller: Caller) -> SessionCredentials {
        let credentials = SessionCredentials {
            access_key_id: format!("ASIA{}", crate::random::text(16, KEY_ALPHABET)),
            secret_access_key: crate::random::text(40, SECRET_ALPHABET),
            session_token: crate::random::text(128, SECRET_ALPHABET),
        };
        let session = Session {
            caller,
            secret: credentials.secret_access_key.clone(),
        };
        self.lock()
            .insert(credentials.access_key_id.clone(), session);
        credentials
    }

    /// Forgets an environment's session: the credentials name no one any more.
    pub fn close(&self, access_key_id: &str) {
        self.lock().remove(access_key_id);
    }

    /// The environment is running `invocation` from now on.
    pub fn begin(&self, access_key_id: &str, invocation: &str) {
        if let Some(session) = self.lock().get_mut(access_key_id) {
            session.caller.invocation = Some(invocation.to_owned());
        }
    }

    /// The environment has answered its invocation.
    pub fn end(&self, access_key_id: &str) {
        if let Some(session) = self.lock().get_mut(access_key_id) {
            session.caller.invocation = None;
        }
    }

    /// Who holds the credentials whose access key id is `access_key_id`.
    pub fn caller(&self, access_key_id: &str) -> Option<Caller> {
        self.lock()
            .get(access_key_id)
            .map(|session| session.caller.clone())
    }

    /// Who holds `access_key_id`, and the secret that checks their signatures.
    pub fn signer(&self, access_key_id: &str) -> Option<(Caller, String)> {
        self.lock()
            .get(access_key_id)
            .map(|session| (session.caller.clone(), session.secret.clone()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.by_key.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The characters of an access key id after its `ASIA` (upper-case letters and digits).
const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// The characters of a secret key and a session token.
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(environment: &str) -> Caller {
        Caller {
            function: "LambdaCRUD".into(),
            version: "$LATEST".into(),
            environment: environment.into(),
            role: "arn:aws:iam::000000000000:role/LabRole".into(),
            invocation: None,
        }
    }

    #[test]
    fn each_environment_gets_keys_of_its_own_shaped_like_sts_keys() {
        let sessions = Sessions::default();
        let first = sessions.open(caller("e1"));
        let second = sessions.open(caller("e2"));
        assert_ne!(first.access_key_id, second.access_key_id);
        assert_eq!(first.access_key_id.len(), 20);
        assert!(first.access_key_id.starts_with("ASIA"));
        assert!(
            first
                .access_key_id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(first.secret_access_key.len(), 40);
        assert_eq!(
            sessions
                .caller(&second.access_key_id)
                .map(|c| c.environment),
            Some("e2".to_owned())
        );
    }

    #[test]
    fn a_session_names_the_invocation_its_environment_is_running() {
        let sessions = Sessions::default();
        let key = sessions.open(caller("e1")).access_key_id;
        assert_eq!(sessions.caller(&key).and_then(|c| c.invocation), None);
        sessions.begin(&key, "inv-1");
        assert_eq!(
            sessions.caller(&key).and_then(|c| c.invocation),
            Some("inv-1".to_owned())
        );
        sessions.end(&key);
        assert_eq!(sessions.caller(&key).and_then(|c| c.invocation), None);
        sessions.close(&key);
        assert_eq!(sessions.caller(&key), None);
        assert_eq!(sessions.caller("AKIDEXAMPLE"), None);
    }
}
