//! What a user pool holds: its settings, app clients and signing key (one stored definition),
//! and its users (one stored row each, so a sign-up writes one user, not the pool).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::srp::{self, Verifier};

/// A user pool's settings, clients and key. Its users are kept beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pool {
    /// `us-east-1_AbC123xyZ`.
    pub id: String,
    pub name: String,
    pub arn: String,
    /// Epoch seconds.
    pub created: f64,
    pub modified: f64,
    pub policy: PasswordPolicy,
    /// Attributes whose change is verified by a code: `email`, `phone_number`.
    pub auto_verified: Vec<String>,
    /// What users sign in with instead of a username: `email`, `phone_number`.
    pub username_attributes: Vec<String>,
    pub alias_attributes: Vec<String>,
    /// The custom attributes the pool declares, as given (`custom:` prefixed on users).
    pub custom_schema: Vec<Json>,
    pub tags: BTreeMap<String, String>,
    /// Whether only administrators may create users.
    pub admin_create_only: bool,
    pub clients: BTreeMap<String, AppClient>,
    /// The RSA key its tokens are signed with.
    pub key: SigningKeyRecord,
}

/// The pool's password rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub temporary_validity_days: u32,
}

impl Default for PasswordPolicy {
    /// Cognito's defaults for a new pool.
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            temporary_validity_days: 7,
        }
    }
}

impl PasswordPolicy {
    pub fn view(&self) -> Json {
        json!({
            "MinimumLength": self.minimum_length,
            "RequireUppercase": self.require_uppercase,
            "RequireLowercase": self.require_lowercase,
            "RequireNumbers": self.require_numbers,
            "RequireSymbols": self.require_symbols,
            "TemporaryPasswordValidityDays": self.temporary_validity_days,
        })
    }
}

/// A pool's key pair: its id in the JWKS and the private key (PKCS #8, base64).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub pkcs8: String,
}

/// An app client: what a web page or a program signs users in through.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppClient {
    pub id: String,
    pub name: String,
    /// When set, every call through the client carries `SECRET_HASH`.
    pub secret: Option<String>,
    pub created: f64,
    pub modified: f64,
    /// `ALLOW_USER_PASSWORD_AUTH`, `ALLOW_REFRESH_TOKEN_AUTH`, `ALLOW_USER_SRP_AUTH`, …
    pub auth_flows: Vec<String>,
    /// Days a refresh token lasts.
    pub refresh_days: u32,
    /// `ENABLED` (unknown users refused as wrong passwords) or `LEGACY`.
    pub prevent_user_existence_errors: String,
}

impl AppClient {
    pub fn allows(&self, flow: &str) -> bool {
        self.auth_flows.iter().any(|allowed| allowed == flow)
    }

    pub fn view(&self, pool_id: &str) -> Json {
        let mut view = json!({
            "UserPoolId": pool_id,
            "ClientName": self.name,
            "ClientId": self.id,
            "LastModifiedDate": self.modified,
            "CreationDate": self.created,
            "RefreshTokenValidity": self.refresh_days,
            "TokenValidityUnits": {},
            "ExplicitAuthFlows": self.auth_flows,
            "AllowedOAuthFlowsUserPoolClient": false,
            "PreventUserExistenceErrors": self.prevent_user_existence_errors,
            "EnableTokenRevocation": true,
            "EnablePropagateAdditionalUserContextData": false,
            "AuthSessionValidity": 3,
        });
        if let Some(secret) = &self.secret {
            view["ClientSecret"] = json!(secret);
        }
        view
    }
}

/// A user's standing, as Cognito names it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum UserStatus {
    #[serde(rename = "UNCONFIRMED")]
    Unconfirmed,
    #[serde(rename = "CONFIRMED")]
    Confirmed,
    /// Created by an administrator with a temporary password.
    #[serde(rename = "FORCE_CHANGE_PASSWORD")]
    ForceChangePassword,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconfirmed => "UNCONFIRMED",
            Self::Confirmed => "CONFIRMED",
            Self::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
        }
    }
}

/// A code sent to a user, waiting to be typed back.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingCode {
    pub code: String,
    /// Epoch milliseconds.
    pub expires: i64,
}

