//! Lesson 1 by clicking, as a student does it: every step run from its button against the
//! sandbox, a POST and a GET sent from the composer and followed into the inspector (the
//! request, the response, the event the function received), the item found in the data view,
//! the function's source opened, and everything torn down until the resources panel is empty —
//! with a screenshot of each view, the lesson's diagram mid-lesson, done and torn down among them.

use anyhow::Result;
use fantoccini::Locator;

use crate::desktop::{
    Desktop, click, run_step, tear_down_everything, wait_for, wait_for_text, waterfall_rows,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lesson_one_by_clicking_with_the_inspector_source_and_teardown() -> Result<()> {
    let desktop = Desktop::launch().await?;
    let client = &desktop.client;

    click(client, "#lesson-list .lesson[data-id='crud-http-api']").await?;
    wait_for(client, "#step-list .step[data-id='table']", 20).await?;
    let command = wait_for_text(client, ".cli-command", "aws dynamodb create-table").await?;
    assert!(
        command.contains("--table-name ccbda-lambda-first"),
        "{command}"
    );
    desktop.screenshot("walkthrough-start.png").await?;

    let mut steps = Vec::new();
    for element in client.find_all(Locator::Css("#step-list .step")).await? {
        steps.extend(element.attr("data-id").await?);
    }
    assert_eq!(steps.len(), 16, "lesson 1's steps: {steps:?}");
    for step in steps.iter().map(String::as_str) {
        run_step(client, step).await?;
        if step == "function" {
            // Mid-lesson: the table and the function are there, the API is still to come.
            click(client, "#tab-diagram").await?;
            wait_for(
                client,
                "#diagram .node[data-kind='table'][data-state='ready']",
                20,
            )
            .await?;
            wait_for(
                client,
                "#diagram .node[data-kind='function'][data-state='ready']",
                20,
            )
            .await?;
            wait_for(
                client,
                "#diagram .node[data-kind='http-api'][data-state='planned']",
                20,
            )
            .await?;
            desktop.screenshot("diagram-mid.png").await?;
        }
        if step == "deploy" {
            let variables = wait_for_text(client, "#variables", "URL").await?;
            assert!(
                variables.contains("/_aws/execute-api/"),
                "the lesson's URL variable is the invoke URL: {variables}"
            );
        }
    }
    let lessons = wait_for_text(client, "#lesson-list", "16/16").await?;
    assert!(lessons.contains("16/16"), "{lessons}");
    desktop.screenshot("walkthrough-done.png").await?;
    // The report to hand in: the lesson's diagram and what it built, beside the answers.
    click(client, "#export-report").await?;
    let saved = wait_for_text(client, "#report-path", ".md").await?;
    let report = std::fs::read_to_string(saved.trim_start_matches("Saved to").trim())?;
    assert!(
        report.contains("```mermaid") && report.contains("LambdaCRUD") && report.contains("Q811"),
        "the report: {report}"
    );
    click(client, "#tab-diagram").await?;
    wait_for(
        client,
        "#diagram .node[data-kind='http-api'][data-state='ready']",
        20,
    )
    .await?;
    let planned = client
        .find_all(Locator::Css("#diagram .node[data-state='planned']"))
        .await?;
    assert!(
        planned.is_empty(),
        "every resource is there once the lesson is done"
    );
    let routes = client
        .find_all(Locator::Css("#diagram .node[data-kind='route']"))
        .await?;
    assert!(!routes.is_empty(), "the API's routes are drawn");
    wait_for(
        client,
        "#diagram .node[data-kind='bucket'][data-state='ready']",
        5,
    )
    .await?;
    // WebDriver cannot click inside an SVG here: the node is clicked as the page would be.
    client
        .execute(
            "document.querySelector(\"#diagram .node[data-kind='function']\")\
             .dispatchEvent(new MouseEvent('click', { bubbles: true }));",
            vec![],
        )
        .await?;
    wait_for_text(client, "#diagram-node", "Lambda LambdaCRUD").await?;
    // The function as Lambda reports it.
    let described = wait_for_text(
        client,
        "#diagram-node-description",
        "GetFunctionConfiguration",
    )
    .await?;
    assert!(
        described.contains("\"FunctionName\": \"LambdaCRUD\""),
        "the function's configuration: {described}"
    );
    desktop.screenshot("diagram-done.png").await?;

    // A POST and a GET from the composer, each followed into the inspector.
    click(client, "#tab-composer").await?;
    click(client, ".template:nth-of-type(1)").await?;
    let body = wait_for(client, "#composer-body", 5)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(body.contains("\"lamp\""), "the POST template: {body}");
    click(client, "#composer-send").await?;
    wait_for(client, "#exchange-detail", 20).await?;
    wait_for_text(client, "#exchange-detail", "status 200").await?;
    let event = wait_for_text(client, "#server-side .function-event", "requestContext").await?;
    assert!(
        event.contains("\"method\": \"POST\""),
        "the function's event: {event}"
    );
    wait_for_text(client, "#server-side .log-lines", "REPORT RequestId").await?;
    let changed = wait_for_text(client, "#item-changes", "PutItem ccbda-lambda-first").await?;
    assert!(
        changed.contains("\"N\": \"40\""),
        "the item the POST wrote: {changed}"
    );

    click(client, "#tab-composer").await?;
    click(client, ".template:nth-of-type(2)").await?;
    click(client, "#composer-send").await?;
    wait_for_text(client, "#response-body", "lamp").await?;
    let event = wait_for_text(client, "#server-side .function-event", "\"GET\"").await?;
    assert!(
        event.contains("TableName=ccbda-lambda-first"),
        "the GET's event: {event}"
    );
    // Where the GET's time went: the gateway, the warm function and the DynamoDB call it made.
    let rows = waterfall_rows(client).await?;
    assert!(
        rows.contains("request: API Gateway received GET")
            && rows.contains("invocation: λ LambdaCRUD (warm)")
            && rows.contains("call: Scan ccbda-lambda-first")
            && rows.contains("handler: Handler"),
        "the timeline: {rows}"
    );
    desktop.screenshot("waterfall.png").await?;
    let labels = client
        .execute(
            "return [...document.querySelectorAll('#exchange-list .label')]\
             .map((label) => label.textContent).join('\\n');",
            vec![],
        )
        .await?;
    let labels = labels.as_str().unwrap_or_default();
    assert!(
        labels.contains("DynamoDB CreateTable") && labels.contains("Lambda CreateFunction"),
        "the SDK calls behind the buttons are listed: {labels}"
    );
    desktop.screenshot("inspector.png").await?;

    // The request's path lit on the diagram, which exports as SVG and PNG.
    click(client, "#tab-diagram").await?;
    wait_for(client, "#diagram .node.lit[data-kind='table']", 10).await?;
    wait_for(client, "#diagram .node.lit[data-kind='function']", 5).await?;
    wait_for(client, "#diagram .node.lit[data-kind='http-api']", 5).await?;
    desktop.screenshot("diagram-path.png").await?;
    for (button, extension) in [("#diagram-svg", ".svg"), ("#diagram-png", ".png")] {
        click(client, button).await?;
        let saved = wait_for_text(client, "#diagram-saved", extension).await?;
        let path = saved.trim_start_matches("Saved to").trim();
        let bytes = std::fs::read(path)?;
        let expected: &[u8] = if extension == ".svg" {
            b"<svg"
        } else {
            b"\x89PNG"
        };
        assert!(bytes.starts_with(expected), "{path} is a {extension} file");
        assert!(bytes.len() > 1_000, "{path} holds the drawing");
    }

    click(client, "#tab-data").await?;
    let items = wait_for_text(client, "#data-items", "lamp").await?;
    assert!(
        items.contains("\"N\": \"40\""),
        "the item in DynamoDB JSON: {items}"
    );
    desktop.screenshot("data.png").await?;

    click(client, "#tab-source").await?;
    let source = wait_for_text(client, "#source-code", "fn ").await?;
    assert!(source.contains("async fn"), "the handler's Rust source");
    let path = wait_for(client, "#source-code", 5)
        .await?
        .attr("data-path")
        .await?
        .unwrap_or_default();
    assert_eq!(path, "lambda/crud/src/handler.rs");
    desktop.screenshot("source.png").await?;

    click(client, "#tab-resources").await?;
    wait_for(client, "#resource-list .resource[data-kind='table']", 20).await?;
    desktop.screenshot("resources.png").await?;
    tear_down_everything(client).await?;
    wait_for(client, "#resources-empty", 20).await?;
    desktop.screenshot("teardown.png").await?;
    click(client, "#tab-diagram").await?;
    wait_for(
        client,
        "#diagram .node[data-kind='table'][data-state='torn-down']",
        20,
    )
    .await?;
    wait_for(
        client,
        "#diagram .node[data-kind='route'][data-state='torn-down']",
        20,
    )
    .await?;
    desktop.screenshot("diagram-torn-down.png").await?;

    desktop.close().await
}
