//! The engine as the window uses it: one connection to the target (recorded for the inspector),
//! the journal, the lessons and the packaged functions — made on first use and shared by every
//! command. Captured traffic and the sandbox's inspection feed are forwarded to the window as
//! the `traffic` and `server` events; the feed's latest records are kept for waterfalls.

use std::sync::Arc;

use lab_contract::{ErrorCode, ErrorDto};
use lab_engine::cloud::Cloud;
use lab_engine::journal::Journal;
use lab_engine::lesson::Library;
use lab_engine::run::Runner;
use lab_engine::server_feed::ServerFeed;
use lab_engine::traffic::Recorder;
use lab_engine::websocket;
use lab_engine::{DataDir, Target};
use lab_feed::Numbered;
use lab_functions::Artifacts;
use tauri::{AppHandle, Emitter};

use lab_engine::views::inspect;

/// The journal's name for the app's embedded sandbox; the CLI uses the same, so both see the
/// same resources and progress.
pub const SANDBOX_JOURNAL_KEY: &str = "sandbox";

/// Everything a command needs to run lessons on the target.
#[derive(Debug)]
pub struct Session {
    pub cloud: Cloud,
    pub journal: Journal,
    pub library: Library,
    pub artifacts: Artifacts,
    pub recorder: Recorder,
    pub http: reqwest::Client,
    /// The inspector's open WebSocket connections, by client id.
    pub websockets: std::sync::Mutex<std::collections::HashMap<u64, websocket::Client>>,
    /// Every frame of those connections; forwarded to the window as `ws-frame` events.
    pub frames: tokio::sync::broadcast::Sender<websocket::Frame>,
    /// Stops the Load panel's run under way, if there is one.
    pub load_stop: std::sync::Mutex<Option<tokio::sync::watch::Sender<bool>>>,
    /// The sandbox's latest feed records (as many as its history keeps), for waterfalls.
    pub records: Arc<std::sync::Mutex<std::collections::VecDeque<Numbered>>>,
    /// The task following the sandbox's feed; stopped with the session.
    feed: Option<tauri::async_runtime::JoinHandle<()>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(feed) = self.feed.take() {
            feed.abort();
        }
    }
}

impl Session {
    /// The engine's runner on this session's target.
    pub fn runner(&self) -> Runner<'_> {
        Runner {
            cloud: &self.cloud,
            journal: &self.journal,
            artifacts: &self.artifacts,
            load_duration: None,
        }
    }

    /// Connects to `target`, opens the journal and reads the lessons, then starts forwarding
    /// traffic and server records to the window.
    pub async fn open(
        app: &AppHandle,
        target: &Target,
        data_dir: &DataDir,
    ) -> Result<Arc<Self>, ErrorDto> {
        let recorder = Recorder::default();
        let journal_key = match target {
            Target::Sandbox { .. } => SANDBOX_JOURNAL_KEY.to_owned(),
            Target::Aws { .. } => "aws".to_owned(),
        };
        let cloud = Cloud::connect_recorded(target, journal_key, Some(&recorder))
            .await
            .map_err(|error| ErrorDto::new(ErrorCode::TargetUnavailable, error.to_string()))?;
        let journal = Journal::open(data_dir.path()).map_err(|error| ErrorDto::internal(&error))?;
        let library = Library::load(&Library::default_dir())
            .map_err(|error| ErrorDto::new(ErrorCode::Internal, error.to_string()))?;
        forward(
            app.clone(),
            recorder.subscribe(),
            "traffic",
            inspect::exchange,
        );
        let (frames, _) = tokio::sync::broadcast::channel(1024);
        forward(app.clone(), frames.subscribe(), "ws-frame", inspect::frame);
        let records = Arc::default();
        let feed = match target {
            Target::Sandbox { endpoint } => Some(forward_server_feed(
                app.clone(),
                endpoint,
                Arc::clone(&records),
            )),
            Target::Aws { .. } => None,
        };
        Ok(Arc::new(Self {
            cloud,
            journal,
            library,
            artifacts: Artifacts::discover(),
            recorder,
            http: reqwest::Client::new(),
            websockets: std::sync::Mutex::new(std::collections::HashMap::new()),
            load_stop: std::sync::Mutex::new(None),
            frames,
            records,
            feed,
        }))
    }
}

/// Emits every value `stream` carries as the window's `event`, made by `view`, until the
/// stream closes; a window that falls behind loses the oldest values, and the log says so.
fn forward<T, V>(
    app: AppHandle,
    mut stream: tokio::sync::broadcast::Receiver<T>,
    event: &'static str,
    view: fn(&T) -> V,
) where
    T: Clone + Send + 'static,
    V: serde::Serialize + Clone + 'static,
{
    tauri::async_runtime::spawn(async move {
        loop {
            match stream.recv().await {
                Ok(value) => {
                    let _ = app.emit(event, view(&value));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, event, "the window fell behind");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// Follows the sandbox's feed: each record goes to the window as a `server` event and into
/// `kept`, which holds as many as the sandbox's own history.
fn forward_server_feed(
    app: AppHandle,
    endpoint: &str,
    kept: Arc<std::sync::Mutex<std::collections::VecDeque<Numbered>>>,
) -> tauri::async_runtime::JoinHandle<()> {
    let feed = ServerFeed::new(endpoint);
    tauri::async_runtime::spawn(feed.follow(move |record| {
        let _ = app.emit("server", inspect::server_record(&record));
        let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() == lab_sandbox::inspect::HISTORY {
            kept.pop_front();
        }
        kept.push_back(record);
    }))
}
