//! Every service's acknowledged writes survive `kill -9`: several clients create functions,
//! versions, aliases, permissions, HTTP APIs with their integrations, routes, stages and
//! deployments, REST APIs with their resources, methods and stages, API keys and usage plans,
//! IAM roles, users and access keys, Cognito user pools, app clients and confirmed users, and
//! log events at once; the process is killed mid-load; after a restart
//! every resource that was acknowledged is there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::sandbox::SandboxProcess;
use lab_testkit::sandbox_client as client;

/// How long the clients write before the kill lands (half-way through).
const WRITE_FOR: Duration = Duration::from_millis(2_400);

/// One acknowledged resource, with what it takes to find it again.
#[derive(Debug, Clone)]
enum Acknowledged {
    Function(String),
    Version { function: String, version: String },
    Alias { function: String, alias: String },
    Permission { function: String, sid: String },
    Api(String),
    Integration { api: String, id: String },
    Route { api: String, id: String },
    Stage { api: String, name: String },
    Deployment { api: String, id: String },
    Role(String),
    LogEvent { group: String, message: String },
    RestApi(String),
    RestResource { api: String, id: String },
    RestMethod { api: String, resource: String },
    RestStage { api: String, name: String },
    ApiKey(String),
    UsagePlan(String),
    UserPool(String),
    PoolClient { pool: String, id: String },
    ConfirmedUser { pool: String, username: String },
    IamUser(String),
    AccessKey { user: String, id: String },
}

type Ledger = Arc<Mutex<Vec<Acknowledged>>>;

fn note(ledger: &Ledger, acknowledged: Acknowledged) {
    ledger.lock().expect("not poisoned").push(acknowledged);
}

fn function_zip() -> Vec<u8> {
    lab_sandbox::lambda::package::zip_files(&[(
        "app.py",
        b"def handler(event, context):\n    return 'up'\n",
        0o644,
    )])
}

/// Creates functions, then a version, an alias and a permission of each, until the deadline or
/// the first refusal (the process is gone).
async fn lambda_writer(endpoint: String, writer: usize, deadline: Instant, ledger: Ledger) {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{FunctionCode, Runtime};
    let lambda = client!(aws_sdk_lambda, &endpoint);
    let zip = function_zip();
    for i in 0.. {
        if Instant::now() >= deadline {
            return;
        }
        let function = format!("kill9-{writer}-{i}");
        let created = lambda
            .create_function()
            .function_name(&function)
            .runtime(Runtime::Python312)
            .role("arn:aws:iam::000000000000:role/LabRole")
            .handler("app.handler")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip.clone()))
                    .build(),
            )
            .send()
            .await;
        if created.is_err() {
            return;
        }
        note(&ledger, Acknowledged::Function(function.clone()));
        let Ok(published) = lambda
            .publish_version()
            .function_name(&function)
            .send()
            .await
        else {
            return;
        };
        let version = published.version.expect("a published version has a number");
        note(
            &ledger,
            Acknowledged::Version {
                function: function.clone(),
                version: version.clone(),
            },
        );
        let aliased = lambda
            .create_alias()
            .function_name(&function)
            .name("live")
            .function_version(&version)
            .send()
            .await;
        if aliased.is_err() {
            return;
        }
        note(
            &ledger,
            Acknowledged::Alias {
                function: function.clone(),
                alias: "live".into(),
            },
        );
        let permitted = lambda
            .add_permission()
            .function_name(&function)
            .statement_id("apigateway")
            .action("lambda:InvokeFunction")
            .principal("apigateway.amazonaws.com")
            .send()
            .await;
        if permitted.is_err() {
            return;
        }
        note(
            &ledger,
            Acknowledged::Permission {
                function,
                sid: "apigateway".into(),
            },
        );
    }
}

