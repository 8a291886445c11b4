// Generated from the Rust crate lab-contract by `make bindings`. Do not edit by hand.

/**
 * The answer of the `app_info` command.
 */
export type AppInfo = { 
/**
 * The app's version, as in its Cargo manifest.
 */
version: string, 
/**
 * The directory holding the app's own data (sandbox state, journals, answers).
 */
data_dir: string, 
/**
 * The cloud the lessons run against.
 */
target: TargetInfo, 
/**
 * The app's own sandbox process; `None` while it is stopped.
 */
sandbox: SandboxHealth | null, };

/**
 * The cloud the engine talks to. Both go through the same AWS SDK code; only the endpoint and
 * the credentials differ.
 */
export type TargetInfo = { "kind": "sandbox", endpoint: string, } | { "kind": "aws", region: string | null, profile: string | null, };

/**
 * The app's sandbox, which runs in a process of its own and is started again if it ends
 * (sent as the `sandbox-health` event whenever it changes).
 */
export type SandboxHealth = { "state": "ready", pid: number, restarts: number, } | { "state": "restarting", reason: string, restarts: number, };

/**
 * An error returned by a command: `{ code, message }`.
 */
export type ErrorDto = { code: ErrorCode, message: string, };

/**
 * What kind of failure a command met, stable across releases so the UI can react to it.
 */
export type ErrorCode = "invalid_input" | "target_unavailable" | "aws_error" | "artifact_missing" | "lesson_problem" | "conflict" | "check_failed" | "internal";

/**
 * A lesson in the navigator.
 */
export type LessonSummary = { id: string, title: string, summary: string, steps: number, 
/**
 * Steps done on the current target.
 */
done: number, };

/**
 * A lesson with its steps, rendered for the current target.
 */
export type LessonView = { id: string, title: string, summary: string, 
/**
 * Markdown: the prose before the first step.
 */
introduction: string, steps: Array<StepView>, 
/**
 * The lesson's variables so far (`ACCOUNT_ID`, `LAMBDA_ARN`, `API_ID`, …).
 */
variables: Array<Variable>, 
/**
 * The lab functions the lesson deploys (crates under `lambda/`), for the source viewer.
 */
functions: Array<string>, 
/**
 * The lesson's web page (its `site/` folder: paths under it, and the text as written,
 * variables unfilled), for the source viewer; empty when the lesson has none.
 */
site: Array<SourceFileView>, 
/**
 * Where the steps run: `sandbox` or `aws`, with the account and region.
 */
target: LessonTarget, };

/**
 * The account a lesson's steps create resources in.
 */
export type LessonTarget = { 
/**
 * `sandbox` or `aws`.
 */
kind: string, account: string, region: string, };

/**
 * One lesson variable.
 */
export type Variable = { name: string, value: string, };

/**
 * One step of a lesson.
 */
export type StepView = { id: string, title: string, 
/**
 * Markdown.
 */
prose: string, 
/**
 * A choice the student makes for the step (which code to deploy, say).
 */
choice: ChoiceView | null, 
/**
 * The action's name (`dynamodb.create-table`); none for a step that only explains.
 */
action: string | null, 
/**
 * The AWS CLI commands that do what the action does, variables filled where known.
 */
commands: Array<string>, 
/**
 * The variables the step captures.
 */
outputs: Array<string>, 
/**
 * What the step verifies, in words.
 */
checks: Array<string>, try_it: Array<TryItView>, 
/**
 * The log group to show, if any.
 */
logs: string | null, 
/**
 * A web page the step puts online, its URL filled in once known (`None` before).
 */
page: string | null, questions: Array<QuestionView>, 
/**
 * Done on the current target.
 */
done: boolean, };

/**
 * A step's choice: the variable it sets, its options, and the one chosen.
 */
export type ChoiceView = { name: string, prompt: string, options: Array<ChoiceOption>, chosen: string, };

/**
 * One option of a choice: its value and what it is, in words.
 */
export type ChoiceOption = { value: string, label: string, };

