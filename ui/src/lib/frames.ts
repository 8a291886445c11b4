// Linking WebSocket frames to what the sandbox did: the connection id API Gateway gave a client
// (from its $connect record, whose event carries the handshake's x-serverless-lab-client header),
// and, for each frame, the records that explain it — the message's route and invocation for a
// frame sent, the @connections post or the route's reply for a frame received.
import type { ServerRecord, WsFrameView } from "./bindings";

export const CLIENT_HEADER = "x-serverless-lab-client";

/** A record's whole JSON, or an empty object when it cannot be read. */
export function rawOf(record: ServerRecord): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(record.raw);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The connection id of the client that connected with `tag`, once its $connect is recorded. */
export function connectionIdOf(tag: string, records: ServerRecord[]): string | null {
  for (const record of records) {
    if (record.kind !== "websocket") continue;
    const raw = rawOf(record);
    if (raw.eventType !== "CONNECT") continue;
    if (at(raw, "event", "headers", CLIENT_HEADER) === tag) return record.connection_id;
  }
  return null;
}

/** The text a record carries under `key` (`message`, `reply`, `data`), as the sandbox keeps it. */
function textUnder(raw: Record<string, unknown>, key: string): unknown {
  return at(raw, key, "text");
}

/** The server records that explain `frame` on connection `connectionId`. */
export function recordsForFrame(
  frame: WsFrameView,
  connectionId: string | null,
  records: ServerRecord[],
): ServerRecord[] {
  if (!connectionId) return [];
  const mine = records.filter((record) => record.connection_id === connectionId);
  const gateway = mine.filter((record) => record.service === "apigateway");
  let matched: ServerRecord[] = [];
  if (frame.opcode === "close") {
    matched = gateway.filter((record) => rawOf(record).eventType === "DISCONNECT");
  } else if (frame.direction === "sent" && frame.text !== null) {
    matched = gateway.filter(
      (record) => rawOf(record).eventType === "MESSAGE" && textUnder(rawOf(record), "message") === frame.text,
    );
  } else if (frame.direction === "received" && frame.text !== null) {
    const errorRequest = errorFrameRequestId(frame.text);
    matched = gateway.filter((record) => {
      const raw = rawOf(record);
      if (record.kind === "connections") return textUnder(raw, "data") === frame.text;
      if (errorRequest) return raw.requestId === errorRequest;
      return textUnder(raw, "reply") === frame.text;
    });
  }
  // A post received was made by a function: its call record names the invocation, which
  // names the message that caused it.
  const causes = matched.filter((record) => record.kind === "connections").flatMap((post) => causeOf(post, records));
  const gateways = unique([...matched.filter((record) => record.kind !== "connections"), ...causes.filter((r) => r.kind === "websocket")]);
  // Each gateway record brings the invocations it caused (same request id), and each invocation
  // the @connections calls it made — to any connection, 410s included.
  const requestIds = new Set(gateways.map((record) => record.request_id).filter((id) => id !== null));
  const invocations = records.filter(
    (record) => record.kind === "invocation" && record.request_id !== null && requestIds.has(record.request_id),
  );
  const posts = unique([...matched.filter((record) => record.kind === "connections"), ...postsBy(invocations, records)]);
  // The gateway's records first (what it did with the frame), then the functions it ran, then
  // what those functions posted.
  const byTime = (a: ServerRecord, b: ServerRecord) => a.time - b.time;
  return [...gateways.sort(byTime), ...invocations.sort(byTime), ...posts.sort(byTime)];
}

function unique(records: ServerRecord[]): ServerRecord[] {
  return records.filter((record, i) => records.findIndex((other) => other.id === record.id) === i);
}

/** The `@connections` records of the calls `invocations` made, as the feed attributes them
 * (a `call` record names its invocation and carries the call's request id). */
function postsBy(invocations: ServerRecord[], records: ServerRecord[]): ServerRecord[] {
  const ids = new Set(invocations.map((invocation) => rawOf(invocation).requestId));
  const calls = new Set(
    records.filter((record) => record.kind === "call" && ids.has(rawOf(record).invocation)).map((call) => rawOf(call).requestId),
  );
  return records.filter((record) => record.kind === "connections" && calls.has(record.request_id));
}

/** The message and invocation whose function made the `@connections` call `post`, if a
 * function made it. */
function causeOf(post: ServerRecord, records: ServerRecord[]): ServerRecord[] {
  const call = records.find((record) => record.kind === "call" && rawOf(record).requestId === post.request_id);
  const made = call ? rawOf(call).invocation : undefined;
  if (typeof made !== "string") return [];
  const invocation = records.find((record) => record.kind === "invocation" && rawOf(record).requestId === made);
  const gateway = invocation
    ? records.find((record) => record.kind === "websocket" && record.request_id === invocation.request_id)
    : undefined;
  return gateway ? [gateway] : [];
}

/** The request id of an API Gateway error frame (`{"message": …, "connectionId": …, "requestId": …}`). */
export function errorFrameRequestId(text: string): string | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return null;
    const frame = value as Record<string, unknown>;
    return typeof frame.message === "string" && typeof frame.connectionId === "string" && typeof frame.requestId === "string"
      ? frame.requestId
      : null;
  } catch {
    return null;
  }
}

/** A frame's payload for the list: pretty JSON when it is JSON, else the text as it is. */
export function preview(frame: WsFrameView): string {
  if (frame.opcode === "close") {
    return `close ${frame.close_code ?? "(no status)"}${frame.close_reason ? ` ${frame.close_reason}` : ""}`;
  }
  if (frame.text === null) return frame.base64 ? `base64 ${frame.base64}` : "";
  try {
    return JSON.stringify(JSON.parse(frame.text), null, 2);
  } catch {
    return frame.text;
  }
}
