//! STS (query protocol, XML): `GetCallerIdentity`, so the SDK and the CLI can learn the account.

/// The XML answer to `GetCallerIdentity` for the sandbox's account: its root user.
pub fn get_caller_identity(account_id: &str, request_id: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetCallerIdentityResult>\
         <Arn>arn:aws:iam::{account_id}:root</Arn>\
         <UserId>{account_id}</UserId>\
         <Account>{account_id}</Account>\
         </GetCallerIdentityResult>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\
         </GetCallerIdentityResponse>"
    )
}
