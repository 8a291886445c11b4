//! Invocations: what one needs, read under the region's lock ([`Run`]); admission against the
//! function's and the account's concurrency; running it on a warm environment of its version
//! (or a new one), with the platform's START, END and REPORT lines; and its record for the
//! inspector. The environment's output goes to CloudWatch Logs as it comes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;
use tokio::sync::mpsc;

use super::environment::{Environment, EnvironmentFailure, Launch, Outcome};
use super::function::{self, not_found};
use super::model::{Deployed, Function};
use super::pool::Pool;
use super::{Lambda, arn, cpu, name_of, process, split_qualifier};
use crate::logs::Logs;
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

/// The largest synchronous invocation payload (6 MB).
const MAX_PAYLOAD: usize = 6 * 1024 * 1024;
/// The most of the log `LogType: Tail` returns.
const TAIL_BYTES: usize = 4096;

impl Lambda {
    /// Everything one invocation of `reference` (optionally qualified) needs, read under the lock.
    fn prepare(
        &self,
        scope: &Scope,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<(Run, Arc<AtomicUsize>, Option<u32>), AwsError> {
        let (reference, qualifier) = split_qualifier(reference, qualifier);
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        let name = name_of(&reference);
        let function = functions
            .get(name)
            .ok_or_else(|| not_found(&arn(scope, name)))?;
        let deployed = resolve(function, scope, name, qualifier.as_deref())?;
        let configuration = &deployed.configuration;
        let launch = Launch {
            function_name: configuration.name.clone(),
            function_arn: match &qualifier {
                Some(qualifier) => format!("{}:{qualifier}", configuration.arn),
                None => configuration.arn.clone(),
            },
            version: configuration.version.clone(),
            runtime: configuration.runtime.clone(),
            handler: configuration.handler.clone(),
            memory_mb: configuration.memory_mb,
            task_root: deployed.code_dir.clone(),
            variables: configuration.variables.clone(),
            region: scope.region.clone(),
            sandbox_endpoint: self.endpoint(),
            log_group: format!("/aws/lambda/{}", configuration.name),
            python_loop: self.code.dir.join("python_runtime.py"),
            python: self
                .python
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            trusted_roots: self
                .trusted_roots
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            cpu_groups: self
                .cpu_groups
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            role: configuration.role.clone(),
            sessions: self.sessions.clone(),
        };
        let run = Run {
            inspector: self.feed.inspector(),
            logs: self.logs.clone(),
            scope: scope.clone(),
            timeout: Duration::from_secs(u64::from(configuration.timeout)),
            generation: deployed.pool.generation(),
            pool: deployed.pool.clone(),
            launch,
        };
        Ok((run, function.busy.clone(), function.reserved_concurrency))
    }

    /// Counts an invocation against the function's and the account's concurrency, or throttles it.
    fn admit(
        &self,
        function_busy: &Arc<AtomicUsize>,
        reserved: Option<u32>,
    ) -> Result<(BusyGuard, BusyGuard), AwsError> {
        let guards = (
            BusyGuard::acquire(function_busy),
            BusyGuard::acquire(&self.busy),
        );
        if let Some(reserved) = reserved
            && guards.0.count > reserved as usize
        {
            return Err(throttled(
                "ReservedFunctionConcurrentInvocationLimitExceeded",
            ));
        }
        if guards.1.count > self.concurrency_limit() {
            return Err(throttled("ConcurrentInvocationLimitExceeded"));
        }
        Ok(guards)
    }

    /// A synchronous invocation from another service (API Gateway): the answer's payload and
    /// whether the function failed. Throttling and a missing function are errors.
    pub async fn invoke_direct(
        &self,
        scope: &Scope,
        reference: &str,
        payload: Bytes,
        gateway_request: Option<&str>,
    ) -> Result<(Bytes, bool), AwsError> {
        let (run, function_busy, reserved) = self.prepare(scope, reference, None)?;
        let guards = self.admit(&function_busy, reserved)?;
        let (answer, _) = run.execute(payload, false, gateway_request).await;
        drop(guards);
        Ok((answer.payload, answer.failed))
    }

    /// Invoke (`POST /2015-03-31/functions/{FunctionName}/invocations`): synchronously, as an
    /// event (answered 202 at once, retried twice on failure), or as a dry run.
    pub(super) async fn invoke(&self, scope: &Scope, call: &Call) -> Result<Reply, AwsError> {
        let reference = call.label("FunctionName");
        let body = call.body.clone();
        let header = |name: &str| call.header(name);
        let invocation_type = header("x-amz-invocation-type").unwrap_or("RequestResponse");
        if !["RequestResponse", "Event", "DryRun"].contains(&invocation_type) {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{invocation_type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )));
        }
        let tail = header("x-amz-log-type") == Some("Tail");
        if body.len() > MAX_PAYLOAD {
            return Err(function::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLargeException",
                format!(
                    "Request must be smaller than {MAX_PAYLOAD} bytes for the InvokeFunction operation"
                ),
            ));
        }
        let payload = if body.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            body
        };
        // Checked without being built: a payload may nest as deep as its 6 MB allow.
        if let Err(error) = crate::wire::json_syntax::check(&payload) {
            return Err(function::error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                format!(
                    "Could not parse request body into json: Could not parse payload into json: {error}"
                ),
            ));
        }
        let (run, function_busy, reserved) =
            self.prepare(scope, reference, call.query("Qualifier"))?;
        if invocation_type == "DryRun" {
            return Ok(Reply::no_content());
        }
        let guards = self.admit(&function_busy, reserved)?;
        let executed_version = run.launch.version.clone();
        if invocation_type == "Event" {
            tokio::spawn(async move {
                // AWS retries a failed asynchronous invocation twice.
                for _ in 0..3 {
                    let (answer, _) = run.execute(payload.clone(), false, None).await;
                    if !answer.failed {
                        break;
                    }
                }
                drop(guards);
            });
            return Ok(Reply::empty(StatusCode::ACCEPTED));
        }
        let (answer, log) = run.execute(payload, tail, None).await;
        drop(guards);
        let mut reply = Reply::bytes(StatusCode::OK, "application/json", answer.payload)
            .with_header("x-amz-executed-version", &executed_version);
        if answer.failed {
            reply = reply.with_header("x-amz-function-error", "Unhandled");
        }
        if let Some(log) = log {
            let start = log.len().saturating_sub(TAIL_BYTES);
            let start = (start..=log.len())
                .find(|i| log.is_char_boundary(*i))
                .unwrap_or(log.len());
            reply = reply.with_header("x-amz-log-result", &BASE64.encode(&log.as_bytes()[start..]));
        }
        Ok(reply)
    }
}