/**
 * Something the student can try, variables filled where known: an HTTP request
 * (`kind` `http`: `method`, `url`, `body`), a WebSocket connection (`websocket`: `url`, and the
 * first message in `body`), or an invocation (`invoke`: `function` with the event in `body`).
 */
export type TryItView = { title: string, kind: string, method: string | null, url: string | null, body: string | null, function: string | null, };

/**
 * A question with the answer saved so far.
 */
export type QuestionView = { id: string, prompt: string, answer: string | null, };

/**
 * What happens while a lesson runs, sent as the `lesson-event` event.
 */
export type LessonEvent = { "event": "step_started", lesson: string, id: string, title: string, } | { "event": "action_done", lesson: string, id: string, summary: string, 
/**
 * AWS CLI commands for what the action did beyond its usual equivalent.
 */
performed: Array<string>, 
/**
 * What the action found already there, made before the lesson, and used as it is
 * (`table ccbda-lambda-first`): teardown keeps it.
 */
adopted: string | null, } | { "event": "captured", lesson: string, name: string, value: string, } | { "event": "checked", lesson: string, id: string, description: string, passed: boolean, detail: string | null, } | { "event": "step_done", lesson: string, id: string, } | { "event": "step_failed", lesson: string, id: string, 
/**
 * What kind of failure: the window offers a remedy by it.
 */
code: ErrorCode, 
/**
 * What went wrong, in plain words.
 */
message: string, 
/**
 * What to do about it.
 */
hint: string | null, };

/**
 * One header.
 */
export type Header = { name: string, value: string, };

/**
 * One request and its answer: an AWS SDK call or a try-it request. Sent as the `traffic` event.
 */
export type ExchangeView = { id: number, 
/**
 * `sdk` or `try-it`.
 */
origin: string, 
/**
 * For SDK calls: `DynamoDB CreateTable`; for try-it: its title.
 */
label: string, method: string, url: string, request_headers: Array<Header>, request_body: string, 
/**
 * None when no answer came (see `error`).
 */
status: number | null, response_headers: Array<Header>, response_body: string, error: string | null, 
/**
 * Milliseconds since the epoch.
 */
started_at_ms: number, duration_ms: number, };

/**
 * A request to send from the composer.
 */
export type TryItRequest = { title: string, method: string, url: string, body: string | null, 
/**
 * Headers to send besides the body's `Content-Type` (an `Authorization` with a user's
 * token).
 */
headers: Array<Header>, };

/**
 * Signing a pool's user in, for the composer to send requests with the user's token.
 */
export type SignInRequest = { pool_id: string, client_id: string, username: string, password: string, };

/**
 * A signed-in user's tokens.
 */
export type SignInView = { id_token: string, access_token: string, 
/**
 * Seconds the tokens last.
 */
expires_in: number, 
/**
 * How the app signed in: `USER_PASSWORD_AUTH` or `USER_SRP_AUTH`, as the app client allows.
 */
flow: string, };

/**
 * Something the sandbox did, from its inspection feed. Sent as the `server` event.
 */
