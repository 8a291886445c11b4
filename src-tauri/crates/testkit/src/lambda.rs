//! Lambda set-up shared by tests that drive an in-process sandbox and those that drive `lab
//! sandbox`: a Python function from its source, and API Gateway's permission to invoke one.

use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};

use crate::ACCOUNT;

/// Creates a Python 3.12 function `name` whose `app.handler` is `source`; returns its ARN.
pub async fn create_python_function(lambda: &Client, name: &str, source: &str) -> String {
    let zip = lab_sandbox::lambda::package::zip_files(&[("app.py", source.as_bytes(), 0o644)]);
    lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(format!("arn:aws:iam::{ACCOUNT}:role/LabRole"))
        .handler("app.handler")
        .timeout(5)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("the function is created")
        .function_arn
        .unwrap_or_default()
}

/// Lets API Gateway invoke `function` under the statement `statement_id`, from `source_arn`
/// only when one is given.
pub async fn permit_gateway(
    lambda: &Client,
    function: &str,
    statement_id: &str,
    source_arn: Option<String>,
) {
    lambda
        .add_permission()
        .function_name(function)
        .statement_id(statement_id)
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .set_source_arn(source_arn)
        .send()
        .await
        .expect("the permission is added");
}
