//! Lesson `websocket-api` in the window: the lesson provisioned from "Run to here", then the
//! WebSocket inspector connects from the step's "try it", says hello!, sees the init message
//! arrive and what the server did to send it, and sees a broadcast's positions arrive — then
//! everything is torn down.

use anyhow::Result;

use crate::desktop::{
    Desktop, click, tear_down_everything, wait_for, wait_for_content, wait_for_text, waterfall_rows,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_lesson_connects_says_hello_and_receives_a_broadcast() -> Result<()> {
    let desktop = Desktop::launch().await?;
    let client = &desktop.client;

    click(client, "#lesson-list .lesson[data-id='websocket-api']").await?;
    click(client, "#step-list .step[data-id='stage']").await?;
    click(client, "#run-to-here").await?;
    wait_for(
        client,
        "#step-list .step[data-id='stage'][data-status='done']",
        180,
    )
    .await?;

    // "Connect and say hello!" fills the WebSocket inspector.
    click(client, "#step-list .step[data-id='try-it']").await?;
    click(client, ".try-it[data-kind='websocket']").await?;
    let url = wait_for(client, "#ws-url", 10)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(
        url.starts_with("ws://") && url.ends_with("/prod"),
        "the stage's URL: {url}"
    );
    click(client, "#ws-connect").await?;
    wait_for(client, "#ws-state[data-state='open']", 20).await?;
    click(client, "#ws-send").await?;
    wait_for_content(client, "#ws-frames", "\"type\":\"init\"").await?;

    // The init frame, followed to the server side: the @connections post that sent it.
    click(
        client,
        "#ws-frames .frame[data-direction='received'] td.data",
    )
    .await?;
    wait_for_text(client, "#ws-server-side", "PostToConnection").await?;
    click(client, "#ws-frames .frame[data-direction='sent'] td.data").await?;
    // The hello! frame: the route API Gateway chose and why, the function it ran, and what the
    // function posted through @connections.
    let server = wait_for_text(client, "#ws-server-side", "MESSAGE → $default").await?;
    assert!(server.contains("WsDefault"), "{server}");
    assert!(server.contains("PostToConnection"), "{server}");
    // Its timeline: the gateway's route, the function, and the post the function made.
    let rows = waterfall_rows(client).await?;
    assert!(
        rows.contains("route: Matched $default")
            && rows.contains("invocation: λ WsDefault")
            && rows.contains("call: PostToConnection"),
        "the frame's timeline: {rows}"
    );
    desktop.screenshot("websocket.png").await?;

    // A broadcast from the step's invoke "try it" reaches the open connection.
    click(client, ".try-it[data-kind='invoke']").await?;
    wait_for_text(client, "#ws-invocations", "\"sent\":1").await?;
    wait_for_content(client, "#ws-frames", "IB3202").await?;

    // The frames, exported as JSON under the data directory.
    click(client, "#ws-export").await?;
    let saved = wait_for_text(client, "#ws-saved", "websocket-").await?;
    let path = saved.trim_start_matches("Saved").trim();
    let exported: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let frames = exported["frames"].as_array().cloned().unwrap_or_default();
    assert!(
        frames.iter().any(|frame| frame["direction"] == "received"
            && frame["text"]
                .as_str()
                .is_some_and(|text| text.contains("IB3202"))),
        "the export holds the broadcast frame: {exported}"
    );

    click(client, "#ws-close").await?;
    wait_for(client, "#ws-state[data-state='closed']", 20).await?;
    tear_down_everything(client).await?;
    desktop.close().await
}