export type ServerRecord = { 
/**
 * The feed's number: it counts up from the sandbox's start time in microseconds, so it
 * keeps counting up across restarts (exact in a JavaScript number).
 */
id: number, 
/**
 * `lambda`, `apigateway` or `dynamodb`.
 */
service: string, 
/**
 * `invocation`, `request` or `item-change`.
 */
kind: string, 
/**
 * Milliseconds since the epoch.
 */
time: number, 
/**
 * For an invocation: the function; for a request: `GET / → GET /` (the route chosen); for
 * an item change: `PutItem things`.
 */
title: string, 
/**
 * The API Gateway request id (an HTTP API's `apigw-requestid`, a REST API's
 * `x-amzn-RequestId`), which links a request to its exchange.
 */
request_id: string | null, 
/**
 * The WebSocket connection it concerns (WebSocket events, `@connections` calls, and the
 * invocations they caused).
 */
connection_id: string | null, 
/**
 * The event the function received (for an item change: the item's key), pretty JSON.
 */
event: string | null, 
/**
 * What the function (or the gateway) answered (for an item change: the item as it is
 * now, none once deleted), pretty JSON.
 */
answer: string | null, 
/**
 * The function's log lines (START/END/REPORT and its own).
 */
log: Array<string>, status: number | null, 
/**
 * Why it failed, when it did: what API Gateway noted for a 5xx (the access log's
 * `$context.integrationErrorMessage`), a WebSocket route's failure.
 */
error: string | null, duration_ms: number | null, 
/**
 * For a REST API's non-proxy integration: what its mapping templates did — the request
 * template chosen and its output, the integration response selected and why, the
 * response template's output.
 */
mapping: string | null, 
/**
 * For a REST API method whose answers its stage caches: `hit` (served from the cache; the
 * integration was not called), `miss`, or `refreshed` (the client sent
 * `Cache-Control: max-age=0`).
 */
cache: string | null, 
/**
 * What the route's or method's authorizer decided (an HTTP or REST request, a WebSocket
 * `$connect`), when it has one.
 */
authorizer: AuthorizerView | null, 
/**
 * The whole record, pretty JSON.
 */
raw: string, };

/**
 * An authorizer's decision on one request, and why.
 */
export type AuthorizerView = { 
/**
 * `JWT`, `REQUEST`, `TOKEN`, `COGNITO_USER_POOLS` or `AWS_IAM`.
 */
kind: string, 
/**
 * `allowed`, `refused` or `failed`.
 */
decision: string, 
/**
 * Why it refused or failed (expired, wrong audience, missing scope, denied by policy), or
 * which policy let the signer in.
 */
reason: string | null, 
/**
 * What it let in with: the token's claims, the function's context, or the signer — pretty
 * JSON.
 */
detail: string | null, 
/**
 * What the sandbox could not weigh, or how far it evaluated (IAM policies).
 */
note: string | null, };

/**
 * Opening a WebSocket connection from the inspector.
 */
export type WsConnectRequest = { 
/**
 * `ws://…` or `wss://…`, query string included.
 */
url: string, headers: Array<Header>, };

/**
 * An open inspector connection.
 */
export type WsConnectionView = { client: number, url: string, 
/**
 * The `x-serverless-lab-client` header it connected with: the sandbox's `$connect`
 * record carries it, which tells the inspector the connection id API Gateway gave it.
 */
tag: string, };

/**
 * A frame the student sends: `text` (with `text`), `binary` (with `base64`), `ping`, or
 * `close` (with `close_code` and `close_reason`).
 */
export type WsSendRequest = { client: number, opcode: string, text: string | null, base64: string | null, close_code: number | null, close_reason: string | null, };

/**
 * One WebSocket frame, either way. Sent as the `ws-frame` event.
 */
export type WsFrameView = { client: number, seq: number, 
/**
 * `sent` or `received`.
 */
direction: string, 
/**
 * Milliseconds since the epoch.
 */
at_ms: number, 
/**
 * `text`, `binary`, `ping`, `pong` or `close`.
 */
opcode: string, size: number, text: string | null, base64: string | null, close_code: number | null, close_reason: string | null, };

/**
 * Invoking a function from a step's "try it".
 */
export type InvokeRequest = { function: string, 
/**
 * The event, JSON.
 */
payload: string, };

/**
 * What an invocation answered.
 */
export type InvokeResultView = { function: string, 
/**
 * Lambda's `FunctionError` (`Unhandled`) when the function failed.
 */
function_error: string | null, payload: string, duration_ms: number, };

/**
 * A resource the journal holds (or teardown found by its tags).
 */
export type ResourceView = { 
/**
 * `usage-plan`, `api-key`, `api`, `rest-api`, `permission`, `function`, `log-group`, `table`,
 * `role`.
 */
kind: string, name: string, lesson: string, step: string, 
/**
 * `intent`, `created`, `adopted`.
 */
state: string, 
/**
 * False for a lab resource found by its tags that the journal does not know.
 */
journaled: boolean, 
/**
 * True when it existed before the lesson (adopted): teardown keeps it unless asked for it
 * by name.
 */
kept: boolean, 
/**
 * For a kept resource, what deleting it would also delete (`3 items`).
 */
holds: string | null, };

