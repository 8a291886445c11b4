//! API Gateway's `AWS_IAM` authorization, for REST, HTTP and WebSocket APIs alike: the request
//! must be SigV4-signed for `execute-api` by a key the sandbox issued — an IAM user's access key,
//! an `AssumeRole` session, or a function's own session credentials — the signature must verify
//! with that key's secret, and the signer's identity policies must allow `execute-api:Invoke` on
//! the method's ARN. This is the only place the sandbox evaluates IAM policies (the inspection
//! feed says so with every decision).
//!
//! Keys the sandbox did not issue are refused as AWS refuses unknown keys, although the
//! sandbox's AWS APIs accept any credentials: the signature cannot be checked without the
//! secret, and an unknown key is what AWS would see.

use axum::http::{HeaderMap, StatusCode};

use super::ApiGateway;
use crate::iam::evaluate::{self, Evaluation};
use crate::iam::{Identity, Principal};
use crate::wire::sigv4::{self, SignatureError, SignedRequest};

/// How far a signature's date may be from the sandbox's clock: 15 minutes, as AWS allows.
const SKEW_MILLIS: i64 = 15 * 60 * 1000;

/// The request to authorize.
pub struct IamRequest<'a> {
    pub method: &'a str,
    /// The path as the client sent (and signed) it.
    pub signed_path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
    pub resource_arn: &'a str,
    pub region: &'a str,
}

impl<'a> IamRequest<'a> {
    /// The request an invoke URL received, for the method at `resource_arn`.
    pub fn of(incoming: &'a super::Incoming<'a>, resource_arn: &'a str, region: &'a str) -> Self {
        Self {
            method: incoming.method.as_str(),
            signed_path: incoming.signed_path,
            query: incoming.query,
            headers: incoming.headers,
            body: &incoming.body,
            resource_arn,
            region,
        }
    }
}

/// Who was let in.
#[derive(Debug, Clone)]
pub struct IamCaller {
    pub access_key: String,
    pub arn: String,
    pub user_id: String,
    pub account: String,
    /// Why, for the feed: the policy that allowed it, and what the sandbox could not weigh.
    pub reason: String,
}

impl IamCaller {
    /// `requestContext.authorizer` of a payload 2.0 event: the caller under `iam`.
    pub fn authorizer_context(&self) -> serde_json::Value {
        serde_json::json!({"iam": {
            "accessKey": self.access_key,
            "accountId": self.account,
            "callerId": self.user_id,
            "cognitoIdentity": null,
            "principalOrgId": null,
            "userArn": self.arn,
            "userId": self.user_id,
        }})
    }

    /// The feed's account of the decision.
    pub fn feed(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "AWS_IAM", "decision": "allowed", "principal": self.arn,
            "reason": self.reason, "note": EVALUATED_HERE,
        })
    }

    /// Fills a REST or payload 1.0 event's `requestContext.identity` with the caller.
    pub fn fill_identity(&self, identity: &mut serde_json::Value) {
        identity["accessKey"] = serde_json::json!(self.access_key);
        identity["accountId"] = serde_json::json!(self.account);
        identity["caller"] = serde_json::json!(self.user_id);
        identity["user"] = serde_json::json!(self.user_id);
        identity["userArn"] = serde_json::json!(self.arn);
    }
}

/// Why a request was refused: what kind of failure (REST APIs answer each with its own gateway
/// response), the message API Gateway answers with, and the reason in full for the feed.
#[derive(Debug, Clone)]
pub struct IamRefusal {
    pub kind: IamFailure,
    pub status: StatusCode,
    pub message: String,
    pub reason: String,
}

impl IamRefusal {
    /// The feed's account of the decision.
    pub fn feed(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "AWS_IAM", "decision": "refused", "reason": self.reason,
            "note": EVALUATED_HERE,
        })
    }
}

/// The kinds of `AWS_IAM` refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamFailure {
    /// Not signed at all.
    MissingToken,
    /// Signed with a key the sandbox did not issue, or without its session token.
    InvalidToken,
    /// Session credentials past their expiry, or a signature too old.
    Expired,
    /// The signature does not verify, or is for another service or region.
    InvalidSignature,
    /// The signer's policies do not allow the call.
    AccessDenied,
}

/// The note every decision carries.
pub const EVALUATED_HERE: &str =
    "the sandbox evaluates IAM policies for AWS_IAM authorization only";

fn refused(kind: IamFailure, message: &str, reason: impl Into<String>) -> IamRefusal {
    IamRefusal {
        kind,
        status: StatusCode::FORBIDDEN,
        message: message.to_owned(),
        reason: reason.into(),
    }
}

const INVALID_TOKEN: &str = "The security token included in the request is invalid.";

