//! A run: virtual users as tasks on the caller's runtime, each sending the plan's request in a
//! loop on its own connection; a controller that starts and parks users as the profile says
//! (every 100 ms) and gathers what they measured once a second; the summary at the end.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method};
use tokio::sync::watch;

use super::client::{self, Prepared, Target};
use super::profile::Profile;
use super::stats::{Interval, Outcome, Snapshot, Summary, Tally, Verdict};
use super::template::{Random, Text};
use super::threshold::Threshold;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// Virtual users at most.
    pub vus: usize,
    pub duration: Duration,
    pub profile: Profile,
    /// A pause after each of a user's requests.
    pub think_time: Duration,
    /// How long a request may take before it counts as timed out.
    pub timeout: Duration,
    pub thresholds: Vec<Threshold>,
}

impl Plan {
    /// A plan of `vus` users sending `method url` for `duration` at a fixed load.
    pub fn new(method: &str, url: &str, vus: usize, duration: Duration) -> Self {
        Self {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: Vec::new(),
            body: None,
            vus,
            duration,
            profile: Profile::Fixed,
            think_time: Duration::ZERO,
            timeout: Duration::from_secs(30),
            thresholds: Vec::new(),
        }
    }
}

/// The most users a run may have: each holds a connection.
pub const MAX_VUS: usize = 1_000;
/// The longest run.
pub const MAX_DURATION: Duration = Duration::from_secs(3_600);

/// Why a plan cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{0:?} is not an http:// or https:// URL")]
    Url(String),
    #[error("{0:?} is not an HTTP method")]
    Method(String),
    #[error("header {0:?} is not a valid header")]
    Header(String),
    #[error("{0}")]
    Variable(#[from] super::template::UnknownVariable),
    #[error("a run has 1 to {MAX_VUS} virtual users, not {0}")]
    Vus(usize),
    #[error("a run lasts from 1 second to an hour")]
    Duration,
}

/// The request, parsed once.
#[derive(Debug)]
struct Shared {
    target: Target,
    method: Method,
    /// The URL (plain HTTP: its path and query).
    url: Text,
    headers: Vec<(HeaderName, Text)>,
    body: Text,
    timeout: Duration,
    think_time: Duration,
    intervals: Vec<Mutex<Interval>>,
    /// The request, built once, when nothing in it varies.
    constant: Option<Prepared>,
}

impl Shared {
    fn new(plan: &Plan) -> Result<Self, PlanError> {
        let invalid_url = || PlanError::Url(plan.url.clone());
        let url = reqwest::Url::parse(&plan.url).map_err(|_| invalid_url())?;
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            _ => return Err(invalid_url()),
        };
        let host = url.host_str().ok_or_else(invalid_url)?.to_owned();
        let port = url.port_or_known_default().ok_or_else(invalid_url)?;
        let host_header = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        // An IPv6 host keeps its brackets, as a socket address needs them.
        let address = format!("{host}:{port}");
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let method = Method::from_bytes(plan.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| PlanError::Method(plan.method.clone()))?;
        let headers = plan
            .headers
            .iter()
            .map(|(name, value)| {
                let name = HeaderName::from_bytes(name.trim().as_bytes())
                    .map_err(|_| PlanError::Header(name.clone()))?;
                Ok((name, Text::parse(value.trim())?))
            })
            .collect::<Result<_, PlanError>>()?;
        if plan.vus == 0 || plan.vus > MAX_VUS {
            return Err(PlanError::Vus(plan.vus));
        }
        if plan.duration < Duration::from_secs(1) || plan.duration > MAX_DURATION {
            return Err(PlanError::Duration);
        }
        let mut shared = Self {
            url: Text::parse(if https { &plan.url } else { &path })?,
            target: Target {
                address,
                host: host_header,
                https,
            },
            method,
            headers,
            body: Text::parse(plan.body.as_deref().unwrap_or_default())?,
            timeout: plan.timeout,
            think_time: plan.think_time,
            intervals: (0..plan.vus)
                .map(|_| Mutex::new(Interval::default()))
                .collect(),
            constant: None,
        };
        let constant = shared.url.is_constant()
            && shared.body.is_constant()
            && shared.headers.iter().all(|(_, value)| value.is_constant());
        if constant {
            shared.constant = Some(shared.prepare(0, 0, &mut Random::seeded(1)));
        }
        Ok(shared)
    }

    /// The request for `vu`'s `iteration`: the constant one when nothing varies (a cheap
    /// clone of its bytes), else filled anew.
    fn prepare(&self, vu: usize, iteration: u64, random: &mut Random) -> Prepared {
        if let Some(constant) = &self.constant {
            return constant.clone();
        }
        if !self.target.https {
            let headers: Vec<(String, String)> = self
                .headers
                .iter()
                .map(|(name, value)| {
                    let value = value.fill(vu, iteration, random);
                    // A value with a line break would split the request: it is left out, as
                    // the HTTPS client leaves out a value it refuses.
                    let value = if value.contains(['\r', '\n']) {
                        String::new()
                    } else {
                        value
                    };
                    (name.as_str().to_owned(), value)
                })
                .filter(|(_, value)| !value.is_empty())
                .collect();
            let bytes = super::http1::encode(
                self.method.as_str(),
                &self.url.fill(vu, iteration, random),
                &self.target.host,
                &headers,
                self.body.fill(vu, iteration, random).as_bytes(),
            );
            return Prepared::Wire {
                bytes: Bytes::from(bytes),
                head: self.method == Method::HEAD,
            };
        }
        let mut headers = HeaderMap::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(&value.fill(vu, iteration, random)) {
                headers.append(name.clone(), value);
            }
        }
        Prepared::Tls {
            method: self.method.clone(),
            url: self.url.fill(vu, iteration, random),
            headers,
            body: Bytes::from(self.body.fill(vu, iteration, random)),
        }
    }
}

