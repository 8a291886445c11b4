//! A web page in a real browser (headless Chromium through chromedriver) against `lab sandbox`:
//! a page of another local origin tries what an attacker's page would — create a function,
//! invoke one, create a role from a form, scan a table, read the inspection feed — and the
//! sandbox refuses all of it, while the same page still reads an HTTP API's invoke URL through
//! the CORS that API configures. A name rebound to 127.0.0.1 is refused too.

use serde_json::Value;

use crate::sandbox::SandboxProcess;
use crate::web::{Browser, PageServer};
use lab_testkit::sandbox_client as client;

/// The attacker's page: every attempt's outcome lands in `window.results`.
const PAGE: &str = r#"<!doctype html>
<html><body>
<form id="role" method="POST" action="SANDBOX/" target="sink"
      enctype="application/x-www-form-urlencoded">
  <input name="Action" value="CreateRole"><input name="Version" value="2010-05-08">
  <input name="RoleName" value="stolen"><input name="AssumeRolePolicyDocument" value="{}">
</form>
<iframe name="sink" id="sink"></iframe>
<script>
const sandbox = "SANDBOX";
window.results = {};
async function attempt(name, request) {
  try {
    const response = await request();
    results[name] = "read " + response.status + " " + (await response.text()).slice(0, 200);
  } catch (error) {
    results[name] = "blocked " + error.name;
  }
}
const createFunction = JSON.stringify({
  FunctionName: "stolen", Runtime: "python3.12", Handler: "app.handler",
  Role: "arn:aws:iam::000000000000:role/LabRole", Code: { ZipFile: "ZIP" },
});
(async () => {
  // "Simple" requests: the browser sends them without asking first.
  await attempt("createFunction", () => fetch(sandbox + "/2015-03-31/functions", {
    method: "POST", headers: { "Content-Type": "text/plain" }, body: createFunction }));
  await attempt("invoke", () => fetch(sandbox + "/2015-03-31/functions/target/invocations", {
    method: "POST", headers: { "Content-Type": "text/plain" }, body: "{}" }));
  await attempt("noCorsInvoke", () => fetch(sandbox + "/2015-03-31/functions/target/invocations", {
    method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: "{}" }));
  // Preflighted ones.
  await attempt("scan", () => fetch(sandbox + "/", { method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.Scan" },
    body: JSON.stringify({ TableName: "secrets" }) }));
  await attempt("feed", () => fetch(sandbox + "/_sandbox/inspect/history"));
  // The data plane stays open, with the API's CORS.
  await attempt("api", () => fetch("API_URL"));
  document.getElementById("sink").addEventListener("load", () => { results.done = true; });
  document.getElementById("role").submit();
})();
</script>
</body></html>
"#;

/// The function behind the page's API.
const HELLO: &str =
    "def handler(event, context):\n    return {'statusCode': 200, 'body': 'hello from the API'}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_page_cannot_drive_the_sandbox_but_can_call_an_invoke_url() {
    let data = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(data.path());
    let endpoint = sandbox.endpoint.clone();
    let page_server = PageServer::start().await;
    let page_origin = page_server.origin();

    let lambda = client!(aws_sdk_lambda, &endpoint);
    for name in ["target", "victim"] {
        lab_testkit::lambda::create_python_function(&lambda, name, HELLO).await;
    }
    lab_testkit::lambda::permit_gateway(&lambda, "victim", "gateway", None).await;
    let api = client!(aws_sdk_apigatewayv2, &endpoint)
        .create_api()
        .name("PageAPI")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .target("arn:aws:lambda:us-east-1:000000000000:function:victim")
        .cors_configuration(
            aws_sdk_apigatewayv2::types::Cors::builder()
                .allow_origins(&page_origin)
                .allow_methods("GET")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let api_url = format!("{}/hello", api.api_endpoint().unwrap());
    crate::lesson_run::create_table_by_hand(&endpoint, "secrets", "id", &[]).await;

    let zip = lab_sandbox::lambda::package::zip_files(&[(
        "app.py",
        b"def handler(e, c):\n    open('/tmp/pwned', 'w')\n",
        0o644,
    )]);
    let html = PAGE
        .replace("SANDBOX", &endpoint)
        .replace("API_URL", &api_url)
        .replace("ZIP", &base64_of(&zip));
    page_server.serve("/", "text/html; charset=utf-8", html.into_bytes());

    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{page_origin}/"))
        .await
        .unwrap();
    let results = browser.wait_for_results().await;
    eprintln!("the page saw: {results:#}");
    for name in ["createFunction", "invoke", "scan", "feed"] {
        let outcome = results[name].as_str().unwrap_or_default();
        assert!(outcome.starts_with("blocked"), "{name}: {outcome}");
    }
    let api_answer = results["api"].as_str().unwrap_or_default();
    assert_eq!(api_answer, "read 200 hello from the API");

    // The sandbox refused them itself — the browser hiding an answer is not enough.
    let functions = lambda.list_functions().send().await.unwrap();
    let mut names: Vec<_> = functions
        .functions()
        .iter()
        .filter_map(|f| f.function_name())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["target", "victim"]);
    let iam = client!(aws_sdk_iam, &endpoint);
    assert!(iam.get_role().role_name("stolen").send().await.is_err());
    let feed = reqwest::get(format!("{endpoint}/_sandbox/inspect/history"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let feed: Vec<Value> = serde_json::from_str(&feed).unwrap();
    let invoked: Vec<_> = feed
        .iter()
        .filter(|r| r["kind"] == "invocation")
        .map(|r| r["function"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(invoked, ["victim"], "only the API's function ran");

    // DNS rebinding: a name the page's author controls, pointed at 127.0.0.1.
    let port = endpoint.rsplit(':').next().unwrap();
    browser
        .client
        .goto(&format!(
            "http://rebound.test:{port}/_sandbox/inspect/history"
        ))
        .await
        .unwrap();
    let text = browser.client.source().await.unwrap();
    assert!(text.contains("DNS rebinding"), "{text}");
    assert!(!text.contains("invocation"), "{text}");
    browser.close().await;
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
