// The WebSocket inspector's state: the connection form, the open connection, its frames, and the
// functions invoked from a step's "try it". Frames arrive as `ws-frame` events.
import * as api from "./api";
import type { ErrorDto, InvokeResultView, WsConnectionView, WsFrameView } from "./bindings";

/** How many frames the inspector keeps. */
const KEEP = 1000;

/** `name: value` lines → headers; blank lines are skipped. */
export function parseHeaders(text: string): { name: string; value: string }[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const colon = line.indexOf(":");
      return colon < 0
        ? { name: line, value: "" }
        : { name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
    });
}

class WebSocketInspector {
  url = $state("");
  headers = $state("");
  message = $state("");
  connection = $state<WsConnectionView | null>(null);
  /** Whether the open connection has not closed yet. */
  open = $state(false);
  frames = $state<WsFrameView[]>([]);
  selected = $state<number | null>(null);
  invocations = $state<InvokeResultView[]>([]);
  busy = $state(false);
  error = $state<ErrorDto | null>(null);
  private listening = false;

  private async listen(): Promise<void> {
    if (this.listening) return;
    this.listening = true;
    await api.on("ws-frame", (frame) => {
      this.frames = [...this.frames, frame].slice(-KEEP);
      if (frame.client === this.connection?.client && frame.opcode === "close") {
        this.open = false;
      }
    });
  }

  /** Fills the form from a step's "try it". */
  prepare(url: string, message: string | null): void {
    if (this.connection && this.open && this.url !== url) void this.close();
    this.url = url;
    this.message = message ?? "";
  }

  async connect(): Promise<void> {
    await this.listen();
    this.busy = true;
    this.error = null;
    try {
      this.connection = await api.wsConnect({ url: this.url, headers: parseHeaders(this.headers) });
      this.open = true;
    } catch (thrown) {
      this.error = thrown as ErrorDto;
    } finally {
      this.busy = false;
    }
  }

  private async send(request: { opcode: string; text?: string; base64?: string; code?: number; reason?: string }) {
    if (!this.connection) return;
    this.error = null;
    try {
      await api.wsSend({
        client: this.connection.client,
        opcode: request.opcode,
        text: request.text ?? null,
        base64: request.base64 ?? null,
        close_code: request.code ?? null,
        close_reason: request.reason ?? null,
      });
    } catch (thrown) {
      this.error = thrown as ErrorDto;
    }
  }

  sendText = () => this.send({ opcode: "text", text: this.message });
  sendBinary = () => this.send({ opcode: "binary", base64: this.message.trim() });
  ping = () => this.send({ opcode: "ping" });
  close = (code = 1000, reason = "") => this.send({ opcode: "close", code, reason });

  async invoke(fn: string, payload: string): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      this.invocations = [await api.invokeFunction({ function: fn, payload }), ...this.invocations].slice(0, 20);
    } catch (thrown) {
      this.error = thrown as ErrorDto;
    } finally {
      this.busy = false;
    }
  }

  /** Saves the frames under the data directory's `exports/`; answers the file's path. */
  async saveFrames(): Promise<string | null> {
    this.error = null;
    try {
      return await api.exportFrames(this.exportJson());
    } catch (thrown) {
      this.error = thrown as ErrorDto;
      return null;
    }
  }

  clear(): void {
    this.frames = [];
    this.selected = null;
  }

  /** The frames of the current connection, as JSON for a file. */
  exportJson(): string {
    return JSON.stringify(
      { url: this.connection?.url ?? this.url, frames: this.frames.filter((f) => f.client === this.connection?.client) },
      null,
      2,
    );
  }
}

export const ws = new WebSocketInspector();
