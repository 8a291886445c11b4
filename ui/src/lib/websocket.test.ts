import { describe, expect, it } from "vitest";
import { parseHeaders } from "./websocket.svelte";

describe("the WebSocket inspector's headers", () => {
  it("reads one name: value per line and skips blank lines", () => {
    expect(parseHeaders("Authorization: Bearer abc\n\n x-lab : yes \nSec-WebSocket-Protocol: chat, v2")).toEqual([
      { name: "Authorization", value: "Bearer abc" },
      { name: "x-lab", value: "yes" },
      { name: "Sec-WebSocket-Protocol", value: "chat, v2" },
    ]);
    expect(parseHeaders("")).toEqual([]);
    expect(parseHeaders("x-flag")).toEqual([{ name: "x-flag", value: "" }]);
  });
});
