//! Lessons of the tests' own that build REST APIs with `lab run`: a method behind an API key and
//! a usage plan, and a stage made from a deployment with variables, throttling and a cache —
//! each working through curl and torn down to nothing.

use crate::lesson_run::{Lab, captured, curl, succeeded, tears_down_to_nothing};

/// Runs the lesson `id` written as `text` from a lessons directory of its own.
fn run_own_lesson(lab: &Lab, id: &str, text: &str) -> (String, tempfile::TempDir) {
    let lessons = tempfile::tempdir().unwrap();
    std::fs::create_dir(lessons.path().join(id)).unwrap();
    std::fs::write(lessons.path().join(id).join("lesson.md"), text).unwrap();
    let output = lab
        .command(&["run", id])
        .env("SERVERLESS_LAB_LESSONS_DIR", lessons.path())
        .output()
        .unwrap();
    (succeeded(&output), lessons)
}

/// A lesson of its own: a REST method that requires an API key, a key, and a usage plan with
/// a quota of two requests a day.
const KEYED_LESSON: &str = r#"# An API with a key

```lesson
id = "keyed-api"
summary = "A method that requires an API key."
```

## The API

```step
id = "api"
action = "apigateway.create-rest-api"
params = { name = "KeyedApi" }
outputs = { REST_API_ID = "id", ROOT_ID = "rootResourceId" }
```

## The method

```step
id = "method"
action = "apigateway.put-method"
params = { api = "${REST_API_ID}", resource = "${ROOT_ID}", method = "GET", api_key_required = true }
```

## A mock answer

```step
id = "integration"
action = "apigateway.put-integration"

[params]
api = "${REST_API_ID}"
resource = "${ROOT_ID}"
method = "GET"
type = "MOCK"
request_templates = { "application/json" = '{"statusCode": 200}' }

[[params.responses]]
status = "200"
templates = { "application/json" = '{"hello": "$context.identity.apiKeyId"}' }
```

## Deploy

```step
id = "deploy"
action = "apigateway.create-deployment"
params = { api = "${REST_API_ID}", stage = "prod" }
outputs = { URL = "invokeUrl" }
checks = [{ kind = "http", method = "GET", url = "${URL}/", status = 403, body_contains = "Forbidden" }]
```

## A key

```step
id = "key"
action = "apigateway.create-api-key"
params = { name = "student", value = "student-key-0123456789" }
outputs = { KEY_ID = "id" }
```

## A usage plan

```step
id = "plan"
action = "apigateway.create-usage-plan"
params = { name = "two-a-day", stages = ["${REST_API_ID}:prod"], rate_limit = 10, burst_limit = 5, quota_limit = 2, quota_period = "DAY" }
outputs = { PLAN_ID = "id" }
```

## The key in the plan

```step
id = "plan-key"
action = "apigateway.create-usage-plan-key"
params = { plan = "${PLAN_ID}", key = "${KEY_ID}" }
```
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_and_usage_plans_from_a_lesson_work_and_tear_down_to_nothing() {
    let lab = Lab::start();
    let (ran, lessons) = run_own_lesson(&lab, "keyed-api", KEYED_LESSON);
    assert!(
        ran.contains("    aws apigateway create-usage-plan \\"),
        "{ran}"
    );
    assert!(ran.contains("--quota limit=2,period=DAY"), "{ran}");
    let url = format!("{}/", captured(&ran, "URL"));
    let key = "x-api-key: student-key-0123456789";
    let first = curl(&["-H", key, &url]);
    assert!(first.contains("\"hello\""), "{first}");
    curl(&["-H", key, &url]);
    let third = curl(&[
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        key,
        &url,
    ]);
    assert_eq!(third, "429", "the quota of two a day");

    let plan = {
        let output = lab
            .command(&["teardown", "--dry-run"])
            .env("SERVERLESS_LAB_LESSONS_DIR", lessons.path())
            .output()
            .unwrap();
        succeeded(&output)
    };
    assert!(plan.contains("  usage-plan "), "{plan}");
    assert!(plan.contains("  api-key "), "{plan}");
    tears_down_to_nothing(&lab).await;
}

/// A lesson of its own: a MOCK method answering with its request id and a stage variable,
/// deployed without a stage, then served by stage `dev` with variables, throttling and a cache.
const CACHED_LESSON: &str = r#"# A cached stage

```lesson
id = "cached-stage"
summary = "A stage made from a deployment, with a cache."
```

## The API

```step
id = "api"
action = "apigateway.create-rest-api"
params = { name = "CachedApi" }
outputs = { REST_API_ID = "id", ROOT_ID = "rootResourceId" }
```

## The method

```step
id = "method"
action = "apigateway.put-method"
params = { api = "${REST_API_ID}", resource = "${ROOT_ID}", method = "GET" }
```

## A mock answer

```step
id = "integration"
action = "apigateway.put-integration"

[params]
api = "${REST_API_ID}"
resource = "${ROOT_ID}"
method = "GET"
type = "MOCK"
request_templates = { "application/json" = '{"statusCode": 200}' }

[[params.responses]]
status = "200"
templates = { "application/json" = '{"request": "$context.requestId", "color": "$stageVariables.color"}' }
```

## A deployment

```step
id = "deployment"
action = "apigateway.create-deployment"
params = { api = "${REST_API_ID}" }
outputs = { DEPLOYMENT_ID = "id" }
```

## A stage with a cache

```step
id = "stage"
action = "apigateway.create-stage"
params = { api = "${REST_API_ID}", stage = "dev", deployment = "${DEPLOYMENT_ID}", variables = { color = "blue" }, rate_limit = 50, burst_limit = 10, cache_ttl = 300 }
outputs = { URL = "invokeUrl" }
checks = [{ kind = "http", method = "GET", url = "${URL}/", status = 200, body_contains = "blue" }]
```
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_from_a_lesson_serves_its_deployment_from_its_cache() {
    let lab = Lab::start();
    let (ran, lessons) = run_own_lesson(&lab, "cached-stage", CACHED_LESSON);
    assert!(ran.contains("    aws apigateway create-stage \\"), "{ran}");
    assert!(ran.contains("--cache-cluster-enabled"), "{ran}");
    assert!(
        ran.contains("op=replace,path=/*/*/caching/ttlInSeconds,value=300"),
        "{ran}"
    );
    let url = format!("{}/", captured(&ran, "URL"));
    let first = curl(&[&url]);
    assert!(first.contains("\"color\": \"blue\""), "{first}");
    assert_eq!(
        curl(&[&url]),
        first,
        "the second answer comes from the cache"
    );
    // A rerun finds the stage and points it at the deployment again.
    let again = lab
        .command(&["run", "cached-stage", "--until", "stage"])
        .env("SERVERLESS_LAB_LESSONS_DIR", lessons.path())
        .output()
        .unwrap();
    succeeded(&again);
    tears_down_to_nothing(&lab).await;
}
