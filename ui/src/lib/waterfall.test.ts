import { describe, expect, it } from "vitest";
import type { ExchangeView, WaterfallRow } from "./bindings";
import { bar, duration, exchangeRequest, ticks } from "./waterfall";

const row = (start_ms: number, duration_ms: number | null): WaterfallRow => ({
  label: "x",
  service: "lambda",
  phase: "handler",
  depth: 4,
  start_ms,
  duration_ms,
  detail: null,
  failed: false,
});

describe("waterfall", () => {
  it("asks for an exchange by its path and the gateway's request id", () => {
    const exchange: ExchangeView = {
      id: 1,
      origin: "try-it",
      label: "List items",
      method: "GET",
      url: "http://127.0.0.1:4566/items?limit=2",
      request_headers: [],
      request_body: "",
      status: 200,
      response_headers: [{ name: "apigw-requestid", value: "r1" }],
      response_body: "[]",
      error: null,
      started_at_ms: 1000,
      duration_ms: 12,
    };
    expect(exchangeRequest(exchange)).toEqual({
      label: "GET /items?limit=2",
      sent_at_ms: 1000,
      duration_ms: 12,
      status: 200,
      request_id: "r1",
    });
  });

  it("places bars in percent of the axis, moments as ticks, never past its end", () => {
    expect(bar(row(25, 50), 100)).toEqual({ left: 25, width: 50 });
    expect(bar(row(40, null), 100)).toEqual({ left: 40, width: 0 });
    expect(bar(row(90, 50), 100)).toEqual({ left: 90, width: 10 });
    expect(bar(row(0, 0.001), 100).width).toBe(0.5);
  });

  it("reads durations and ticks at round values", () => {
    expect(duration(0.5)).toBe("0.50 ms");
    expect(duration(42.25)).toBe("42.3 ms");
    expect(duration(1500)).toBe("1.50 s");
    expect(ticks(45)).toEqual([0, 10, 20, 30, 40]);
    expect(ticks(0)).toEqual([0]);
  });
});
