import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("renderMarkdown", () => {
  it("renders the lesson's emphasis and code", () => {
    const html = renderMarkdown("A **partition key**, `thingID`.");
    expect(html).toContain("<strong>partition key</strong>");
    expect(html).toContain("<code>thingID</code>");
  });

  it("shows raw HTML as text instead of running it", () => {
    const html = renderMarkdown('<img src=x onerror="alert(1)">');
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img");
  });
});