impl ApiGateway {
    /// Authorizes `request` as API Gateway's `AWS_IAM` authorization does.
    pub(in crate::apigw) fn authorize_iam(
        &self,
        request: &IamRequest<'_>,
    ) -> Result<IamCaller, IamRefusal> {
        let authorization = sigv4::authorization(request.headers).ok_or_else(|| {
            refused(
                IamFailure::MissingToken,
                "Missing Authentication Token",
                "the request is not signed: AWS_IAM authorization needs a SigV4 Authorization header",
            )
        })?;
        let scope: Vec<&str> = authorization.scope.split('/').collect();
        if scope.get(2) != Some(&"execute-api") {
            return Err(refused(
                IamFailure::InvalidSignature,
                "Credential should be scoped to correct service: 'execute-api'. ",
                format!(
                    "the signature is for {}, not execute-api",
                    authorization.scope
                ),
            ));
        }
        if scope.get(1) != Some(&request.region) {
            return Err(refused(
                IamFailure::InvalidSignature,
                &format!(
                    "Credential should be scoped to a valid region, not '{}'. ",
                    scope.get(1).unwrap_or(&"")
                ),
                format!(
                    "the signature is for another region than {}",
                    request.region
                ),
            ));
        }
        let principal = self.signer(&authorization.access_key).ok_or_else(|| {
            refused(
                IamFailure::InvalidToken,
                INVALID_TOKEN,
                format!(
                    "the access key {} was not issued by the sandbox (an IAM user's key, an \
                     AssumeRole session or a function's credentials sign here)",
                    authorization.access_key
                ),
            )
        })?;
        let now = crate::clock::now_millis();
        if let Some(token) = &principal.session_token {
            let sent = request
                .headers
                .get("x-amz-security-token")
                .and_then(|value| value.to_str().ok());
            if sent != Some(token.as_str()) {
                return Err(refused(
                    IamFailure::InvalidToken,
                    INVALID_TOKEN,
                    "session credentials were used without their session token (X-Amz-Security-Token)",
                ));
            }
        }
        if principal.expires.is_some_and(|expires| expires <= now) {
            return Err(refused(
                IamFailure::Expired,
                "The security token included in the request is expired",
                "the session credentials have expired",
            ));
        }
        let signed_at = request
            .headers
            .get("x-amz-date")
            .and_then(|value| value.to_str().ok())
            .and_then(crate::clock::parse_amz_date);
        match signed_at {
            Some(at) if (at - now).abs() <= SKEW_MILLIS => {}
            _ => {
                return Err(refused(
                    IamFailure::Expired,
                    "Signature expired: the request's X-Amz-Date is more than 15 minutes from now.",
                    "the signature's X-Amz-Date is missing or more than 15 minutes from the sandbox's clock",
                ));
            }
        }
        let signed = SignedRequest {
            method: request.method,
            path: request.signed_path,
            query: request.query,
            headers: request.headers,
            body: request.body,
        };
        sigv4::verify(&signed, &authorization, &principal.secret).map_err(|failure| {
            let reason = match failure {
                SignatureError::Mismatch => {
                    "the signature does not match the request and the key's secret".to_owned()
                }
                other => other.to_string(),
            };
            refused(
                IamFailure::InvalidSignature,
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details.",
                reason,
            )
        })?;
        let policies = self
            .iam()
            .map(|iam| iam.identity_policies(&principal.account, &principal.identity))
            .unwrap_or_default();
        let Evaluation {
            allowed,
            reason,
            notes,
        } = evaluate::evaluate(&policies, "execute-api:Invoke", request.resource_arn);
        let mut reason = format!("{}: {reason}", principal.arn);
        for note in &notes {
            reason.push_str(&format!("; {note}"));
        }
        if !allowed {
            let explicit = if reason.contains("explicitly denied") {
                " with an explicit deny"
            } else {
                ""
            };
            return Err(refused(
                IamFailure::AccessDenied,
                &format!(
                    "User: {} is not authorized to perform: execute-api:Invoke on resource: {}{explicit}",
                    principal.arn, request.resource_arn
                ),
                reason,
            ));
        }
        Ok(IamCaller {
            access_key: authorization.access_key,
            arn: principal.arn,
            user_id: principal.user_id,
            account: principal.account,
            reason,
        })
    }

    /// The principal a key the sandbox issued belongs to: an IAM user or assumed role, or a
    /// function's environment (signing as its execution role).
    fn signer(&self, access_key: &str) -> Option<Principal> {
        if let Some(principal) = self.iam().and_then(|iam| iam.principal(access_key)) {
            return Some(principal);
        }
        let (caller, secret) = self.lambda.signer(access_key)?;
        let role = caller
            .role
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let account = caller.role.split(':').nth(4).unwrap_or_default().to_owned();
        Some(Principal {
            arn: format!(
                "arn:aws:sts::{account}:assumed-role/{role}/{}",
                caller.function
            ),
            user_id: format!("{role}:{}", caller.function),
            account,
            secret,
            session_token: None,
            expires: None,
            identity: Identity::Role(role),
        })
    }
}
