// The one way the UI calls the Rust side. Every command returns its DTO or throws an `ErrorDto`
// ({ code, message }); the UI switches on `code` and shows `message`, never parsing text.
import { invoke } from "@tauri-apps/api/core";
import type { AppInfo, ErrorCode, ErrorDto } from "./bindings";

const ERROR_CODES: readonly ErrorCode[] = ["invalid_input", "target_unavailable", "internal"];

/** Turns anything a command threw into an `ErrorDto`. */
export function toErrorDto(thrown: unknown): ErrorDto {
  if (typeof thrown === "object" && thrown !== null) {
    const candidate = thrown as { code?: unknown; message?: unknown };
    if (
      typeof candidate.code === "string" &&
      (ERROR_CODES as readonly string[]).includes(candidate.code) &&
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
