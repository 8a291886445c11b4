//! AWS Academy Learner Lab credentials: the access key, secret key and session token a student
//! copies from the Learner Lab's "AWS Details", kept in the OS keychain (the Secret Service on
//! Linux, the Keychain on macOS, the Credential Manager on Windows) — never in a plain file, and
//! never printed: `Debug` and [`AcademyCredentials::masked_key`] show only the key id's ends.
//! For `--target aws` without a profile or credentials in the environment, the saved ones are
//! used (see [`crate::cloud`]).

use std::fmt;

/// Where the keychain entry lives.
const SERVICE: &str = "serverless-lab";
const ACCOUNT: &str = "aws-academy";

/// A set of temporary AWS credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct AcademyCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for AcademyCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcademyCredentials")
            .field("access_key_id", &self.masked_key())
            .finish_non_exhaustive()
    }
}

/// What went wrong with the credentials or the keychain.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "no credentials found in what was pasted: paste the block from the Learner Lab's \
         \"AWS Details\" (aws_access_key_id=…, aws_secret_access_key=…, aws_session_token=…)"
    )]
    NothingPasted,
    #[error("the pasted credentials lack {0}")]
    Missing(&'static str),
    #[error(
        "the OS keychain is not available ({0}); on Linux it is the Secret Service (GNOME \
         Keyring, KWallet). Without it, put the credentials in ~/.aws/credentials or in the \
         AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN variables instead"
    )]
    Keychain(String),
}

impl AcademyCredentials {
    /// Reads the Learner Lab's "AWS Details" block — `[default]` then `key=value` lines — or the
    /// same keys as environment-variable assignments (`export AWS_ACCESS_KEY_ID=…`).
    pub fn parse(text: &str) -> Result<Self, CredentialsError> {
        let mut access_key_id = None;
        let mut secret_access_key = None;
        let mut session_token = None;
        for line in text.lines() {
            let line = line.trim().trim_start_matches("export ").trim();
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches(['"', '\'']).to_owned();
            match key.trim().to_ascii_lowercase().as_str() {
                "aws_access_key_id" => access_key_id = Some(value),
                "aws_secret_access_key" => secret_access_key = Some(value),
                "aws_session_token" => session_token = Some(value),
                _ => {}
            }
        }
        if access_key_id.is_none() && secret_access_key.is_none() && session_token.is_none() {
            return Err(CredentialsError::NothingPasted);
        }
        Ok(Self {
            access_key_id: access_key_id
                .filter(|key| !key.is_empty())
                .ok_or(CredentialsError::Missing("aws_access_key_id"))?,
            secret_access_key: secret_access_key
                .filter(|key| !key.is_empty())
                .ok_or(CredentialsError::Missing("aws_secret_access_key"))?,
            session_token: session_token.filter(|token| !token.is_empty()),
        })
    }

    /// The key id with all but its first and last four characters hidden.
    pub fn masked_key(&self) -> String {
        let key = &self.access_key_id;
        if key.len() <= 8 {
            return "…".repeat(key.len().min(1));
        }
        format!("{}…{}", &key[..4], &key[key.len() - 4..])
    }

    fn to_secret(&self) -> String {
        [
            self.access_key_id.as_str(),
            self.secret_access_key.as_str(),
            self.session_token.as_deref().unwrap_or(""),
        ]
        .join("\n")
    }

    fn from_secret(secret: &str) -> Option<Self> {
        let mut parts = secret.split('\n');
        let access_key_id = parts.next()?.to_owned();
        let secret_access_key = parts.next()?.to_owned();
        let session_token = parts.next().filter(|t| !t.is_empty()).map(str::to_owned);
        Some(Self {
            access_key_id,
            secret_access_key,
            session_token,
        })
    }
}

/// The OS keychain entry holding the credentials.
pub struct Keychain {
    entry: keyring::Entry,
}

impl fmt::Debug for Keychain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keychain")
    }
}

impl Keychain {
    /// The keychain entry. On Linux the Secret Service is reached over the session bus; without
    /// one (a headless machine) there is no keychain.
    pub fn open() -> Result<Self, CredentialsError> {
        if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            return Err(CredentialsError::Keychain(
                "no D-Bus session bus, so no Secret Service".to_owned(),
            ));
        }
        let entry = keyring::Entry::new(SERVICE, ACCOUNT)
            .map_err(|error| CredentialsError::Keychain(error.to_string()))?;
        Ok(Self { entry })
    }

    pub fn save(&self, credentials: &AcademyCredentials) -> Result<(), CredentialsError> {
        self.entry
            .set_password(&credentials.to_secret())
            .map_err(|error| CredentialsError::Keychain(error.to_string()))
    }

    /// The saved credentials, if any.
    pub fn load(&self) -> Result<Option<AcademyCredentials>, CredentialsError> {
        match self.entry.get_password() {
            Ok(secret) => Ok(AcademyCredentials::from_secret(&secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(CredentialsError::Keychain(error.to_string())),
        }
    }

    /// Forgets the saved credentials; nothing saved is fine.
    pub fn clear(&self) -> Result<(), CredentialsError> {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(CredentialsError::Keychain(error.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS_DETAILS: &str = "[default]\naws_access_key_id=ASIAQ3EXAMPLE7KEY\n\
        aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
        aws_session_token=FwoGZXIvYXdzEJr//////////wEaDExampleToken==\n";

    #[test]
    fn reads_the_learner_lab_block_and_exports() {
        let credentials = AcademyCredentials::parse(AWS_DETAILS).unwrap();
        assert_eq!(credentials.access_key_id, "ASIAQ3EXAMPLE7KEY");
        assert_eq!(
            credentials.session_token.as_deref(),
            Some("FwoGZXIvYXdzEJr//////////wEaDExampleToken==")
        );
        let exports =
            "export AWS_ACCESS_KEY_ID=\"AKIA1234\"\nexport AWS_SECRET_ACCESS_KEY='s3cr3t'\n";
        let credentials = AcademyCredentials::parse(exports).unwrap();
        assert_eq!(credentials.access_key_id, "AKIA1234");
        assert_eq!(credentials.secret_access_key, "s3cr3t");
        assert_eq!(credentials.session_token, None);
    }

    #[test]
    fn incomplete_pastes_say_what_is_missing() {
        assert!(matches!(
            AcademyCredentials::parse("hello"),
            Err(CredentialsError::NothingPasted)
        ));
        assert!(matches!(
            AcademyCredentials::parse("aws_access_key_id=ASIA"),
            Err(CredentialsError::Missing("aws_secret_access_key"))
        ));
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let credentials = AcademyCredentials::parse(AWS_DETAILS).unwrap();
        let shown = format!("{credentials:?}");
        assert_eq!(
            shown,
            "AcademyCredentials { access_key_id: \"ASIA…7KEY\", .. }"
        );
        assert!(!shown.contains("wJalr") && !shown.contains("FwoG"));
    }

    #[test]
    fn the_keychain_keeps_and_forgets_them() {
        // The in-memory store keyring provides for tests: one entry object keeps its secret.
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let keychain = Keychain {
            entry: keyring::Entry::new(SERVICE, ACCOUNT).unwrap(),
        };
        assert_eq!(keychain.load().unwrap(), None);
        let credentials = AcademyCredentials::parse(AWS_DETAILS).unwrap();
        keychain.save(&credentials).unwrap();
        assert_eq!(keychain.load().unwrap(), Some(credentials));
        keychain.clear().unwrap();
        assert_eq!(keychain.load().unwrap(), None);
        keychain.clear().unwrap();
    }
}
