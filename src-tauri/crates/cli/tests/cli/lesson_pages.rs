//! The lessons' web pages in a real browser (headless Chromium), served from the S3 website
//! bucket each lesson makes: lesson 1's page lists the table's items and adds one from its form
//! across origins (CORS for real), and lesson 2's page shows a broadcast's positions as they are
//! pushed.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use fantoccini::Locator;
use lab_testkit::sandbox_client as client;

use crate::lesson_run::{Lab, captured, succeeded, tears_down_to_nothing};
use crate::web::Browser;

/// The text of the element `css` once `done` holds for it, within 20 s.
async fn wait_for_text(browser: &Browser, css: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = match browser.client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if done(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never got there; it reads {text:?}; the page: {}",
            browser.client.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lesson_ones_page_lists_and_adds_items_from_its_s3_website() {
    let lab = Lab::start();
    let ran = succeeded(&lab.lab(&["run", "crud-http-api"]));
    let site = captured(&ran, "SITE_URL");
    assert!(
        site.starts_with("http://serverless-lab-000000000000-things-page.s3-website.localhost:"),
        "{site}"
    );
    let dynamodb = client!(aws_sdk_dynamodb, lab.endpoint());
    dynamodb
        .put_item()
        .table_name("ccbda-lambda-first")
        .item("thingID", AttributeValue::S("lamp".into()))
        .send()
        .await
        .unwrap();

    let browser = Browser::start().await;
    browser.client.goto(&site).await.unwrap();
    wait_for_text(&browser, "#status", |text| text == "1 items").await;
    assert_eq!(
        wait_for_text(&browser, "#items", |t| !t.is_empty()).await,
        "lamp"
    );

    // The form's POST goes to the API's origin: a preflight, then the item.
    let input = browser.client.find(Locator::Css("#thingID")).await.unwrap();
    input.send_keys("desk").await.unwrap();
    browser
        .client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "#status", |text| text == "Added desk").await;
    let errors = browser.client.find(Locator::Css("#error")).await.unwrap();
    assert_eq!(errors.text().await.unwrap(), "");
    let stored = dynamodb
        .get_item()
        .table_name("ccbda-lambda-first")
        .key("thingID", AttributeValue::S("desk".into()))
        .send()
        .await
        .unwrap();
    assert!(stored.item().is_some(), "the page's POST reached the table");

    // A reload lists both, as the course's page does on load.
    browser.client.refresh().await.unwrap();
    wait_for_text(&browser, "#status", |text| text == "2 items").await;
    browser.close().await;
    tears_down_to_nothing(&lab).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lesson_twos_page_shows_the_positions_a_broadcast_pushes() {
    let lab = Lab::start();
    let ran = succeeded(&lab.lab(&["run", "websocket-api"]));
    let site = captured(&ran, "SITE_URL");
    let browser = Browser::start().await;
    browser.client.goto(&site).await.unwrap();
    wait_for_text(&browser, "#connection", |text| text == "open").await;

    let lambda = client!(aws_sdk_lambda, lab.endpoint());
    let positions = r#"{"positions": [{"flight": "IB3202", "lat": 40.47, "lon": -3.56},
                                       {"flight": "VY1010", "lat": 41.30, "lon": 2.08}]}"#;
    let invoked = lambda
        .invoke()
        .function_name("WsBroadcast")
        .payload(aws_sdk_lambda::primitives::Blob::new(positions))
        .send()
        .await
        .unwrap();
    assert_eq!(invoked.function_error(), None);
    wait_for_text(&browser, "#broadcasts", |text| text == "1").await;
    let row = wait_for_text(&browser, "tr[data-flight=IB3202]", |t| !t.is_empty()).await;
    assert!(row.contains("40.47") && row.contains("-3.56"), "{row}");

    // The next broadcast moves the flight.
    let moved = r#"{"positions": [{"flight": "IB3202", "lat": 41.00, "lon": -2.90}]}"#;
    lambda
        .invoke()
        .function_name("WsBroadcast")
        .payload(aws_sdk_lambda::primitives::Blob::new(moved))
        .send()
        .await
        .unwrap();
    wait_for_text(&browser, "#broadcasts", |text| text == "2").await;
    let row = wait_for_text(&browser, "tr[data-flight=IB3202]", |t| t.contains("41.00")).await;
    assert!(row.contains("-2.90"), "{row}");
    browser.close().await;
    tears_down_to_nothing(&lab).await;
}
