import { describe, expect, it } from "vitest";
import { resolve } from "./theme";

describe("themes", () => {
  it("follow the OS when set to system", () => {
    expect(resolve("system", true)).toBe("dark");
    expect(resolve("system", false)).toBe("light");
  });

  it("stay as chosen otherwise", () => {
    expect(resolve("light", true)).toBe("light");
    expect(resolve("dark", false)).toBe("dark");
  });
});