fn throttled(reason: &str) -> AwsError {
    function::error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsException",
        "Rate Exceeded.",
    )
    .with("Reason", json!(reason))
}

/// The version a qualifier names: `$LATEST`, a version number, or an alias (honouring its
/// weights).
fn resolve<'a>(
    function: &'a Function,
    scope: &Scope,
    name: &str,
    qualifier: Option<&str>,
) -> Result<&'a Deployed, AwsError> {
    let missing = || {
        not_found(&format!(
            "{}:{}",
            arn(scope, name),
            qualifier.unwrap_or("$LATEST")
        ))
    };
    let Some(qualifier) = qualifier else {
        return Ok(&function.latest);
    };
    if let Ok(number) = qualifier.parse::<u32>() {
        return function.versions.get(&number).ok_or_else(missing);
    }
    let alias = function.aliases.get(qualifier).ok_or_else(missing)?;
    let roll = (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0;
    let mut threshold = 0.0;
    let mut chosen = &alias.function_version;
    for (version, weight) in &alias.weights {
        threshold += weight;
        if roll < threshold {
            chosen = version;
            break;
        }
    }
    match chosen.parse::<u32>() {
        Ok(number) => function.versions.get(&number).ok_or_else(missing),
        Err(_) => Ok(&function.latest),
    }
}

/// Counts a running invocation against a concurrency limit while it lives.
struct BusyGuard {
    counter: Arc<AtomicUsize>,
    /// The count including this invocation.
    count: usize,
}

