//! The engine's traffic capture, as the inspector will consume it: every SDK call of a lesson
//! run and every try-it exchange, with timings, secrets redacted.

use lab_engine::Target;
use lab_engine::cloud::Cloud;
use lab_engine::journal::Journal;
use lab_engine::lesson::Library;
use lab_engine::run::Runner;
use lab_engine::traffic::{Exchange, Origin, Recorder, TryIt};
use lab_functions::Artifacts;

use crate::sandbox::SandboxProcess;

fn drain(receiver: &mut tokio::sync::broadcast::Receiver<Exchange>) -> Vec<Exchange> {
    let mut exchanges = Vec::new();
    while let Ok(exchange) = receiver.try_recv() {
        exchanges.push(exchange);
    }
    exchanges
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_calls_and_try_it_requests_are_captured_with_secrets_redacted() {
    let sandbox_data = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(sandbox_data.path());
    let data = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let mut receiver = recorder.subscribe();
    let target = Target::Sandbox {
        endpoint: sandbox.endpoint.clone(),
    };
    let cloud = Cloud::connect_recorded(&target, "sandbox test".into(), Some(&recorder))
        .await
        .unwrap();
    let journal = Journal::open(data.path()).unwrap();
    let artifacts = Artifacts::discover();
    let library = Library::load(&Library::default_dir()).unwrap();
    let lesson = library.get("crud-http-api").unwrap();
    let runner = Runner {
        cloud: &cloud,
        journal: &journal,
        artifacts: &artifacts,
        load_duration: None,
    };
    let vars = runner.run(lesson, Some("deploy"), |_| {}).await.unwrap();

    let exchanges = drain(&mut receiver);
    let create_table = exchanges
        .iter()
        .find(|exchange| {
            matches!(&exchange.origin, Origin::Sdk { operation, .. } if operation == "CreateTable")
        })
        .unwrap_or_else(|| panic!("no CreateTable in {:#?}", exchanges.iter().map(|e| &e.origin).collect::<Vec<_>>()));
    assert_eq!(create_table.method, "POST");
    assert!(create_table.request.body.contains("ccbda-lambda-first"));
    let authorization = create_table
        .request
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.as_str());
    assert_eq!(authorization, Some("<redacted>"));
    let (status, response) = create_table.response.as_ref().unwrap();
    assert_eq!(*status, 200);
    assert!(
        response.body.contains("TableDescription"),
        "{}",
        response.body
    );
    assert!(create_table.duration_ms > 0.0);

    let create_function = exchanges
        .iter()
        .find(|exchange| {
            matches!(&exchange.origin, Origin::Sdk { operation, .. } if operation == "CreateFunction")
        })
        .unwrap();
    assert!(
        create_function.request.body.ends_with("bytes, not shown>"),
        "{}",
        create_function.request.body
    );
    let ids: Vec<u64> = exchanges.iter().map(|exchange| exchange.id).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "each exchange has its own id");

    let url = format!("{}?TableName=ccbda-lambda-first", vars.get("URL").unwrap());
    let exchange = recorder
        .send(
            &reqwest::Client::new(),
            TryIt {
                title: "List the items",
                method: "GET",
                url: &url,
                body: None,
                headers: &[("x-lab-test".to_owned(), "yes".to_owned())],
            },
        )
        .await;
    assert!(
        exchange
            .request
            .headers
            .iter()
            .any(|(name, value)| name == "x-lab-test" && value == "yes"),
        "the headers asked for are sent: {:?}",
        exchange.request.headers
    );
    assert_eq!(
        exchange.origin,
        Origin::TryIt {
            title: "List the items".into()
        }
    );
    let (status, response) = exchange.response.as_ref().unwrap();
    assert_eq!(*status, 200);
    assert!(response.body.contains("\"Items\""), "{}", response.body);
    assert_eq!(drain(&mut receiver).last().map(|e| e.id), Some(exchange.id));

    let unanswered = recorder
        .send(
            &reqwest::Client::new(),
            TryIt {
                title: "Nowhere",
                method: "GET",
                url: "http://127.0.0.1:9/",
                body: None,
                headers: &[],
            },
        )
        .await;
    assert!(unanswered.response.is_none());
    assert!(
        unanswered
            .error
            .as_deref()
            .unwrap_or_default()
            .starts_with("no answer")
    );
}
