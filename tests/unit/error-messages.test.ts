import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  fieldErrorsOf,
  fieldLabel,
  installErrorMessages,
  issueSummary,
  labelFromKey,
  readableIssueMessage,
} from "@/server/shared/error-messages";

beforeAll(() => installErrorMessages());

/** The messages of parsing `value` with `schema`, keyed by the issue's dotted path. */
function messages(schema: z.ZodType, value: unknown): Record<string, string> {
  const result = schema.safeParse(value);
  if (result.success) return {};
  return fieldErrorsOf(result.error.issues);
}

describe("field labels", () => {
  it("turns camelCase keys into words, drops an Id suffix and keeps acronyms", () => {
    expect(labelFromKey("firstName")).toBe("First name");
    expect(labelFromKey("email")).toBe("Email");
    expect(labelFromKey("topicId")).toBe("Topic");
    expect(labelFromKey("topicIds")).toBe("Topics");
    expect(labelFromKey("apiKeyId")).toBe("API key");
    expect(labelFromKey("smsFrom")).toBe("SMS from");
    expect(labelFromKey("logo_url")).toBe("Logo URL");
  });

  it("uses the last named segment of the path", () => {
    expect(fieldLabel(["recipients", 2, "email"])).toBe("Email");
    expect(fieldLabel(["scopes", 0])).toBe("Scopes");
    expect(fieldLabel([])).toBe("This value");
  });
});

describe("the global error map", () => {
  it("says a missing or empty required field is required, naming it", () => {
    const schema = z.object({ firstName: z.string().min(1), lastName: z.string() });
    expect(messages(schema, { firstName: "" })).toEqual({
      firstName: "First name is required",
      lastName: "Last name is required",
    });
  });

  it("asks for an email address by example", () => {
    expect(messages(z.object({ email: z.email() }), { email: "ann" })).toEqual({
      email: "Enter an email address like name@example.com",
    });
  });

  it("gives the limit of a too long text and of a too small number", () => {
    const schema = z.object({ name: z.string().max(100), max: z.number().int().min(1), password: z.string().min(10) });
    expect(messages(schema, { name: "x".repeat(101), max: 0, password: "short" })).toEqual({
      name: "Use at most 100 characters",
      max: "Use 1 or more",
      password: "Use at least 10 characters",
    });
  });

  it("lists the choices of an enum and says when an id is not one", () => {
    const schema = z.object({ channel: z.enum(["email", "sms"]), topicId: z.uuid() });
    expect(messages(schema, { channel: "fax", topicId: "42" })).toEqual({
      channel: "Choose one of email or sms",
      topicId: "Topic is not a valid id",
    });
  });

  it("keeps a message the schema gives itself", () => {
    const schema = z.object({
      key: z
        .string()
        .min(1, "Key is required")
        .regex(/^[a-z]+$/, "Use letters only"),
    });
    expect(messages(schema, { key: "A1" })).toEqual({ key: "Use letters only" });
    expect(messages(schema, { key: "" })).toEqual({ key: "Key is required" });
  });

  it("never repeats the refused value", () => {
    const secret = "ottoline@example";
    const schema = z.object({ email: z.email(), kind: z.enum(["a", "b"]) });
    const result = schema.safeParse({ email: secret, kind: secret });
    expect(JSON.stringify(result.error?.issues)).not.toContain(secret);
  });

  it("is the function zod calls for issues without their own message", () => {
    expect(z.config().customError).toBe(readableIssueMessage);
  });
});

describe("issue summaries", () => {
  it("joins one sentence per field and names the field where the message does not", () => {
    const schema = z.object({
      name: z.string().min(1),
      subject: z.string().max(5),
      scopes: z.array(z.enum(["admin", "contacts:read"])),
    });
    const result = schema.safeParse({ name: "", subject: "too long", scopes: ["root"] });
    const summary = issueSummary(result.error!.issues);
    expect(summary).toBe(
      "Name is required. Subject: use at most 5 characters. Scopes: choose one of admin or contacts:read.",
    );
    expect(summary).not.toMatch(/[[\]{}]/);
  });

  it("keeps a rule's own sentence as written", () => {
    const schema = z
      .object({ topicKeys: z.array(z.string()) })
      .refine((v) => v.topicKeys.length > 0, { message: "Choose at least one topic", path: ["topicKeys"] });
    expect(issueSummary(schema.safeParse({ topicKeys: [] }).error!.issues)).toBe("Choose at least one topic.");
  });
});