impl BusyGuard {
    fn acquire(counter: &Arc<AtomicUsize>) -> Self {
        let count = counter.fetch_add(1, Ordering::SeqCst) + 1;
        Self {
            counter: counter.clone(),
            count,
        }
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What an invocation produced for the caller.
struct Answer {
    payload: Bytes,
    failed: bool,
}

/// Everything one invocation needs, independent of the service's locks.
struct Run {
    inspector: Option<Arc<crate::inspect::Inspector>>,
    logs: Arc<Logs>,
    scope: Scope,
    launch: Launch,
    timeout: Duration,
    pool: Arc<Pool>,
    generation: u64,
}

impl Run {
    /// Runs one invocation; `gateway_request` names the API Gateway request that made it, for
    /// the feed.
    async fn execute(
        &self,
        payload: Bytes,
        tail: bool,
        gateway_request: Option<&str>,
    ) -> (Answer, Option<String>) {
        let taken = Instant::now();
        let mut environment = match self.pool.take() {
            Some(environment) => environment,
            None => {
                let (lines, receiver) = mpsc::unbounded_channel();
                let environment = Environment::start(self.launch.clone(), lines).await;
                deliver_logs(
                    self.logs.clone(),
                    self.scope.clone(),
                    self.launch.log_group.clone(),
                    environment.log_stream.clone(),
                    receiver,
                );
                environment
            }
        };
        let request_id = uuid::Uuid::new_v4().to_string();
        environment.take_log();
        environment.record(&format!(
            "START RequestId: {request_id} Version: {}",
            self.launch.version
        ));
        let started = Instant::now();
        let event = payload.clone();
        let warm = environment.ready_at().is_some();
        let cpu_before = environment.cpu_time();
        let throttled_before = environment.throttled();
        environment.begin_invocation(&request_id);
        let result = environment.invoke(&request_id, payload, self.timeout).await;
        environment.end_invocation();
        // The invoke phase starts once init is over: a cold start's init is reported apart.
        let invoked = environment
            .ready_at()
            .map_or(started, |ready| ready.max(started));
        let (result, cpu_share) = self
            .share_cpu(
                &mut environment,
                result,
                cpu_before.filter(|_| warm),
                throttled_before,
                invoked,
            )
            .await;
        let duration = invoked.elapsed();
        environment.limit_cpu(self.launch.memory_mb);
        let answer = match result {
            Ok(Outcome::Response(body)) => Answer {
                payload: body,
                failed: false,
            },
            Ok(Outcome::Error(error)) => Answer {
                payload: error.payload,
                failed: true,
            },
            Err(EnvironmentFailure::TimedOut) => {
                let message = format!(
                    "{} {request_id} Task timed out after {:.2} seconds",
                    timestamp_now(),
                    self.timeout.as_secs_f64()
                );
                environment.record(&message);
                Answer {
                    payload: Bytes::from(json!({"errorMessage": message}).to_string()),
                    failed: true,
                }
            }
            Err(EnvironmentFailure::Exited(status)) => {
                let message =
                    format!("RequestId: {request_id} Error: Runtime exited with error: {status}");
                environment.record(&message);
                Answer {
                    payload: Bytes::from(
                        json!({"errorType": "Runtime.ExitError", "errorMessage": message})
                            .to_string(),
                    ),
                    failed: true,
                }
            }
            Err(EnvironmentFailure::Init(error)) => Answer {
                payload: error.payload,
                failed: true,
            },
        };
        // Let the process's last output reach the log before the platform's closing lines.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        let billed = duration.as_micros().div_ceil(1000).max(1);
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
            process::millis(duration),
            self.launch.memory_mb,
            environment.max_memory_mb().unwrap_or(0)
        );
        let init = environment.take_init_duration();
        let cold_start = init.is_some();
        if let Some(init) = init {
            report.push_str(&format!("\tInit Duration: {} ms", process::millis(init)));
        }
        if let Some(share) = &cpu_share {
            report.push_str(&format!(
                "\tCPU: {:.2} vCPU ({})",
                cpu::vcpus(self.launch.memory_mb),
                share.mode
            ));
        }
        environment.record(&format!("END RequestId: {request_id}"));
        environment.record(&report);
        let log = environment.take_log();
        if let Some(inspector) = &self.inspector {
            inspector.record(lab_feed::Record::new(
                self.scope.region.clone(),
                lab_feed::Kind::Invocation(lab_feed::Invocation {
                    function: self.launch.function_name.clone(),
                    version: self.launch.version.clone(),
                    request_id: request_id.clone(),
                    environment: environment.id.clone(),
                    cold_start,
                    started_ms: Some(crate::clock::epoch_ms_ago(taken.elapsed())),
                    init_ms: init.map(|init| init.as_secs_f64() * 1000.0),
                    duration_ms: duration.as_secs_f64() * 1000.0,
                    event: as_json(&event),
                    failed: answer.failed,
                    answer: as_json(&answer.payload),
                    log: log.lines().map(str::to_owned).collect(),
                    gateway_request: gateway_request.map(str::to_owned),
                    cpu: cpu_share,
                }),
            ));
        }
        let log = tail.then_some(log);
        environment.last_used = Instant::now();
        self.pool.give_back(environment, self.generation);
        (answer, log)
    }
}

impl Run {
    /// Lambda's CPU rule. Under a cgroup ([`super::cgroup`]) the kernel has applied it: the
    /// invocation's CPU time and how long it waited for its quota are reported. Emulated
    /// ([`cpu`]): a warm invocation that finished is charged to its environment's CPU budget,
    /// and held for what the budget could not pay — or answers as timed out when that would
    /// outlast the function's timeout. What happened is the feed's `cpu` member.
    async fn share_cpu(
        &self,
        environment: &mut Environment,
        result: Result<Outcome, EnvironmentFailure>,
        cpu_before: Option<Duration>,
        throttled_before: Option<Duration>,
        invoked: Instant,
    ) -> (
        Result<Outcome, EnvironmentFailure>,
        Option<lab_feed::CpuShare>,
    ) {
        let cpu_after = environment.cpu_time();
        if let (Some(before), Some(after)) = (throttled_before, environment.throttled()) {
            let used = match (cpu_before, cpu_after) {
                (Some(before), Some(after)) => after.saturating_sub(before),
                _ => Duration::ZERO,
            };
            let share = lab_feed::CpuShare {
                vcpus: cpu::vcpus(self.launch.memory_mb),
                cpu_ms: used.as_secs_f64() * 1000.0,
                held_ms: after.saturating_sub(before).as_secs_f64() * 1000.0,
                mode: "cgroup".to_owned(),
            };
            return (result, Some(share));
        }
        let (Ok(_), Some(before), Some(after), Some(budget)) = (
            &result,
            cpu_before,
            cpu_after,
            environment.cpu_budget.as_mut(),
        ) else {
            return (result, None);
        };
        let used = after.saturating_sub(before);
        let now = Instant::now();
        let hold = budget.charge(used, now);
        let ends = now.saturating_duration_since(invoked) + hold;
        let share = |held: Duration| lab_feed::CpuShare {
            vcpus: cpu::vcpus(self.launch.memory_mb),
            cpu_ms: used.as_secs_f64() * 1000.0,
            held_ms: held.as_secs_f64() * 1000.0,
            mode: "emulated".to_owned(),
        };
        if ends > self.timeout {
            let held = self
                .timeout
                .saturating_sub(now.saturating_duration_since(invoked));
            tokio::time::sleep(held).await;
            return (Err(EnvironmentFailure::TimedOut), Some(share(held)));
        }
        tokio::time::sleep(hold).await;
        (result, Some(share(hold)))
    }
}

/// A payload as JSON when it is JSON, else as text.
fn as_json(bytes: &Bytes) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(bytes)))
}

/// Now as `2026-11-21T12:00:00.000Z`, as the platform prefixes its messages.
fn timestamp_now() -> String {
    crate::clock::iso8601_millis(crate::clock::now_millis())
}

/// Forwards an environment's log lines to CloudWatch Logs, batching what has accumulated.
fn deliver_logs(
    logs: Arc<Logs>,
    scope: Scope,
    group: String,
    stream: String,
    mut lines: mpsc::UnboundedReceiver<(i64, String)>,
) {
    tokio::spawn(async move {
        while let Some(first) = lines.recv().await {
            let mut batch = vec![first];
            while let Ok(more) = lines.try_recv() {
                batch.push(more);
            }
            logs.append(&scope, &group, &stream, batch).await;
        }
    });
}
