//! SRP sign-in (`USER_SRP_AUTH`, then `PASSWORD_VERIFIER`) checked by a client we did not
//! write: pycognito's `AWSSRP` over boto3, as Python programs sign in to Cognito. The pool signs
//! users in by email, so the SRP identity is the user's `sub`, and the app client has a secret,
//! so every step carries a `SECRET_HASH`.

use serde_json::Value;

use crate::fixture::Sandbox;
use crate::outside_clients::{run, stdout_text};

const SCRIPT: &str = r#"
import json, sys
import boto3
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP, ForceChangePasswordException

idp = boto3.client("cognito-idp", endpoint_url=sys.argv[1])
pool = idp.create_user_pool(PoolName="srp", UsernameAttributes=["email"],
                            AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
app = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", GenerateSecret=True,
                                  ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                                  PreventUserExistenceErrors="ENABLED")["UserPoolClient"]
legacy = idp.create_user_pool_client(UserPoolId=pool, ClientName="legacy",
                                     ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"],
                                     PreventUserExistenceErrors="LEGACY")["UserPoolClient"]["ClientId"]
password_only = idp.create_user_pool_client(UserPoolId=pool, ClientName="password",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
idp.admin_create_user(UserPoolId=pool, Username="ana@example.com", MessageAction="SUPPRESS",
                      TemporaryPassword="Temporary1!")
idp.admin_create_user(UserPoolId=pool, Username="ben@example.com", MessageAction="SUPPRESS",
                      TemporaryPassword="Temporary1!")
idp.admin_set_user_password(UserPoolId=pool, Username="ana@example.com", Password="Passw0rd!",
                            Permanent=True)

def srp(username, password, client_id=app["ClientId"], secret=app["ClientSecret"]):
    try:
        tokens = AWSSRP(username=username, password=password, pool_id=pool, client_id=client_id,
                        client=idp, client_secret=secret).authenticate_user()
        return tokens["AuthenticationResult"]
    except ForceChangePasswordException:
        return "NEW_PASSWORD_REQUIRED"
    except ClientError as error:
        return error.response["Error"]["Code"] + ": " + error.response["Error"]["Message"]

results = {}
signed_in = srp("ana@example.com", "Passw0rd!")
user = idp.get_user(AccessToken=signed_in["AccessToken"])
results["user"] = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
results["username"] = user["Username"]
results["wrong_password"] = srp("ana@example.com", "Passw0rd?")
results["unknown_user"] = srp("nobody@example.com", "Passw0rd!")
results["unknown_user_legacy"] = srp("nobody@example.com", "Passw0rd!", legacy, None)
results["temporary_password"] = srp("ben@example.com", "Temporary1!")
results["flow_not_allowed"] = srp("ana@example.com", "Passw0rd!", password_only, None)
results["legacy_client"] = "IdToken" in srp("ana@example.com", "Passw0rd!", legacy, None)
try:
    idp.respond_to_auth_challenge(ClientId=legacy, ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses={"USERNAME": "ana@example.com", "PASSWORD_CLAIM_SECRET_BLOCK": "AAAA",
                            "PASSWORD_CLAIM_SIGNATURE": "AAAA",
                            "TIMESTAMP": "Mon Dec 7 21:43:31 UTC 2026"})
    results["forged_claim"] = "accepted"
except ClientError as error:
    results["forged_claim"] = error.response["Error"]["Code"] + ": " + error.response["Error"]["Message"]
print(json.dumps(results))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pycognito_signs_in_with_srp_and_a_wrong_password_is_refused() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start().await;
    let home = tempfile::tempdir().unwrap();
    let output = run(
        tools.join("bin/python3"),
        &["-c", SCRIPT, &sandbox.running.endpoint()],
        home.path(),
    );
    let results: Value = serde_json::from_str(stdout_text(&output).trim()).unwrap();
    assert_eq!(results["user"]["email"], "ana@example.com", "{results}");
    assert_eq!(
        results["username"], results["user"]["sub"],
        "a pool that signs in by email names its users by their sub"
    );
    let wrong = "NotAuthorizedException: Incorrect username or password.";
    assert_eq!(results["wrong_password"], wrong);
    assert_eq!(
        results["unknown_user"], wrong,
        "a client that prevents user existence errors answers an unknown user as a wrong password"
    );
    assert_eq!(
        results["unknown_user_legacy"],
        "UserNotFoundException: User does not exist."
    );
    assert_eq!(results["temporary_password"], "NEW_PASSWORD_REQUIRED");
    assert_eq!(
        results["flow_not_allowed"],
        "InvalidParameterException: USER_SRP_AUTH flow not enabled for this client"
    );
    assert_eq!(results["legacy_client"], true);
    assert_eq!(
        results["forged_claim"],
        "NotAuthorizedException: Invalid session for the user."
    );
}
