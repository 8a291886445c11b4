//! The identity actions a step can name — a Cognito user pool, its app client, a user who signs
//! up and is confirmed, and API Gateway authorizers (HTTP API JWT/REQUEST, REST API
//! COGNITO_USER_POOLS/TOKEN/REQUEST) — with their parameters, their strings and the AWS CLI
//! commands that do the same.

use serde::Deserialize;

use super::cli::CliCommand;

/// `cognito-idp.create-user-pool`: a user pool, tagged as the lab's.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUserPool {
    pub name: String,
    /// What users sign in with instead of a username: `email`, `phone_number`.
    #[serde(default)]
    pub username_attributes: Vec<String>,
    /// Attributes verified with a code sent to them: `email`, `phone_number`.
    #[serde(default)]
    pub auto_verified: Vec<String>,
    /// The password policy's minimum length (Cognito's defaults otherwise: 8 characters, with
    /// upper and lower case, a number and a symbol).
    pub minimum_password_length: Option<i32>,
}

/// `cognito-idp.create-user-pool-client`: an app client of a pool, found again by its name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUserPoolClient {
    pub pool: String,
    pub name: String,
    /// `ALLOW_USER_SRP_AUTH` and `ALLOW_REFRESH_TOKEN_AUTH` (what a web page signs in with)
    /// unless given.
    #[serde(default = "browser_flows")]
    pub auth_flows: Vec<String>,
    /// A client secret makes every call carry a `SECRET_HASH`: web pages do without.
    #[serde(default)]
    pub generate_secret: bool,
}

/// `cognito-idp.sign-up`: a user signs up through an app client and is confirmed with the code
/// Cognito sends (read from the sandbox's mailbox; on AWS, typed by the student).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    pub pool: String,
    pub client: String,
    pub username: String,
    pub password: String,
    pub email: Option<String>,
}

/// `apigatewayv2.create-authorizer`: a JWT authorizer (a user pool's tokens) or a Lambda
/// REQUEST authorizer of an HTTP or WebSocket API, found again by its name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAuthorizer {
    pub api: String,
    pub name: String,
    /// `JWT` or `REQUEST`.
    pub authorizer_type: String,
    /// `$request.header.Authorization` unless given.
    #[serde(default = "bearer_header")]
    pub identity_source: Vec<String>,
    /// A JWT authorizer's issuer (a user pool's `https://cognito-idp.{region}.amazonaws.com/{id}`).
    pub issuer: Option<String>,
    /// A JWT authorizer's audiences (app client ids).
    #[serde(default)]
    pub audience: Vec<String>,
    /// A REQUEST authorizer's function, as an invocation URI or its ARN.
    pub uri: Option<String>,
    /// A REQUEST authorizer's payload version (`2.0` unless given).
    pub payload_format_version: Option<String>,
    #[serde(default)]
    pub simple_responses: bool,
}

/// `apigateway.create-authorizer`: a REST API's COGNITO_USER_POOLS, TOKEN or REQUEST
/// authorizer, found again by its name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRestAuthorizer {
    pub api: String,
    pub name: String,
    /// `COGNITO_USER_POOLS`, `TOKEN` or `REQUEST`.
    pub authorizer_type: String,
    /// The user pools' ARNs, for `COGNITO_USER_POOLS`.
    #[serde(default)]
    pub provider_arns: Vec<String>,
    /// The function's invocation URI, for `TOKEN` and `REQUEST`.
    pub uri: Option<String>,
    /// `method.request.header.Authorization` unless given.
    #[serde(default = "authorization_header")]
    pub identity_source: String,
}

fn browser_flows() -> Vec<String> {
    vec![
        "ALLOW_USER_SRP_AUTH".to_owned(),
        "ALLOW_REFRESH_TOKEN_AUTH".to_owned(),
    ]
}

fn bearer_header() -> Vec<String> {
    vec!["$request.header.Authorization".to_owned()]
}

fn authorization_header() -> String {
    "method.request.header.Authorization".to_owned()
}

/// The AWS CLI's `--policies` for a minimum password length.
pub fn password_policy(length: i32) -> String {
    format!("PasswordPolicy={{MinimumLength={length}}}")
}

impl CreateUserPool {
    pub fn texts(&self) -> Vec<&String> {
        let mut texts = vec![&self.name];
        texts.extend(&self.username_attributes);
        texts.extend(&self.auto_verified);
        texts
    }

