import { describe, expect, it } from "vitest";
import { align, columns, toPlan } from "./load.svelte";

describe("the load form", () => {
  it("sends headers and thresholds one a line, without blanks", () => {
    const plan = toPlan({
      method: "POST",
      url: " http://127.0.0.1:1/x ",
      headers: "x-a: 1\n\n  x-b: 2 ",
      body: "",
      vus: 4.6,
      durationS: 10,
      profile: "spike",
      thresholds: "p95 < 300ms\n\nerrors < 1%",
      label: "  ",
      api: "rest",
      func: "Fn",
    });
    expect(plan.url).toBe("http://127.0.0.1:1/x");
    expect(plan.headers).toEqual(["x-a: 1", "x-b: 2"]);
    expect(plan.thresholds).toEqual(["p95 < 300ms", "errors < 1%"]);
    expect(plan.body).toBeNull();
    expect(plan.label).toBeNull();
    expect(plan.vus).toBe(5);
    expect(plan.function).toBe("Fn");
  });

  it("turns seconds into chart columns", () => {
    const second = (s: number, p95: number) => ({
      second: s,
      vus: 1,
      requests: 1,
      rps: 1,
      latency: { avg: 0, p50: 0, p90: 0, p95, p99: 0, max: 0 },
      errors: 0,
      error_rate: 0,
    });
    expect(columns([second(1, 5), second(2, 7)], (s) => s.latency.p95)).toEqual([
      [1, 2],
      [5, 7],
    ]);
  });
});

describe("charts of two runs", () => {
  it("share one axis of whole seconds, with gaps where a run has no point", () => {
    const second = (s: number, rps: number) => ({
      second: s,
      vus: 1,
      requests: rps,
      rps,
      latency: { avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 },
      errors: 0,
      error_rate: 0,
    });
    const data = align([
      { label: "now", color: "red", timeline: [second(1.02, 10), second(2.01, 12), second(3.0, 11)], pick: (s) => s.rps },
      { label: "before", color: "red", dashed: true, timeline: [second(0.98, 4), second(2.0, 5)], pick: (s) => s.rps },
    ]);
    expect(data).toEqual([
      [1, 2, 3],
      [10, 12, 11],
      [4, 5, null],
    ]);
  });
});
