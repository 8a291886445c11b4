//! Lambda's operations on the request URIs of AWS's API reference, for the sandbox's one
//! restJson router.

use axum::http::Method;

use super::Lambda;
use crate::wire::rest::{Call, Handler, Pending, Route};

const fn control(
    method: Method,
    path: &'static str,
    operation: &'static str,
    handler: fn(
        &Lambda,
        &crate::store::Scope,
        &Call,
    ) -> Result<crate::wire::Reply, crate::wire::AwsError>,
) -> Route<Lambda> {
    Route {
        method,
        path,
        operation,
        handler: Handler::Control(handler),
    }
}

fn invoke<'a>(lambda: &'a Lambda, scope: &'a crate::store::Scope, call: &'a Call) -> Pending<'a> {
    Box::pin(lambda.invoke(scope, call))
}

/// Every operation the sandbox's Lambda serves.
pub static ROUTES: &[Route<Lambda>] = &[
    Route {
        method: Method::POST,
        path: "/2015-03-31/functions/{FunctionName}/invocations",
        operation: "Invoke",
        handler: Handler::Run(invoke),
    },
    control(
        Method::GET,
        "/2016-08-19/account-settings",
        "GetAccountSettings",
        Lambda::account_settings,
    ),
    control(
        Method::POST,
        "/2015-03-31/functions",
        "CreateFunction",
        Lambda::create_function,
    ),
    control(
        Method::GET,
        "/2015-03-31/functions",
        "ListFunctions",
        Lambda::list_functions,
    ),
    control(
        Method::GET,
        "/2015-03-31/functions/{FunctionName}",
        "GetFunction",
        Lambda::get_function,
    ),
    control(
        Method::GET,
        "/2015-03-31/functions/{FunctionName}/configuration",
        "GetFunctionConfiguration",
        Lambda::get_configuration,
    ),
    control(
        Method::DELETE,
        "/2015-03-31/functions/{FunctionName}",
        "DeleteFunction",
        Lambda::delete_function,
    ),
    control(
        Method::PUT,
        "/2015-03-31/functions/{FunctionName}/code",
        "UpdateFunctionCode",
        Lambda::update_code,
    ),
    control(
        Method::PUT,
        "/2015-03-31/functions/{FunctionName}/configuration",
        "UpdateFunctionConfiguration",
        Lambda::update_configuration,
    ),
    control(
        Method::POST,
        "/2015-03-31/functions/{FunctionName}/versions",
        "PublishVersion",
        Lambda::publish_version,
    ),
    control(
        Method::GET,
        "/2015-03-31/functions/{FunctionName}/versions",
        "ListVersionsByFunction",
        Lambda::list_versions,
    ),
    control(
        Method::POST,
        "/2015-03-31/functions/{FunctionName}/aliases",
        "CreateAlias",
        Lambda::create_alias,
    ),
    control(
        Method::GET,
        "/2015-03-31/functions/{FunctionName}/aliases",
        "ListAliases",
        Lambda::list_aliases,
    ),
    control(
        Method::GET,
        "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
        "GetAlias",
        Lambda::get_alias,
    ),
    control(
        Method::PUT,
        "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
        "UpdateAlias",
        Lambda::update_alias,
    ),
    control(
        Method::DELETE,
        "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
        "DeleteAlias",
        Lambda::delete_alias,
    ),
    control(
        Method::POST,
        "/2015-03-31/functions/{FunctionName}/policy",
        "AddPermission",
        Lambda::add_permission,
    ),
    control(
        Method::GET,
        "/2015-03-31/functions/{FunctionName}/policy",
        "GetPolicy",
        Lambda::get_policy,
    ),
    control(
        Method::DELETE,
        "/2015-03-31/functions/{FunctionName}/policy/{StatementId}",
        "RemovePermission",
        Lambda::remove_permission,
    ),
    control(
        Method::PUT,
        "/2017-10-31/functions/{FunctionName}/concurrency",
        "PutFunctionConcurrency",
        Lambda::put_concurrency,
    ),
    control(
        Method::GET,
        "/2019-09-30/functions/{FunctionName}/concurrency",
        "GetFunctionConcurrency",
        Lambda::get_concurrency,
    ),
    control(
        Method::DELETE,
        "/2017-10-31/functions/{FunctionName}/concurrency",
        "DeleteFunctionConcurrency",
        Lambda::delete_concurrency,
    ),
    control(
        Method::POST,
        "/2017-03-31/tags/{Resource}",
        "TagResource",
        Lambda::tag_resource,
    ),
    control(
        Method::DELETE,
        "/2017-03-31/tags/{Resource}",
        "UntagResource",
        Lambda::untag_resource,
    ),
    control(
        Method::GET,
        "/2017-03-31/tags/{Resource}",
        "ListTags",
        Lambda::list_tags,
    ),
];
