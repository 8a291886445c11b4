import { describe, expect, it } from "vitest";
import { BOX, layout, litNodes } from "./diagram";

describe("the diagram's layout", () => {
  it("puts kinds in columns, drops empty ones, and draws edges between boxes", () => {
    const placed = layout({
      nodes: [
        { id: "client", kind: "client", label: "Client", step: null, state: "ready", physical_id: null },
        { id: "api:A", kind: "http-api", label: "A", step: "api", state: "planned", physical_id: null },
        { id: "function:F", kind: "function", label: "F", step: "f", state: "ready", physical_id: "F" },
        { id: "function:G", kind: "function", label: "G", step: "g", state: "ready", physical_id: "G" },
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

describe("a request's path on the diagram", () => {
  it("lights the nodes whose resources it went through, and the client", () => {
    const nodes = [
      { id: "client", kind: "client", label: "Client", step: null, state: "ready", physical_id: null },
      { id: "api:A", kind: "http-api", label: "A", step: "api", state: "ready", physical_id: "a1b2" },
      { id: "function:F", kind: "function", label: "F", step: "f", state: "ready", physical_id: "F" },
      { id: "table:T", kind: "table", label: "T", step: "t", state: "ready", physical_id: "T" },
    ];
    expect(litNodes(nodes, ["a1b2", "F"])).toEqual(["client", "api:A", "function:F"]);
    expect(litNodes(nodes, [])).toEqual([]);
  });
});
