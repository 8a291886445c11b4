//! One function per Cognito user pool operation: [`pools`] the pools, [`clients`] their app
//! clients, [`users`] sign-up, confirmation and the administrators' user operations, [`auth`]
//! signing in, refreshing, reading one's own user and signing out. Each changes the region's
//! pools and answers with its output and the mutations that make the change durable.
//!
//! Operations the sandbox does not serve yet answer `UnknownOperationException`, naming them.

mod auth;
mod clients;
mod pools;
mod users;

use serde_json::Value as Json;

use super::mailbox::Mailbox;
use super::{Pools, error};
use crate::store::{Mutation, Scope};
use crate::wire::AwsError;

pub(super) type Answer = Result<(Json, Vec<Mutation>), AwsError>;

/// What an operation runs with besides the region's pools.
pub(super) struct Context<'a> {
    pub scope: &'a Scope,
    /// The issuer of a pool's tokens.
    pub issuer: &'a (dyn Fn(&str) -> String + Sync),
    pub mailbox: &'a Mailbox,
}

/// Where an operation's state is.
pub(super) enum Target<'a> {
    /// The region the request is signed for.
    Region,
    /// The region a pool's id names.
    Pool(&'a str),
    /// The region whose pool has this app client.
    Client(&'a str),
    /// The region of the pool that issued this access token.
    Token(&'a str),
}

/// A request: its operation and its body.
pub(super) struct Request {
    operation: String,
    body: Json,
}

/// The operations served, and what each finds its state by.
const POOL_OPERATIONS: [&str; 17] = [
    "DescribeUserPool",
    "UpdateUserPool",
    "UpdateUserPoolClient",
    "AdminDisableUser",
    "AdminEnableUser",
    "DeleteUserPool",
    "CreateUserPoolClient",
    "DescribeUserPoolClient",
    "ListUserPoolClients",
    "DeleteUserPoolClient",
    "AdminCreateUser",
    "AdminConfirmSignUp",
    "AdminGetUser",
    "AdminDeleteUser",
    "AdminSetUserPassword",
    "AdminInitiateAuth",
    "ListUsers",
];
const CLIENT_OPERATIONS: [&str; 7] = [
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "InitiateAuth",
    "RespondToAuthChallenge",
];
const TOKEN_OPERATIONS: [&str; 2] = ["GetUser", "GlobalSignOut"];
/// Whether `operation` is one Cognito serves without AWS credentials: called by a page or an
/// app with an app client's id or a user's access token.
pub fn is_public(operation: &str) -> bool {
    CLIENT_OPERATIONS.contains(&operation) || TOKEN_OPERATIONS.contains(&operation)
}

const REGION_OPERATIONS: [&str; 2] = ["CreateUserPool", "ListUserPools"];

impl Request {
    /// Reads the body (JSON, nested at most as deep as serde allows) of a served operation.
    pub fn parse(operation: &str, body: &[u8]) -> Result<Self, AwsError> {
        let served = [
            &POOL_OPERATIONS[..],
            &CLIENT_OPERATIONS,
            &TOKEN_OPERATIONS,
            &REGION_OPERATIONS,
        ]
        .iter()
        .any(|operations| operations.contains(&operation));
        if !served {
            return Err(AwsError::unknown_operation(&format!(
                "{}{operation}",
                super::TARGET_PREFIX
            )));
        }
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            Json::Object(serde_json::Map::new())
        } else {
            serde_json::from_slice(body).map_err(|failure| {
                error(
                    "SerializationException",
                    format!("Malformed request body: {failure}"),
                )
            })?
        };
        if !body.is_object() {
            return Err(error(
                "SerializationException",
                "Start of structure or map found where not expected.",
            ));
        }
        Ok(Self {
            operation: operation.to_owned(),
            body,
        })
    }

    /// Where its state is: the member that names it must be there.
    pub fn target(&self) -> Result<Target<'_>, AwsError> {
        let operation = self.operation.as_str();
        Ok(if POOL_OPERATIONS.contains(&operation) {
            Target::Pool(required(&self.body, "UserPoolId")?)
        } else if CLIENT_OPERATIONS.contains(&operation) {
            Target::Client(required(&self.body, "ClientId")?)
        } else if TOKEN_OPERATIONS.contains(&operation) {
            Target::Token(required(&self.body, "AccessToken")?)
        } else {
            Target::Region
        })
    }

    pub fn run(&self, context: &Context<'_>, pools: &mut Pools) -> Answer {
        let body = &self.body;
        match self.operation.as_str() {
            "CreateUserPool" => pools::create(context, pools, body),
            "DescribeUserPool" => pools::describe(pools, body),
            "UpdateUserPool" => pools::update(context, pools, body),
            "ListUserPools" => pools::list(pools, body),
            "DeleteUserPool" => pools::delete(context, pools, body),
            "CreateUserPoolClient" => clients::create(context, pools, body),
            "DescribeUserPoolClient" => clients::describe(pools, body),
            "UpdateUserPoolClient" => clients::update(context, pools, body),
            "ListUserPoolClients" => clients::list(pools, body),
            "DeleteUserPoolClient" => clients::delete(context, pools, body),
            "SignUp" => users::sign_up(context, pools, body),
            "ConfirmSignUp" => users::confirm_sign_up(context, pools, body),
            "ResendConfirmationCode" => users::resend_code(context, pools, body),
            "ForgotPassword" => users::forgot_password(context, pools, body),
            "ConfirmForgotPassword" => users::confirm_forgot_password(context, pools, body),
            "AdminCreateUser" => users::admin_create(context, pools, body),
            "AdminConfirmSignUp" => users::admin_confirm(context, pools, body),
            "AdminGetUser" => users::admin_get(pools, body),
            "AdminDeleteUser" => users::admin_delete(context, pools, body),
            "AdminDisableUser" => users::admin_set_enabled(context, pools, body, false),
            "AdminEnableUser" => users::admin_set_enabled(context, pools, body, true),
            "AdminSetUserPassword" => users::admin_set_password(context, pools, body),
            "ListUsers" => users::list(pools, body),
            "InitiateAuth" => auth::initiate(context, pools, body, false),
            "AdminInitiateAuth" => auth::initiate(context, pools, body, true),
            "RespondToAuthChallenge" => auth::respond(context, pools, body),
            "GetUser" => auth::get_user(pools, body),
            "GlobalSignOut" => auth::sign_out(context, pools, body),
            other => Err(AwsError::unknown_operation(other)),
        }
    }
}

/// A string member that must be there, with AWS's validation error when it is not.
pub(super) fn required<'a>(body: &'a Json, member: &str) -> Result<&'a str, AwsError> {
    body[member].as_str().ok_or_else(|| {
        invalid(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            crate::wire::lower_camel(member)
        ))
    })
}

/// A string member that may be absent.
pub(super) fn optional<'a>(body: &'a Json, member: &str) -> Option<&'a str> {
    body[member].as_str()
}

pub(super) fn invalid(message: impl Into<String>) -> AwsError {
    error("InvalidParameterException", message)
}

pub(crate) fn pool_missing(pool_id: &str) -> AwsError {
    error(
        "ResourceNotFoundException",
        format!("User pool {pool_id} does not exist."),
    )
}

pub(crate) fn client_missing(client_id: &str) -> AwsError {
    error(
        "ResourceNotFoundException",
        format!("User pool client {client_id} does not exist."),
    )
}

fn user_missing() -> AwsError {
    error("UserNotFoundException", "User does not exist.")
}

/// Epoch seconds with milliseconds, as Cognito's dates are.
pub(super) fn now_seconds() -> f64 {
    crate::clock::now_millis() as f64 / 1000.0
}
