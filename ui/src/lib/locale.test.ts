import { describe, expect, it } from "vitest";
import { isValidLanguageTag } from "./locale";

describe("language tags", () => {
  it("are refused when Intl refuses them, as LANG=C's tag is", () => {
    expect(isValidLanguageTag("en-US")).toBe(true);
    expect(isValidLanguageTag("C")).toBe(false);
    expect(isValidLanguageTag("")).toBe(false);
  });
});