/// A user of a pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// As the user signs in (for a pool with username attributes, the `sub`).
    pub username: String,
    pub sub: String,
    /// `email`, `email_verified`, `name`, `custom:…` — `sub` among them.
    pub attributes: BTreeMap<String, String>,
    pub status: UserStatus,
    pub enabled: bool,
    /// Epoch seconds.
    pub created: f64,
    pub modified: f64,
    /// The password, hashed (Argon2id, PHC string).
    pub password_hash: String,
    /// The password as SRP sign-ins check it (a salt and a verifier, never the password).
    #[serde(default)]
    pub srp: Option<Verifier>,
    /// When a temporary password stops working, epoch milliseconds.
    pub temporary_until: Option<i64>,
    pub pending: Option<PendingCode>,
    /// Its live sign-in sessions (each token names one as `origin_jti`); GlobalSignOut ends
    /// them all.
    pub sessions: Vec<Session>,
}

/// One sign-in: its id, the refresh token's hash and client, and when that token expires.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub client_id: String,
    /// SHA-256 of the refresh token, hex.
    pub refresh_hash: String,
    /// Epoch milliseconds.
    pub refresh_expires: i64,
    /// Epoch seconds of the sign-in (`auth_time`).
    pub auth_time: i64,
}

/// How many sessions a user keeps; the oldest go first.
pub const MAX_SESSIONS: usize = 50;

impl User {
    /// The attributes as Cognito lists them: `sub` first, then by name.
    pub fn attribute_list(&self) -> Vec<Json> {
        let sub = std::iter::once(json!({"Name": "sub", "Value": self.sub}));
        sub.chain(
            self.attributes
                .iter()
                .filter(|(name, _)| name.as_str() != "sub")
                .map(|(name, value)| json!({"Name": name, "Value": value})),
        )
        .collect()
    }

    /// As AdminGetUser answers (ListUsers uses `Attributes` instead of `UserAttributes`).
    pub fn view(&self, attributes_key: &str) -> Json {
        json!({
            "Username": self.username,
            attributes_key: self.attribute_list(),
            "UserCreateDate": self.created,
            "UserLastModifiedDate": self.modified,
            "Enabled": self.enabled,
            "UserStatus": self.status.as_str(),
        })
    }

    /// Sets the password: its Argon2 `hash` (made beforehand, it is slow) and the SRP verifier
    /// for this user of pool `pool_id`.
    pub fn set_password(&mut self, pool_id: &str, hash: String, password: &str) {
        self.password_hash = hash;
        self.keep_verifier(pool_id, password);
    }

    /// Keeps the SRP verifier of `password` for this user of pool `pool_id`.
    pub fn keep_verifier(&mut self, pool_id: &str, password: &str) {
        self.srp = Some(Verifier::new(
            srp::pool_name(pool_id),
            &self.username,
            password,
        ));
    }

    pub fn add_session(&mut self, session: Session) {
        if self.sessions.len() >= MAX_SESSIONS {
            self.sessions.remove(0);
        }
        self.sessions.push(session);
    }
}

/// The standard attributes every pool has, as DescribeUserPool lists them.
pub fn standard_schema() -> Vec<Json> {
    const STRINGS: [&str; 17] = [
        "profile",
        "address",
        "birthdate",
        "gender",
        "preferred_username",
        "locale",
        "given_name",
        "phone_number",
        "website",
        "middle_name",
        "name",
        "picture",
        "family_name",
        "nickname",
        "zoneinfo",
        "email",
        "identities",
    ];
    let string = |name: &str, mutable: bool| {
        json!({
            "Name": name, "AttributeDataType": "String", "DeveloperOnlyAttribute": false,
            "Mutable": mutable, "Required": false,
            "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"},
        })
    };
    let mut schema = vec![json!({
        "Name": "sub", "AttributeDataType": "String", "DeveloperOnlyAttribute": false,
        "Mutable": false, "Required": true,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"},
    })];
    schema.extend(STRINGS.iter().map(|name| string(name, true)));
    for name in ["email_verified", "phone_number_verified"] {
        schema.push(json!({
            "Name": name, "AttributeDataType": "Boolean", "DeveloperOnlyAttribute": false,
            "Mutable": true, "Required": false,
        }));
    }
    schema.push(json!({
        "Name": "updated_at", "AttributeDataType": "Number", "DeveloperOnlyAttribute": false,
        "Mutable": true, "Required": false,
        "NumberAttributeConstraints": {"MinValue": "0"},
    }));
    schema
}

/// Whether `name` is an attribute a pool knows: a standard one, or one of its custom ones.
pub fn knows_attribute(pool: &Pool, name: &str) -> bool {
    if let Some(custom) = name.strip_prefix("custom:") {
        return pool
            .custom_schema
            .iter()
            .any(|attribute| attribute["Name"].as_str() == Some(custom));
    }
    standard_schema()
        .iter()
        .any(|attribute| attribute["Name"].as_str() == Some(name))
}
