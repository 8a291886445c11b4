import { describe, expect, it } from "vitest";
import { serverRecord } from "./testing";
import type { ServerRecord, WsFrameView } from "./bindings";
import { connectionIdOf, errorFrameRequestId, preview, recordsForFrame } from "./frames";

function record(id: number, raw: Record<string, unknown>, extra: Partial<ServerRecord> = {}): ServerRecord {
  return serverRecord(id, {
    kind: "websocket",
    request_id: (raw.requestId as string | undefined) ?? null,
    connection_id: (raw.connectionId as string | undefined) ?? null,
    raw: JSON.stringify(raw),
    ...extra,
  });
}

function frame(direction: "sent" | "received", text: string | null, opcode = "text"): WsFrameView {
  return {
    client: 1,
    seq: 0,
    direction,
    at_ms: 0,
    opcode,
    size: text?.length ?? 0,
    text,
    base64: null,
    close_code: opcode === "close" ? 1000 : null,
    close_reason: null,
  };
}

const records = [
  record(1, { eventType: "CONNECT", connectionId: "c1=", requestId: "r1", event: { headers: { "x-serverless-lab-client": "tag-1" } } }),
  record(2, { eventType: "MESSAGE", connectionId: "c1=", requestId: "r2", message: { text: "hello!" } }),
  record(3, { requestId: "i3" }, {
    service: "lambda",
    kind: "invocation",
    request_id: "r2",
    connection_id: "c1=",
    time: 100,
    duration_ms: 20,
  }),
  // Posted by that invocation to someone else, who was gone (its call record says which
  // invocation made it); and a post by no invocation.
  record(8, { kind: "connections", connectionId: "gone=", requestId: "p8", data: { text: "x" } }, {
    kind: "connections",
    time: 95,
    status: 410,
  }),
  record(9, { kind: "connections", connectionId: "gone=", requestId: "p9", data: { text: "y" } }, {
    kind: "connections",
    time: 500,
  }),
  record(4, { kind: "connections", connectionId: "c1=", requestId: "p1", data: { text: '{"type":"init"}' } }, { kind: "connections" }),
  record(10, { kind: "call", invocation: "i3", requestId: "p8", operation: "PostToConnection" }, { kind: "call", request_id: null }),
  // A broadcast from the invocation, back to c1=.
  record(11, { kind: "connections", connectionId: "c1=", requestId: "p11", data: { text: "echo" } }, { kind: "connections", time: 110 }),
  record(12, { kind: "call", invocation: "i3", requestId: "p11", operation: "PostToConnection" }, { kind: "call", request_id: null }),
  record(5, { eventType: "MESSAGE", connectionId: "c1=", requestId: "r5", message: { text: "fail" } }),
  record(6, { eventType: "DISCONNECT", connectionId: "c1=", requestId: "r6" }),
  record(7, { eventType: "MESSAGE", connectionId: "other=", requestId: "r7", message: { text: "hello!" } }),
];

describe("linking frames to the server side", () => {
  it("finds the connection id from the $connect record's handshake header", () => {
    expect(connectionIdOf("tag-1", records)).toBe("c1=");
    expect(connectionIdOf("tag-2", records)).toBeNull();
  });

  it("links a sent frame to its message record, the invocation it caused and what that posted", () => {
    const linked = recordsForFrame(frame("sent", "hello!"), "c1=", records).map((r) => r.id);
    expect(linked).toEqual([2, 3, 8, 11]);
  });

  it("links a received frame to the @connections post that sent it", () => {
    expect(recordsForFrame(frame("received", '{"type":"init"}'), "c1=", records).map((r) => r.id)).toEqual([4]);
  });

  it("links a frame a function posted back to the message and invocation that made it", () => {
    expect(recordsForFrame(frame("received", "echo"), "c1=", records).map((r) => r.id)).toEqual([2, 3, 8, 11]);
  });

  it("links an error frame to the message that failed, by request id", () => {
    const error = JSON.stringify({ message: "Internal server error", connectionId: "c1=", requestId: "r5" });
    expect(errorFrameRequestId(error)).toBe("r5");
    expect(recordsForFrame(frame("received", error), "c1=", records).map((r) => r.id)).toEqual([5]);
  });

  it("links a close to the disconnect, and nothing without a connection id", () => {
    expect(recordsForFrame(frame("received", null, "close"), "c1=", records).map((r) => r.id)).toEqual([6]);
    expect(recordsForFrame(frame("sent", "hello!"), null, records)).toEqual([]);
  });

  it("previews JSON pretty and closes with their code", () => {
    expect(preview(frame("received", '{"a":1}'))).toBe('{\n  "a": 1\n}');
    expect(preview(frame("received", "hi"))).toBe("hi");
    expect(preview(frame("received", null, "close"))).toBe("close 1000");
  });
});
