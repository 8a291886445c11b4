import { describe, expect, it } from "vitest";
import { BOX, layout } from "./diagram";

describe("the diagram's layout", () => {
  it("puts kinds in columns, drops empty ones, and draws edges between boxes", () => {
    const placed = layout({
      nodes: [
        { id: "client", kind: "client", label: "Client", step: null, state: "ready" },
        { id: "api:A", kind: "http-api", label: "A", step: "api", state: "planned" },
        { id: "function:F", kind: "function", label: "F", step: "f", state: "ready" },
        { id: "function:G", kind: "function", label: "G", step: "g", state: "ready" },
      ],
      edges: [
        { from: "client", to: "api:A", kind: "calls" },
        { from: "api:A", to: "function:F", kind: "permission" },
        { from: "api:A", to: "function:nowhere", kind: "permission" },
      ],
    });
    const x = (id: string) => placed.nodes.find((node) => node.id === id)?.x;
    const y = (id: string) => placed.nodes.find((node) => node.id === id)?.y;
    expect(x("client")).toBeLessThan(x("api:A") ?? 0);
    expect((x("function:F") ?? 0) - (x("api:A") ?? 0)).toBe((x("api:A") ?? 0) - (x("client") ?? 0));
    expect(y("function:G")).toBeGreaterThan(y("function:F") ?? 0);
    expect(placed.edges).toHaveLength(2);
    expect(placed.edges[0]?.path.startsWith(`M ${(x("client") ?? 0) + BOX.width}`)).toBe(true);
    expect(placed.width).toBeGreaterThan((x("function:F") ?? 0) + BOX.width);
  });
});
