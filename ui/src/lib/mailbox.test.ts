import { describe, expect, it } from "vitest";
import type { ServerRecord } from "./bindings";
import { mailbox, why } from "./mailbox";
import { serverRecord } from "./testing";

function record(id: number, kind: string, event: string | null): ServerRecord {
  return serverRecord(id, { service: "cognito", kind, event });
}

describe("mailbox", () => {
  it("reads the mail records, newest first, and skips the rest", () => {
    const first = JSON.stringify({
      poolId: "us-east-1_Ab",
      username: "carol",
      medium: "EMAIL",
      destination: "c***@e***",
      reason: "SignUp",
      code: "123456",
    });
    const second = JSON.stringify({ poolId: "us-east-1_Ab", username: "carol", reason: "ResendCode", code: "654321" });
    const messages = mailbox([
      record(1, "mail", first),
      record(2, "request", "{}"),
      record(3, "mail", "not json"),
      record(4, "mail", second),
    ]);
    expect(messages.map((message) => message.code)).toEqual(["654321", "123456"]);
    expect(messages[1]?.destination).toBe("c***@e***");
    expect(messages[0]?.medium).toBe("EMAIL");
  });

  it("says why a message was sent", () => {
    expect(why("SignUp")).toBe("Verification code after sign-up");
    expect(why("Other")).toBe("Other");
  });
});
