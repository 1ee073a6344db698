import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";

/** A TRPCClientError as the browser receives it from the tRPC route (the formatter's shape). */
function clientError(shape: { message: string; code: number; data: Record<string, unknown> }) {
  return TRPCClientError.from({ error: shape });
}

describe("formErrorsFrom", () => {
  it("reads the field errors and the readable message of a validation error", () => {
    const error = clientError({
      message: "Name is required. Key: use letters, digits, - and _ only.",
      code: -32600,
      data: {
        code: "BAD_REQUEST",
        httpStatus: 400,
        path: "templates.create",
        field: "name",
        fieldErrors: { name: "Name is required", key: "Use letters, digits, - and _ only" },
        issues: [
          { path: ["name"], message: "Name is required" },
          { path: ["key"], message: "Use letters, digits, - and _ only" },
        ],
      },
    });
    expect(formErrorsFrom(error)).toEqual({
      fieldErrors: { name: "Name is required", key: "Use letters, digits, - and _ only" },
      formError: "Name is required. Key: use letters, digits, - and _ only.",
    });
  });

  it("builds field errors from issues and never shows JSON as the message", () => {
    const issues = [{ path: ["content", "variants", "en", "subject"], message: "Use at most 500 characters" }];
    const error = clientError({
      message: JSON.stringify(issues, null, 2),
      code: -32600,
      data: { code: "BAD_REQUEST", httpStatus: 400, issues },
    });
    const result = formErrorsFrom(error);
    expect(result.fieldErrors).toEqual({ "content.variants.en.subject": "Use at most 500 characters" });
    expect(result.formError).toBe("Subject: use at most 500 characters.");
  });

  it("puts a domain error on the field it names, or on the fallback field", () => {
    const named = clientError({
      message: "Unknown topic",
      code: -32600,
      data: { code: "BAD_REQUEST", httpStatus: 400, field: "topicKeys" },
    });
    expect(formErrorsFrom(named).fieldErrors).toEqual({ topicKeys: "Unknown topic" });
    const conflict = clientError({
      message: "A topic with this key already exists",
      code: -32009,
      data: { code: "CONFLICT", httpStatus: 409 },
    });
    expect(formErrorsFrom(conflict, { fallbackField: "key" })).toEqual({
      fieldErrors: { key: "A topic with this key already exists" },
      formError: "A topic with this key already exists",
    });
  });

  it("keeps internal and network failures generic and off the fields", () => {
    const internal = clientError({
      message: "Internal server error",
      code: -32603,
      data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500 },
    });
    expect(formErrorsFrom(internal, { fallbackField: "name" })).toEqual({
      fieldErrors: {},
      formError: "Something went wrong on our side. Try again in a moment.",
    });
    expect(formErrorsFrom(new TypeError("Failed to fetch")).formError).toBe(
      "Could not reach the server. Check your connection and try again.",
    );
    expect(formErrorsFrom(undefined).formError).toBe("Something went wrong. Try again.");
  });

  it("reads a server action's result and a REST error body", () => {
    expect(formErrorsFrom({ fieldErrors: { confirm: "The passwords do not match" } })).toEqual({
      fieldErrors: { confirm: "The passwords do not match" },
      formError: "Confirm: the passwords do not match.",
    });
    expect(formErrorsFrom({ error: "This invitation is no longer valid." })).toEqual({
      fieldErrors: {},
      formError: "This invitation is no longer valid.",
    });
    expect(
      formErrorsFrom({
        message: "Name is required.",
        code: "BAD_REQUEST",
        issues: [{ path: ["name"], message: "Name is required" }],
      }).fieldErrors,
    ).toEqual({ name: "Name is required" });
  });
});

describe("fieldError", () => {
  it("finds a field's own message or the first one about a part of it", () => {
    const errors = { name: "Name is required", "tags.2": "Use at most 64 characters" };
    expect(fieldError(errors, "name")).toBe("Name is required");
    expect(fieldError(errors, "tags")).toBe("Use at most 64 characters");
    expect(fieldError(errors, "tag")).toBeUndefined();
  });
});
