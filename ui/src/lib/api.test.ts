import { describe, expect, it } from "vitest";
import { toErrorDto } from "./api";

describe("toErrorDto", () => {
  it("keeps an ErrorDto as it is", () => {
    expect(toErrorDto({ code: "target_unavailable", message: "sandbox stopped" })).toEqual({
      code: "target_unavailable",
      message: "sandbox stopped",
    });
  });

  it("keeps every code a remedy is offered for", () => {
    for (const code of ["artifact_missing", "check_failed", "aws_error", "lesson_problem", "conflict"] as const) {
      expect(toErrorDto({ code, message: "m" }).code).toBe(code);
    }
  });

  it("treats an unknown code as internal rather than trusting it", () => {
    expect(toErrorDto({ code: "teapot", message: "short and stout" })).toEqual({
      code: "internal",
      message: 'unexpected error: {"code":"teapot","message":"short and stout"}',
    });
  });

  it("wraps Tauri's plain string rejections", () => {
    expect(toErrorDto("Command app_info not allowed by ACL")).toEqual({
      code: "internal",
      message: "Command app_info not allowed by ACL",
    });
  });

  it("wraps thrown Errors with their message", () => {
    expect(toErrorDto(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
  });
});
