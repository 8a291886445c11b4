//! STS (query protocol, XML): `GetCallerIdentity`, so the SDK and the CLI can learn the account
//! and who they sign as. (`AssumeRole` is IAM's: [`crate::iam::Iam::assume_role`].)

use crate::iam::Principal;
use crate::wire::xml_escape;

/// The XML answer to `GetCallerIdentity`: the user or assumed role whose key signed it, else the
/// account's root user (the sandbox takes any other credentials as the account's own).
pub fn get_caller_identity(
    account_id: &str,
    signer: Option<&Principal>,
    request_id: &str,
) -> String {
    let (arn, user_id, account) = match signer {
        Some(principal) => (
            principal.arn.clone(),
            principal.user_id.clone(),
            principal.account.clone(),
        ),
        None => (
            format!("arn:aws:iam::{account_id}:root"),
            account_id.to_owned(),
            account_id.to_owned(),
        ),
    };
    format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetCallerIdentityResult>\
         <Arn>{}</Arn>\
         <UserId>{}</UserId>\
         <Account>{}</Account>\
         </GetCallerIdentityResult>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\
         </GetCallerIdentityResponse>",
        xml_escape(&arn),
        xml_escape(&user_id),
        xml_escape(&account)
    )
}