/// Creates HTTP APIs with an integration, a route, a stage and a deployment each.
async fn api_writer(endpoint: String, writer: usize, deadline: Instant, ledger: Ledger) {
    use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType};
    let apis = client!(aws_sdk_apigatewayv2, &endpoint);
    for i in 0.. {
        if Instant::now() >= deadline {
            return;
        }
        let Ok(api) = apis
            .create_api()
            .name(format!("kill9-{writer}-{i}"))
            .protocol_type(ProtocolType::Http)
            .send()
            .await
        else {
            return;
        };
        let api = api.api_id.expect("a created API has an id");
        note(&ledger, Acknowledged::Api(api.clone()));
        let Ok(integration) = apis
            .create_integration()
            .api_id(&api)
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri("arn:aws:lambda:us-east-1:000000000000:function:kill9")
            .payload_format_version("2.0")
            .send()
            .await
        else {
            return;
        };
        let integration = integration.integration_id.expect("an integration id");
        note(
            &ledger,
            Acknowledged::Integration {
                api: api.clone(),
                id: integration.clone(),
            },
        );
        let Ok(route) = apis
            .create_route()
            .api_id(&api)
            .route_key("GET /items")
            .target(format!("integrations/{integration}"))
            .send()
            .await
        else {
            return;
        };
        note(
            &ledger,
            Acknowledged::Route {
                api: api.clone(),
                id: route.route_id.expect("a route id"),
            },
        );
        if apis
            .create_stage()
            .api_id(&api)
            .stage_name("prod")
            .send()
            .await
            .is_err()
        {
            return;
        }
        note(
            &ledger,
            Acknowledged::Stage {
                api: api.clone(),
                name: "prod".into(),
            },
        );
        let Ok(deployment) = apis
            .create_deployment()
            .api_id(&api)
            .stage_name("prod")
            .send()
            .await
        else {
            return;
        };
        note(
            &ledger,
            Acknowledged::Deployment {
                api,
                id: deployment.deployment_id.expect("a deployment id"),
            },
        );
    }
}

/// Creates IAM roles.
async fn role_writer(endpoint: String, writer: usize, deadline: Instant, ledger: Ledger) {
    let iam = client!(aws_sdk_iam, &endpoint);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    for i in 0.. {
        if Instant::now() >= deadline {
            return;
        }
        let role = format!("kill9-{writer}-{i}");
        let created = iam
            .create_role()
            .role_name(&role)
            .assume_role_policy_document(trust)
            .send()
            .await;
        if created.is_err() {
            return;
        }
        note(&ledger, Acknowledged::Role(role));
    }
}

/// Creates a Cognito user pool with an app client, then users who sign up and are confirmed;
/// and IAM users, each with an access key.
async fn identity_writer(endpoint: String, writer: usize, deadline: Instant, ledger: Ledger) {
    let cognito = client!(aws_sdk_cognitoidentityprovider, &endpoint);
    let iam = client!(aws_sdk_iam, &endpoint);
    let Ok(pool) = cognito
        .create_user_pool()
        .pool_name(format!("kill9-{writer}"))
        .send()
        .await
    else {
        return;
    };
    let pool = pool.user_pool.and_then(|pool| pool.id).unwrap_or_default();
    note(&ledger, Acknowledged::UserPool(pool.clone()));
    let Ok(app) = cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .send()
        .await
    else {
        return;
    };
    let client_id = app
        .user_pool_client
        .and_then(|app| app.client_id)
        .unwrap_or_default();
    note(
        &ledger,
        Acknowledged::PoolClient {
            pool: pool.clone(),
            id: client_id.clone(),
        },
    );
    for i in 0.. {
        if Instant::now() >= deadline {
            return;
        }
        let username = format!("user-{i}");
        let signed_up = cognito
            .sign_up()
            .client_id(&client_id)
            .username(&username)
            .password("Passw0rd!")
            .send()
            .await;
        let confirmed = cognito
            .admin_confirm_sign_up()
            .user_pool_id(&pool)
            .username(&username)
            .send()
            .await;
        if signed_up.is_err() || confirmed.is_err() {
            return;
        }
        note(
            &ledger,
            Acknowledged::ConfirmedUser {
                pool: pool.clone(),
                username,
            },
        );
        let user = format!("kill9-{writer}-{i}");
        if iam.create_user().user_name(&user).send().await.is_err() {
            return;
        }
        note(&ledger, Acknowledged::IamUser(user.clone()));
        let Ok(key) = iam.create_access_key().user_name(&user).send().await else {
            return;
        };
        let id = key
            .access_key
            .map(|key| key.access_key_id)
            .unwrap_or_default();
        note(&ledger, Acknowledged::AccessKey { user, id });
    }
}