/// Checks a plan without running it.
pub fn check(plan: &Plan) -> Result<(), PlanError> {
    Shared::new(plan).map(|_| ())
}

/// Runs `plan` until its duration has passed or `stop` turns true, calling `on_second` with
/// each second's snapshot; the summary says what the run measured and which thresholds it met.
pub async fn run(
    plan: &Plan,
    mut stop: watch::Receiver<bool>,
    mut on_second: impl FnMut(&Snapshot),
) -> Result<Summary, PlanError> {
    let shared = Arc::new(Shared::new(plan)?);
    let (active_tx, active_rx) = watch::channel(plan.profile.active(plan.vus, 0.0));
    let (done_tx, done_rx) = watch::channel(false);
    let users: Vec<_> = (0..plan.vus)
        .map(|index| {
            tokio::spawn(user(
                index,
                shared.clone(),
                active_rx.clone(),
                done_rx.clone(),
            ))
        })
        .collect();
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut ticks = tokio::time::interval(Duration::from_millis(100));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_gathered = started;
    let mut peak_in_second = *active_tx.borrow();
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.changed() => {}
        }
        let elapsed = started.elapsed();
        if elapsed >= plan.duration || *stop.borrow() {
            break;
        }
        let progress = elapsed.as_secs_f64() / plan.duration.as_secs_f64();
        let active = plan.profile.active(plan.vus, progress);
        active_tx.send_if_modified(|current| {
            let changed = *current != active;
            *current = active;
            changed
        });
        peak_in_second = peak_in_second.max(active);
        if last_gathered.elapsed() >= Duration::from_secs(1) {
            let length = last_gathered.elapsed().as_secs_f64();
            last_gathered = Instant::now();
            let snapshot = tally.gather(
                shared.intervals.iter().map(lock),
                started.elapsed().as_secs_f64(),
                length,
                peak_in_second,
            );
            peak_in_second = active;
            on_second(&snapshot);
        }
    }
    let _ = done_tx.send(true);
    // Requests under way may finish within a short grace; then the users are stopped.
    let grace = tokio::time::sleep(Duration::from_secs(2));
    tokio::pin!(grace);
    for mut handle in users {
        tokio::select! {
            _ = &mut handle => {}
            _ = &mut grace => handle.abort(),
        }
    }
    let duration = started
        .elapsed()
        .min(plan.duration.max(Duration::from_millis(1)));
    let length = last_gathered.elapsed().as_secs_f64();
    if length > 0.05 {
        let snapshot = tally.gather(
            shared.intervals.iter().map(lock),
            duration.as_secs_f64(),
            length,
            peak_in_second,
        );
        on_second(&snapshot);
    }
    let mut summary = tally.summary(duration, plan.vus);
    summary.thresholds = plan
        .thresholds
        .iter()
        .map(|threshold| Verdict {
            expr: threshold.to_string(),
            passed: threshold.passed(&summary),
        })
        .collect();
    Ok(summary)
}

fn lock(interval: &Mutex<Interval>) -> std::sync::MutexGuard<'_, Interval> {
    interval.lock().unwrap_or_else(|p| p.into_inner())
}

/// One virtual user: sends while it is among the active ones, parks otherwise.
async fn user(
    index: usize,
    shared: Arc<Shared>,
    mut active: watch::Receiver<usize>,
    mut done: watch::Receiver<bool>,
) {
    let mut connection = None;
    let mut random = Random::seeded(index as u64 + 1);
    let mut iteration = 0u64;
    let deadline = tokio::time::sleep(shared.timeout);
    tokio::pin!(deadline);
    // The profile's current number of users, read again only when it changes (an atomic
    // version check per request rather than a lock).
    let mut limit = *active.borrow_and_update();
    loop {
        if done.has_changed().unwrap_or(true) {
            return;
        }
        if active.has_changed().unwrap_or(false) {
            limit = *active.borrow_and_update();
        }
        if index >= limit {
            tokio::select! {
                changed = active.changed() => if changed.is_err() { return },
                _ = done.changed() => return,
            }
            limit = *active.borrow_and_update();
            continue;
        }
        let request = shared.prepare(index, iteration, &mut random);
        let started = Instant::now();
        // One timer per user, moved for each request rather than made anew.
        deadline
            .as_mut()
            .reset(tokio::time::Instant::from_std(started + shared.timeout));
        let outcome = tokio::select! {
            biased;
            outcome = client::send(&mut connection, &shared.target, &request) => outcome,
            _ = deadline.as_mut() => {
                connection = None;
                Outcome::TimedOut
            }
        };
        lock(&shared.intervals[index]).record(started.elapsed(), outcome);
        iteration += 1;
        if !shared.think_time.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(shared.think_time) => {}
                _ = done.changed() => return,
            }
        }
    }
}
