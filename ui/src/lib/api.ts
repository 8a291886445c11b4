// The one way the UI calls the Rust side. Every command returns its DTO or throws an `ErrorDto`
// ({ code, message }); the UI switches on `code` and shows `message`, never parsing text.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AppInfo,
  DiagramView,
  ErrorCode,
  ErrorDto,
  ExchangeView,
  FunctionSources,
  ItemPage,
  LessonEvent,
  LessonSummary,
  LoadEvent,
  LoadPlanDto,
  LoadRunView,
  LessonView,
  RemovalView,
  ResourceDescription,
  SandboxHealth,
  ResourceView,
  ServerRecord,
  Settings,
  SignInRequest,
  SignInView,
  TargetChoice,
  TeardownView,
  TryItRequest,
  WaterfallRequest,
  WaterfallView,
  InvokeRequest,
  InvokeResultView,
  WsConnectRequest,
  WsConnectionView,
  WsFrameView,
  WsSendRequest,
} from "./bindings";

/** Every code a command may fail with; a code the Rust side adds must be added here too. */
const ERROR_CODES: Record<ErrorCode, true> = {
  invalid_input: true,
  target_unavailable: true,
  aws_error: true,
  artifact_missing: true,
  lesson_problem: true,
  conflict: true,
  check_failed: true,
  internal: true,
};

/** Turns anything a command threw into an `ErrorDto`. */
export function toErrorDto(thrown: unknown): ErrorDto {
  if (typeof thrown === "object" && thrown !== null) {
    const candidate = thrown as { code?: unknown; message?: unknown };
    if (
      typeof candidate.code === "string" &&
      Object.hasOwn(ERROR_CODES, candidate.code) &&
      typeof candidate.message === "string"
    ) {
      return { code: candidate.code as ErrorCode, message: candidate.message };
    }
    if (thrown instanceof Error) {
      return { code: "internal", message: thrown.message };
    }
  }
  if (typeof thrown === "string") {
    // Tauri itself rejects with a plain string when a command is unknown or not permitted.
    return { code: "internal", message: thrown };
  }
  return { code: "internal", message: `unexpected error: ${JSON.stringify(thrown)}` };
}

/** Calls a Tauri command; rejects with an `ErrorDto`. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw toErrorDto(thrown);
  }
}

export const appInfo = (): Promise<AppInfo> => call<AppInfo>("app_info");
/** Opens a lesson's web page in the student's own browser. */
export const openPage = (url: string): Promise<void> => call<void>("open_page", { url });
export const lessons = (): Promise<LessonSummary[]> => call("lessons");
export const lesson = (id: string): Promise<LessonView> => call("lesson", { id });
export const runStep = (lesson: string, step: string): Promise<LessonView> =>
  call("run_step", { lesson, step });
export const runUntil = (lesson: string, step: string): Promise<LessonView> =>
  call("run_until", { lesson, step });
export const answer = (lesson: string, question: string, text: string): Promise<void> =>
  call("answer", { lesson, question, text });
/** The lesson's architecture diagram as the run has it; `failed` is the step seen failing. */
export const diagram = (lesson: string, failed: string | null): Promise<DiagramView> =>
  call("diagram", { lesson, failed });
/** Makes a step's choice; answers the lesson as it is afterwards. */
export const choose = (lesson: string, name: string, value: string): Promise<LessonView> =>
  call("choose", { lesson, name, value });
export const sendRequest = (request: TryItRequest): Promise<ExchangeView> =>
  call("send_request", { request });
/** Signs a pool's user in through an app client; answers the user's tokens. */
export const signInUser = (request: SignInRequest): Promise<SignInView> => call("sign_in_user", { request });
/** Saves the report to hand in (Markdown, with each lesson's diagram) and answers its path. */
export const exportReport = (): Promise<string> => call("export_report");
/** One request's timeline across the services, from the sandbox's feed. */
export const waterfall = (request: WaterfallRequest): Promise<WaterfallView> => call("waterfall", { request });
/** Saves the drawn diagram (`svg` text or `png` base64) and answers the file's path. */
export const exportDiagram = (lesson: string, format: "svg" | "png", data: string): Promise<string> =>
  call("export_diagram", { lesson, format, data });
/** A resource as the target reports it: a diagram node's kind and its id on the target. */
export const describeResource = (kind: string, id: string): Promise<ResourceDescription> =>
  call("describe_resource", { kind, id });
export const resources = (): Promise<ResourceView[]> => call("resources");
/** Tears down what the lab created, and the kept (adopted) resources named in `deleteAdopted`. */
export const tearDown = (deleteAdopted: string[] = []): Promise<TeardownView> =>
  call("tear_down", { deleteAdopted });
export const functionSources = (name: string): Promise<FunctionSources> =>
  call("function_sources", { name });

/** The events the Rust side sends, by name. */
export interface Events {
  "lesson-event": LessonEvent;
  traffic: ExchangeView;
  server: ServerRecord;
  "teardown-progress": RemovalView;
  "ws-frame": WsFrameView;
  "sandbox-health": SandboxHealth;
  "load-event": LoadEvent;
}

/** Calls `handler` with every `name` event until the returned function is called. */
export function on<K extends keyof Events>(
  name: K,
  handler: (payload: Events[K]) => void,
): Promise<UnlistenFn> {
  return listen<Events[K]>(name, (event) => handler(event.payload));
}

/** Saves a HAR file of the traffic in the app's data directory; answers its path. */
export const exportHar = (har: string): Promise<string> => call("export_har", { har });
/** Saves the WebSocket inspector's frames as JSON in the app's data directory; answers its path. */
export const exportFrames = (json: string): Promise<string> => call("export_frames", { json });
export const tables = (): Promise<string[]> => call("tables");
export const scanItems = (table: string, limit: number, start: string | null): Promise<ItemPage> =>
  call("scan_items", { table, limit, start });
export const settings = (): Promise<Settings> => call("settings");
export const setTarget = (choice: TargetChoice): Promise<Settings> => call("set_target", { choice });
export const saveAcademyCredentials = (text: string): Promise<Settings> =>
  call("save_academy_credentials", { text });
export const clearAcademyCredentials = (): Promise<Settings> => call("clear_academy_credentials");
export const resetSandbox = (): Promise<Settings> => call("reset_sandbox");
export const wsConnect = (request: WsConnectRequest): Promise<WsConnectionView> =>
  call("ws_connect", { request });
export const wsSend = (request: WsSendRequest): Promise<void> => call("ws_send", { request });
export const invokeFunction = (request: InvokeRequest): Promise<InvokeResultView> =>
  call("invoke_function", { request });
/** Runs a load test to its end (its seconds arrive as `load-event`s); answers the run kept. */
export const loadStart = (plan: LoadPlanDto): Promise<LoadRunView> => call("load_start", { plan });
export const loadStop = (): Promise<void> => call("load_stop");
/** The runs kept, newest first. */
export const loadRuns = (): Promise<LoadRunView[]> => call("load_runs");
/** Saves run `id` as `html` (a self-contained report) or `json`; answers the file's path. */
export const loadExport = (id: number, format: "html" | "json"): Promise<string> =>
  call("load_export", { id, format });