/// Creates REST APIs, each with a resource, a MOCK method, a deployment to a stage, an API key
/// and a usage plan of that stage.
async fn rest_writer(endpoint: String, writer: usize, deadline: Instant, ledger: Ledger) {
    use aws_sdk_apigateway::types::{ApiStage, IntegrationType};
    let rest = client!(aws_sdk_apigateway, &endpoint);
    for i in 0.. {
        if Instant::now() >= deadline {
            return;
        }
        let Ok(api) = rest
            .create_rest_api()
            .name(format!("kill9-{writer}-{i}"))
            .send()
            .await
        else {
            return;
        };
        let (Some(api), Some(root)) = (api.id().map(str::to_owned), api.root_resource_id()) else {
            return;
        };
        note(&ledger, Acknowledged::RestApi(api.clone()));
        let Ok(resource) = rest
            .create_resource()
            .rest_api_id(&api)
            .parent_id(root)
            .path_part("items")
            .send()
            .await
        else {
            return;
        };
        let resource = resource.id().unwrap_or_default().to_owned();
        note(
            &ledger,
            Acknowledged::RestResource {
                api: api.clone(),
                id: resource.clone(),
            },
        );
        let method = rest
            .put_method()
            .rest_api_id(&api)
            .resource_id(&resource)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await;
        let integration = rest
            .put_integration()
            .rest_api_id(&api)
            .resource_id(&resource)
            .http_method("GET")
            .r#type(IntegrationType::Mock)
            .send()
            .await;
        if method.is_err() || integration.is_err() {
            return;
        }
        note(
            &ledger,
            Acknowledged::RestMethod {
                api: api.clone(),
                resource,
            },
        );
        if rest
            .create_deployment()
            .rest_api_id(&api)
            .stage_name("prod")
            .send()
            .await
            .is_err()
        {
            return;
        }
        note(
            &ledger,
            Acknowledged::RestStage {
                api: api.clone(),
                name: "prod".into(),
            },
        );
        let Ok(key) = rest
            .create_api_key()
            .name(format!("kill9-{writer}-{i}"))
            .send()
            .await
        else {
            return;
        };
        note(
            &ledger,
            Acknowledged::ApiKey(key.id().unwrap_or_default().to_owned()),
        );
        let Ok(plan) = rest
            .create_usage_plan()
            .name(format!("kill9-{writer}-{i}"))
            .api_stages(ApiStage::builder().api_id(&api).stage("prod").build())
            .send()
            .await
        else {
            return;
        };
        note(
            &ledger,
            Acknowledged::UsagePlan(plan.id().unwrap_or_default().to_owned()),
        );
    }
}