/**
 * A resource as the target reports it: the describe call for its kind and the service's answer.
 */
export type ResourceDescription = { 
/**
 * `DynamoDB DescribeTable`.
 */
operation: string, 
/**
 * The service's answer (JSON pretty-printed; IAM's XML as it came), secrets hidden.
 */
body: string, };

/**
 * One resource's removal, sent as the `teardown-progress` event while teardown runs.
 */
export type RemovalView = { resource: ResourceView, 
/**
 * `deleted`, `already-gone` or `failed`.
 */
outcome: string, reason: string | null, };

/**
 * The whole teardown.
 */
export type TeardownView = { removals: Array<RemovalView>, 
/**
 * What it kept: resources that existed before the lessons.
 */
kept: Array<ResourceView>, 
/**
 * Lab resources still on the target afterwards.
 */
leftovers: Array<string>, complete: boolean, };

/**
 * A lab function's Rust sources.
 */
export type FunctionSources = { name: string, description: string, files: Array<SourceFileView>, };

/**
 * One file of a function's crate (or of the shared kit).
 */
export type SourceFileView = { 
/**
 * e.g. `lambda/crud/src/handler.rs`.
 */
path: string, text: string, };

/**
 * One page of a table's items, for the data view.
 */
export type ItemPage = { table: string, 
/**
 * The key attributes, partition key first.
 */
key: Array<string>, 
/**
 * Each item in DynamoDB JSON, pretty-printed.
 */
items: Array<string>, 
/**
 * The same items in plain JSON, pretty-printed.
 */
plain: Array<string>, 
/**
 * Where the next page starts (DynamoDB JSON), to pass back as `start`.
 */
next: string | null, };

export type DiagramView = { nodes: Array<DiagramNode>, edges: Array<DiagramEdge>, };

/**
 * One resource of the diagram.
 */
export type DiagramNode = { 
/**
 * `function:LambdaCRUD`.
 */
id: string, 
/**
 * `client`, `table`, `function`, `role`, `http-api`, `websocket-api`, `rest-api`, `route`,
 * `resource`, `method`, `stage`, `api-key`, `usage-plan`.
 */
kind: string, label: string, 
/**
 * The step that makes it.
 */
step: string | null, 
/**
 * `planned`, `creating`, `ready`, `failed`, `adopted`, `torn-down`.
 */
state: string, 
/**
 * What identifies it on the target (table or function name, API id), once known: how a
 * request's waterfall finds the nodes it went through.
 */
physical_id: string | null, };

/**
 * What connects two resources.
 */
export type DiagramEdge = { from: string, to: string, 
/**
 * `calls`, `contains`, `serves`, `integration`, `permission`, `assumes`, `reads-writes`,
 * `covers`.
 */
kind: string, };

/**
 * The request to draw, as the client saw it: an HTTP exchange or a WebSocket frame.
 */
export type WaterfallRequest = { 
/**
 * `GET /items`, `frame sent`.
 */
label: string, 
/**
 * Milliseconds since the epoch.
 */
sent_at_ms: number, 
/**
 * How long the client waited for its answer (none for a frame).
 */
duration_ms: number | null, status: number | null, 
/**
 * The API Gateway request id that links it to the server side (`apigw-requestid`,
 * `x-amzn-RequestId`, a WebSocket event's `requestId`).
 */
request_id: string | null, };

/**
 * The timeline.
 */
export type WaterfallView = { 
/**
 * Rows in the order they happened, each placed from the timeline's start.
 */
rows: Array<WaterfallRow>, 
/**
 * From the first row's start to the last row's end.
 */
total_ms: number, 
/**
 * What the request went through, as the diagram's nodes know them (`physical_id`): the
 * API's id, the function's name, the tables its calls read and wrote.
 */
path: Array<string>, 
/**
 * Why the server side is missing or partial, when it is.
 */
note: string | null, };

/**
 * One span (or, with no duration, one moment) of the timeline.
 */
