import { describe, expect, it } from "vitest";
import { describeTarget } from "./target";

describe("describeTarget", () => {
  it("names the sandbox by its endpoint", () => {
    expect(describeTarget({ kind: "sandbox", endpoint: "http://127.0.0.1:4566" })).toBe(
      "sandbox at http://127.0.0.1:4566",
    );
  });

  it("names AWS with the profile and region when known", () => {
    expect(describeTarget({ kind: "aws", profile: "academy", region: "us-east-1" })).toBe(
      "AWS (profile academy) in us-east-1",
    );
    expect(describeTarget({ kind: "aws", profile: null, region: null })).toBe("AWS");
  });
});