/// Writes log events, one per call, into a group and stream of its own.
async fn log_writer(endpoint: String, writer: usize, deadline: Instant, ledger: Ledger) {
    use aws_sdk_cloudwatchlogs::types::InputLogEvent;
    let logs = client!(aws_sdk_cloudwatchlogs, &endpoint);
    let group = format!("/kill9/{writer}");
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .expect("the log group is created");
    logs.create_log_stream()
        .log_group_name(&group)
        .log_stream_name("load")
        .send()
        .await
        .expect("the log stream is created");
    for i in 0.. {
        if Instant::now() >= deadline {
            return;
        }
        let message = format!("event {writer}-{i}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as i64;
        let put = logs
            .put_log_events()
            .log_group_name(&group)
            .log_stream_name("load")
            .log_events(
                InputLogEvent::builder()
                    .timestamp(now)
                    .message(&message)
                    .build()
                    .expect("a valid event"),
            )
            .send()
            .await;
        if put.is_err() {
            return;
        }
        note(
            &ledger,
            Acknowledged::LogEvent {
                group: group.clone(),
                message,
            },
        );
    }
}

/// Every message in a log group's `load` stream.
async fn log_messages(logs: &aws_sdk_cloudwatchlogs::Client, group: &str) -> Vec<String> {
    let mut messages = Vec::new();
    let mut token = None;
    loop {
        let page = logs
            .get_log_events()
            .log_group_name(group)
            .log_stream_name("load")
            .start_from_head(true)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("the log events are read");
        messages.extend(page.events().iter().filter_map(|e| e.message.clone()));
        if page.next_forward_token == token {
            return messages;
        }
        token = page.next_forward_token;
    }
}

/// Whether `acknowledged` is still there, asked the way a client would (log events are looked
/// up in `logged`, each group's messages read once).
async fn still_there(
    endpoint: &str,
    acknowledged: &Acknowledged,
    logged: &mut HashMap<String, Vec<String>>,
) -> bool {
    let lambda = client!(aws_sdk_lambda, endpoint);
    let apis = client!(aws_sdk_apigatewayv2, endpoint);
    let rest = client!(aws_sdk_apigateway, endpoint);
    match acknowledged {
        Acknowledged::RestApi(api) => rest.get_rest_api().rest_api_id(api).send().await.is_ok(),
        Acknowledged::RestResource { api, id } => rest
            .get_resource()
            .rest_api_id(api)
            .resource_id(id)
            .send()
            .await
            .is_ok(),
        Acknowledged::RestMethod { api, resource } => rest
            .get_integration()
            .rest_api_id(api)
            .resource_id(resource)
            .http_method("GET")
            .send()
            .await
            .is_ok(),
        Acknowledged::RestStage { api, name } => rest
            .get_stage()
            .rest_api_id(api)
            .stage_name(name)
            .send()
            .await
            .is_ok(),
        Acknowledged::ApiKey(id) => rest.get_api_key().api_key(id).send().await.is_ok(),
        Acknowledged::UsagePlan(id) => rest.get_usage_plan().usage_plan_id(id).send().await.is_ok(),
        Acknowledged::Function(name) => lambda
            .get_function()
            .function_name(name)
            .send()
            .await
            .is_ok(),
        Acknowledged::Version { function, version } => lambda
            .get_function()
            .function_name(function)
            .qualifier(version)
            .send()
            .await
            .is_ok(),
        Acknowledged::Alias { function, alias } => lambda
            .get_alias()
            .function_name(function)
            .name(alias)
            .send()
            .await
            .is_ok(),
        Acknowledged::Permission { function, sid } => lambda
            .get_policy()
            .function_name(function)
            .send()
            .await
            .is_ok_and(|policy| policy.policy().is_some_and(|p| p.contains(sid.as_str()))),
        Acknowledged::Api(api) => apis.get_api().api_id(api).send().await.is_ok(),
        Acknowledged::Integration { api, id } => apis
            .get_integration()
            .api_id(api)
            .integration_id(id)
            .send()
            .await
            .is_ok(),
        Acknowledged::Route { api, id } => apis
            .get_route()
            .api_id(api)
            .route_id(id)
            .send()
            .await
            .is_ok(),
        Acknowledged::Stage { api, name } => apis
            .get_stage()
            .api_id(api)
            .stage_name(name)
            .send()
            .await
            .is_ok(),
        Acknowledged::Deployment { api, id } => apis
            .get_deployment()
            .api_id(api)
            .deployment_id(id)
            .send()
            .await
            .is_ok(),
        Acknowledged::Role(role) => client!(aws_sdk_iam, endpoint)
            .get_role()
            .role_name(role)
            .send()
            .await
            .is_ok(),
        Acknowledged::UserPool(pool) => client!(aws_sdk_cognitoidentityprovider, endpoint)
            .describe_user_pool()
            .user_pool_id(pool)
            .send()
            .await
            .is_ok(),
        Acknowledged::PoolClient { pool, id } => client!(aws_sdk_cognitoidentityprovider, endpoint)
            .describe_user_pool_client()
            .user_pool_id(pool)
            .client_id(id)
            .send()
            .await
            .is_ok(),
        Acknowledged::ConfirmedUser { pool, username } => {
            client!(aws_sdk_cognitoidentityprovider, endpoint)
                .admin_get_user()
                .user_pool_id(pool)
                .username(username)
                .send()
                .await
                .is_ok_and(|user| {
                    user.user_status
                        == Some(aws_sdk_cognitoidentityprovider::types::UserStatusType::Confirmed)
                })
        }
        Acknowledged::IamUser(user) => client!(aws_sdk_iam, endpoint)
            .get_user()
            .user_name(user)
            .send()
            .await
            .is_ok(),
        Acknowledged::AccessKey { user, id } => client!(aws_sdk_iam, endpoint)
            .list_access_keys()
            .user_name(user)
            .send()
            .await
            .is_ok_and(|keys| {
                keys.access_key_metadata()
                    .iter()
                    .any(|key| key.access_key_id() == Some(id.as_str()))
            }),
        Acknowledged::LogEvent { group, message } => {
            if !logged.contains_key(group) {
                let messages =
                    log_messages(&client!(aws_sdk_cloudwatchlogs, endpoint), group).await;
                logged.insert(group.clone(), messages);
            }
            logged[group].contains(message)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_control_plane_write_is_lost_to_kill_9() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut sandbox = SandboxProcess::start(dir.path());
    let ledger = Ledger::default();
    let deadline = Instant::now() + WRITE_FOR;
    let mut writers = Vec::new();
    for writer in 0..2 {
        let endpoint = &sandbox.endpoint;
        writers.extend([
            tokio::spawn(lambda_writer(
                endpoint.clone(),
                writer,
                deadline,
                ledger.clone(),
            )),
            tokio::spawn(api_writer(
                endpoint.clone(),
                writer,
                deadline,
                ledger.clone(),
            )),
            tokio::spawn(role_writer(
                endpoint.clone(),
                writer,
                deadline,
                ledger.clone(),
            )),
            tokio::spawn(rest_writer(
                endpoint.clone(),
                writer,
                deadline,
                ledger.clone(),
            )),
            tokio::spawn(log_writer(
                endpoint.clone(),
                writer,
                deadline,
                ledger.clone(),
            )),
            tokio::spawn(identity_writer(
                endpoint.clone(),
                writer,
                deadline,
                ledger.clone(),
            )),
        ]);
    }
    tokio::time::sleep(WRITE_FOR / 2).await;
    sandbox.kill();
    for writer in writers {
        writer.await.expect("the writer finishes");
    }
    let acknowledged = ledger.lock().expect("not poisoned").clone();
    let kinds = |pick: fn(&Acknowledged) -> bool| acknowledged.iter().filter(|a| pick(a)).count();
    assert!(
        kinds(|a| matches!(a, Acknowledged::Permission { .. })) > 0
            && kinds(|a| matches!(a, Acknowledged::Deployment { .. })) > 0
            && kinds(|a| matches!(a, Acknowledged::Role(_))) > 0
            && kinds(|a| matches!(a, Acknowledged::LogEvent { .. })) > 0
            && kinds(|a| matches!(a, Acknowledged::UsagePlan(_))) > 0
            && kinds(|a| matches!(a, Acknowledged::ConfirmedUser { .. })) > 0
            && kinds(|a| matches!(a, Acknowledged::AccessKey { .. })) > 0,
        "every kind of write was acknowledged before the kill: {acknowledged:?}"
    );
    drop(sandbox);

    eprintln!("{} writes acknowledged before the kill", acknowledged.len());
    let restarted = SandboxProcess::start(dir.path());
    let mut lost = Vec::new();
    let mut logged = HashMap::new();
    for resource in &acknowledged {
        if !still_there(&restarted.endpoint, resource, &mut logged).await {
            lost.push(resource.clone());
        }
    }
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes were lost: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
}