export type WaterfallRow = { label: string, 
/**
 * `client`, `apigateway`, `lambda`, `dynamodb`, `logs`, `iam`, `sts`, `tagging`.
 */
service: string, 
/**
 * `request`, `route`, `cache`, `authorizer`, `integration`, `invocation`, `init`,
 * `handler`, `call`,
 * `response`.
 */
phase: string, 
/**
 * How deep it sits: the client's request 0, the gateway's 1, its integration 2, the
 * invocation 3, its init, handler and calls 4.
 */
depth: number, 
/**
 * Milliseconds from the timeline's start.
 */
start_ms: number, 
/**
 * None for a moment (a route matched, a cache hit).
 */
duration_ms: number | null, detail: string | null, failed: boolean, };

/**
 * A load test to start from the Load panel.
 */
export type LoadPlanDto = { method: string, url: string, 
/**
 * `Name: value` lines.
 */
headers: Array<string>, body: string | null, vus: number, duration_s: number, 
/**
 * `fixed`, `ramp-up`, `spike` or `peak`.
 */
profile: string, 
/**
 * `p95 < 300ms`, `errors < 1%`, `rps > 100`.
 */
thresholds: Array<string>, label: string | null, 
/**
 * `rest`, `http` or `none`: the price of the API's requests.
 */
api: string, 
/**
 * The function behind the URL, whose logs price its duration.
 */
function: string | null, };

/**
 * Latencies in milliseconds.
 */
export type LatencyView = { avg: number, p50: number, p90: number, p95: number, p99: number, max: number, };

/**
 * One second of a run.
 */
export type LoadSnapshotView = { 
/**
 * Seconds since the start, at the end of this second.
 */
second: number, vus: number, requests: number, rps: number, latency: LatencyView, errors: number, 
/**
 * Errors over requests, 0 to 1.
 */
error_rate: number, };

/**
 * Failed requests by cause.
 */
export type LoadErrorsView = { refused: number, timed_out: number, 
/**
 * 429 answers.
 */
throttled: number, client: number, server: number, other: number, };

/**
 * A bar of the latency histogram.
 */
export type LoadBucketView = { le_ms: number, count: number, };

/**
 * A threshold and whether the run met it.
 */
export type ThresholdView = { expr: string, passed: boolean, };

/**
 * A run's estimated cost on AWS.
 */
export type CostView = { total_usd: number, 
/**
 * The estimate in words, with its price table's region and date.
 */
description: string, };

/**
 * A finished run, as kept.
 */
export type LoadRunView = { 
/**
 * Milliseconds since the epoch at its start.
 */
id: number, 
/**
 * Its label, or when it ran.
 */
name: string, method: string, url: string, body: string | null, vus: number, profile: string, duration_s: number, requests: number, errors: number, error_rate: number, throughput_rps: number, latency: LatencyView, 
/**
 * `(status, answers)`.
 */
status: Array<[string, number]>, errors_by_cause: LoadErrorsView, histogram: Array<LoadBucketView>, timeline: Array<LoadSnapshotView>, thresholds: Array<ThresholdView>, cost: CostView | null, };

/**
 * A run as it happens, sent as the `load-event` event.
 */
export type LoadEvent = { "event": "started", name: string, method: string, url: string, vus: number, duration_s: number, profile: string, 
/**
 * The run it will be compared with.
 */
previous: number | null, } | { "event": "progress", snapshot: LoadSnapshotView, } | { "event": "finished", run: LoadRunView, previous: number | null, } | { "event": "failed", message: string, };

/**
 * What the settings panel shows.
 */
export type Settings = { target: TargetInfo, 
/**
 * The saved AWS Academy credentials' access key, masked (`ASIA…WXYZ`); none when nothing
 * is saved.
 */
academy_key: string | null, 
/**
 * Why the keychain could not be read, if it could not.
 */
keychain_problem: string | null, };

/**
 * The target to switch to.
 */
export type TargetChoice = { "kind": "sandbox" } | { "kind": "aws", profile: string | null, region: string | null, };