    pub fn cli(&self, fill: &dyn Fn(&str) -> String, tags: &str) -> Vec<CliCommand> {
        let list = |values: &[String]| values.iter().map(|value| fill(value)).collect::<Vec<_>>();
        let mut command =
            CliCommand::new("cognito-idp", "create-user-pool").arg("pool-name", fill(&self.name));
        if !self.username_attributes.is_empty() {
            command = command.args("username-attributes", list(&self.username_attributes));
        }
        if !self.auto_verified.is_empty() {
            command = command.args("auto-verified-attributes", list(&self.auto_verified));
        }
        vec![
            command
                .arg_opt(
                    "policies",
                    self.minimum_password_length.map(password_policy),
                )
                .arg("user-pool-tags", tags.to_owned()),
        ]
    }
}

impl CreateUserPoolClient {
    pub fn texts(&self) -> Vec<&String> {
        let mut texts = vec![&self.pool, &self.name];
        texts.extend(&self.auth_flows);
        texts
    }

    pub fn cli(&self, fill: &dyn Fn(&str) -> String) -> Vec<CliCommand> {
        let command = CliCommand::new("cognito-idp", "create-user-pool-client")
            .arg("user-pool-id", fill(&self.pool))
            .arg("client-name", fill(&self.name))
            .args(
                "explicit-auth-flows",
                self.auth_flows.iter().map(|flow| fill(flow)),
            );
        vec![if self.generate_secret {
            command.flag("generate-secret")
        } else {
            command.flag("no-generate-secret")
        }]
    }
}

impl SignUp {
    pub fn texts(&self) -> Vec<&String> {
        let mut texts = vec![&self.pool, &self.client, &self.username, &self.password];
        texts.extend(&self.email);
        texts
    }

    pub fn cli(&self, fill: &dyn Fn(&str) -> String) -> Vec<CliCommand> {
        let sign_up = CliCommand::new("cognito-idp", "sign-up")
            .arg("client-id", fill(&self.client))
            .arg("username", fill(&self.username))
            .arg("password", fill(&self.password))
            .arg_opt(
                "user-attributes",
                self.email
                    .as_deref()
                    .map(|email| format!("Name=email,Value={}", fill(email))),
            );
        let confirm = CliCommand::new("cognito-idp", "confirm-sign-up")
            .arg("client-id", fill(&self.client))
            .arg("username", fill(&self.username))
            .arg("confirmation-code", "${CODE}");
        vec![sign_up, confirm]
    }
}

impl CreateAuthorizer {
    pub fn texts(&self) -> Vec<&String> {
        let mut texts = vec![&self.api, &self.name, &self.authorizer_type];
        texts.extend(&self.identity_source);
        texts.extend(&self.issuer);
        texts.extend(&self.audience);
        texts.extend(&self.uri);
        texts.extend(&self.payload_format_version);
        texts
    }

    pub fn cli(&self, fill: &dyn Fn(&str) -> String) -> Vec<CliCommand> {
        let mut command = CliCommand::new("apigatewayv2", "create-authorizer")
            .arg("api-id", fill(&self.api))
            .arg("name", fill(&self.name))
            .arg("authorizer-type", fill(&self.authorizer_type))
            .args(
                "identity-source",
                self.identity_source.iter().map(|source| fill(source)),
            );
        if let Some(issuer) = &self.issuer {
            let audience: Vec<String> = self.audience.iter().map(|a| fill(a)).collect();
            command = command.arg(
                "jwt-configuration",
                format!("Audience={},Issuer={}", audience.join(","), fill(issuer)),
            );
        }
        if let Some(uri) = &self.uri {
            command = command.arg("authorizer-uri", fill(uri)).arg(
                "authorizer-payload-format-version",
                self.payload_format_version
                    .as_deref()
                    .map_or_else(|| "2.0".to_owned(), fill),
            );
            if self.simple_responses {
                command = command.flag("enable-simple-responses");
            }
        }
        vec![command]
    }
}

impl CreateRestAuthorizer {
    pub fn texts(&self) -> Vec<&String> {
        let mut texts = vec![
            &self.api,
            &self.name,
            &self.authorizer_type,
            &self.identity_source,
        ];
        texts.extend(&self.provider_arns);
        texts.extend(&self.uri);
        texts
    }

    pub fn cli(&self, fill: &dyn Fn(&str) -> String) -> Vec<CliCommand> {
        let mut command = CliCommand::new("apigateway", "create-authorizer")
            .arg("rest-api-id", fill(&self.api))
            .arg("name", fill(&self.name))
            .arg("type", fill(&self.authorizer_type))
            .arg("identity-source", fill(&self.identity_source));
        if !self.provider_arns.is_empty() {
            command = command.args(
                "provider-arns",
                self.provider_arns.iter().map(|arn| fill(arn)),
            );
        }
        vec![command.arg_opt("authorizer-uri", self.uri.as_deref().map(fill))]
    }
}
