//! API Gateway v1's management operations for REST APIs on the request URIs of AWS's API
//! reference, for the sandbox's one restJson router.

use axum::http::Method;

use crate::apigw::ApiGateway;
use crate::apigw::routes::control as route;
use crate::wire::rest::Route;

const METHOD: &str = "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}";

macro_rules! under_method {
    ($suffix:literal) => {
        concat!(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
            $suffix
        )
    };
}

/// Every REST API operation the sandbox's API Gateway serves.
pub static ROUTES: &[Route<ApiGateway>] = &[
    route(Method::POST, "/restapis", "CreateRestApi", ApiGateway::create_rest_api),
    route(Method::GET, "/restapis", "GetRestApis", ApiGateway::get_rest_apis),
    route(Method::GET, "/restapis/{restapi_id}", "GetRestApi", ApiGateway::get_rest_api),
    route(Method::PATCH, "/restapis/{restapi_id}", "UpdateRestApi", ApiGateway::update_rest_api),
    route(Method::DELETE, "/restapis/{restapi_id}", "DeleteRestApi", ApiGateway::delete_rest_api),
    route(
        Method::GET,
        "/restapis/{restapi_id}/resources",
        "GetResources",
        ApiGateway::get_resources,
    ),
    route(
        Method::POST,
        "/restapis/{restapi_id}/resources/{parent_id}",
        "CreateResource",
        ApiGateway::create_resource,
    ),
    route(
        Method::GET,
        "/restapis/{restapi_id}/resources/{resource_id}",
        "GetResource",
        ApiGateway::get_resource,
    ),
    route(
        Method::PATCH,
        "/restapis/{restapi_id}/resources/{resource_id}",
        "UpdateResource",
        ApiGateway::update_resource,
    ),
    route(
        Method::DELETE,
        "/restapis/{restapi_id}/resources/{resource_id}",
        "DeleteResource",
        ApiGateway::delete_resource,
    ),
    route(Method::PUT, METHOD, "PutMethod", ApiGateway::put_method),
    route(Method::GET, METHOD, "GetMethod", ApiGateway::get_method),
    route(Method::PATCH, METHOD, "UpdateMethod", ApiGateway::update_method),
    route(Method::DELETE, METHOD, "DeleteMethod", ApiGateway::delete_method),
    route(
        Method::PUT,
        under_method!("/responses/{status_code}"),
        "PutMethodResponse",
        ApiGateway::put_method_response,
    ),
    route(
        Method::GET,
        under_method!("/responses/{status_code}"),
        "GetMethodResponse",
        ApiGateway::get_method_response,
    ),
    route(
        Method::DELETE,
        under_method!("/responses/{status_code}"),
        "DeleteMethodResponse",
        ApiGateway::delete_method_response,
    ),
    route(
        Method::PUT,
        under_method!("/integration"),
        "PutIntegration",
        ApiGateway::put_integration,
    ),
    route(
        Method::GET,
        under_method!("/integration"),
        "GetIntegration",
        ApiGateway::rest_get_integration,
    ),
    route(
        Method::PATCH,
        under_method!("/integration"),
        "UpdateIntegration",
        ApiGateway::rest_update_integration,
    ),
    route(
        Method::DELETE,
        under_method!("/integration"),
        "DeleteIntegration",
        ApiGateway::rest_delete_integration,
    ),
    route(
        Method::PUT,
        under_method!("/integration/responses/{status_code}"),
        "PutIntegrationResponse",
        ApiGateway::put_integration_response,
    ),
    route(
        Method::GET,
        under_method!("/integration/responses/{status_code}"),
        "GetIntegrationResponse",
        ApiGateway::rest_get_integration_response,
    ),
    route(
        Method::DELETE,
        under_method!("/integration/responses/{status_code}"),
        "DeleteIntegrationResponse",
        ApiGateway::rest_delete_integration_response,
    ),
    route(
        Method::POST,
        "/restapis/{restapi_id}/deployments",
        "CreateDeployment",
        ApiGateway::rest_create_deployment,
    ),
    route(
        Method::GET,
        "/restapis/{restapi_id}/deployments",
        "GetDeployments",
        ApiGateway::rest_get_deployments,
    ),
    route(
        Method::GET,
        "/restapis/{restapi_id}/deployments/{deployment_id}",
        "GetDeployment",
        ApiGateway::rest_get_deployment,
    ),
    route(
        Method::PATCH,
        "/restapis/{restapi_id}/deployments/{deployment_id}",
        "UpdateDeployment",
        ApiGateway::update_deployment,
    ),
    route(
        Method::DELETE,
        "/restapis/{restapi_id}/deployments/{deployment_id}",
        "DeleteDeployment",
        ApiGateway::rest_delete_deployment,
    ),
    route(
        Method::POST,
        "/restapis/{restapi_id}/stages",
        "CreateStage",
        ApiGateway::rest_create_stage,
    ),
    route(
        Method::GET,
        "/restapis/{restapi_id}/stages",
        "GetStages",
        ApiGateway::rest_get_stages,
    ),
    route(
        Method::GET,
        "/restapis/{restapi_id}/stages/{stage_name}",
        "GetStage",
        ApiGateway::rest_get_stage,
    ),
    route(
        Method::PATCH,
        "/restapis/{restapi_id}/stages/{stage_name}",
        "UpdateStage",
        ApiGateway::rest_update_stage,
    ),
    route(
        Method::DELETE,
        "/restapis/{restapi_id}/stages/{stage_name}",
        "DeleteStage",
        ApiGateway::rest_delete_stage,
    ),
    route(Method::GET, "/tags/{resource_arn}", "GetTags", ApiGateway::get_rest_tags),
    route(Method::PUT, "/tags/{resource_arn}", "TagResource", ApiGateway::tag_rest_resource),
    route(
        Method::DELETE,
        "/tags/{resource_arn}",
        "UntagResource",
        ApiGateway::untag_rest_resource,
    ),
];
