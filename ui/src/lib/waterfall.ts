// A request's timeline as the window draws it: what to ask the Rust side for (from an HTTP
// exchange or a WebSocket frame), and where each row's bar goes on a shared time axis.
import type { ExchangeView, ServerRecord, WaterfallRequest, WaterfallRow, WsFrameView } from "./bindings";
import { gatewayRequestId } from "./exchange";

/** The timeline request for an HTTP exchange. */
export function exchangeRequest(exchange: ExchangeView): WaterfallRequest {
  let path = exchange.url;
  try {
    const url = new URL(exchange.url);
    path = url.pathname + url.search;
  } catch {
    // Not a URL: shown as it is.
  }
  return {
    label: `${exchange.method} ${path}`,
    sent_at_ms: exchange.started_at_ms,
    duration_ms: exchange.duration_ms,
    status: exchange.status,
    request_id: gatewayRequestId(exchange),
  };
}

/** The timeline request for a frame, from the gateway record that handled it (its `$connect`,
 * message or `$disconnect`), if the feed has one. */
export function frameRequest(frame: WsFrameView, records: ServerRecord[]): WaterfallRequest {
  const gateway = records.find((record) => record.kind === "websocket" && record.request_id !== null);
  return {
    label: `frame ${frame.direction}${frame.text ? `: ${frame.text.length > 40 ? `${frame.text.slice(0, 39)}…` : frame.text}` : ""}`,
    sent_at_ms: frame.at_ms,
    duration_ms: null,
    status: null,
    request_id: gateway?.request_id ?? null,
  };
}

export interface Bar {
  /** Left edge, in percent of the axis. */
  left: number;
  /** Width in percent; zero for a moment (drawn as a tick). */
  width: number;
}

/** Where a row's bar sits on an axis `total` milliseconds long. */
export function bar(row: WaterfallRow, total: number): Bar {
  if (total <= 0) return { left: 0, width: row.duration_ms === null ? 0 : 100 };
  const left = Math.min(100, Math.max(0, (row.start_ms / total) * 100));
  const width = row.duration_ms === null ? 0 : Math.min(100 - left, Math.max(0.5, (row.duration_ms / total) * 100));
  return { left, width };
}

/** A duration as a student reads it: `0.42 ms`, `12.3 ms`, `1.25 s`. */
export function duration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Evenly spaced ticks for an axis `total` milliseconds long (about five, at round values). */
export function ticks(total: number): number[] {
  if (total <= 0) return [0];
  const rough = total / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? rough;
  const out: number[] = [];
  for (let at = 0; at <= total + 1e-9; at += step) out.push(at);
  return out;
}
