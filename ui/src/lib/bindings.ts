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
target: TargetInfo, };

/**
 * The cloud the engine talks to. Both go through the same AWS SDK code; only the endpoint and
 * the credentials differ.
 */
export type TargetInfo = { "kind": "sandbox", endpoint: string, } | { "kind": "aws", region: string | null, profile: string | null, };

/**
 * An error returned by a command: `{ code, message }`.
 */
export type ErrorDto = { code: ErrorCode, message: string, };

/**
 * What kind of failure a command met, stable across releases so the UI can react to it.
 */
export type ErrorCode = "invalid_input" | "target_unavailable" | "internal";
