import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { classifyResendError } from "@/server/providers/email/resend/errors";
import { ProviderError } from "@/server/providers/errors";
import { classifyTwilioError } from "@/server/providers/sms/twilio/errors";
import { createTwilioTransport } from "@/server/providers/sms/twilio/transport";
import { startTwilioStub, type TwilioStub } from "@/tests/helpers/twilio-stub";

describe("Resend error classification", () => {
  it("retries rate limits, 5xx, network failures and auth problems; never validation errors", () => {
    expect(classifyResendError({ name: "rate_limit_exceeded", statusCode: 429 }, { "retry-after": "3" })).toMatchObject(
      { retryable: true, retryAfterMs: 3000, providerCode: "rate_limit_exceeded" },
    );
    expect(classifyResendError({ name: "internal_server_error", statusCode: 500 }, null).retryable).toBe(true);
    expect(classifyResendError({ name: "application_error", statusCode: null }, null).retryable).toBe(true);
    expect(classifyResendError({ name: "invalid_api_key", statusCode: 403 }, null).retryable).toBe(true);
    expect(classifyResendError({ name: "validation_error", statusCode: 422 }, null).retryable).toBe(false);
    expect(classifyResendError({ name: "invalid_idempotent_request", statusCode: 409 }, null).retryable).toBe(false);
    expect(classifyResendError({ name: "concurrent_idempotent_requests", statusCode: 409 }, null).retryable).toBe(true);
  });
});

describe("Twilio error classification", () => {
  it("21610, 21211 and 21614 are final; 429, 5xx and no answer are retryable", () => {
    for (const code of [21610, 21211, 21614]) expect(classifyTwilioError({ status: 400, code }).retryable).toBe(false);
    expect(classifyTwilioError({ status: 429, code: 20429 }, "7")).toMatchObject({
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(classifyTwilioError({ status: 503 }).retryable).toBe(true);
    expect(classifyTwilioError(new Error("socket hang up")).retryable).toBe(true);
    expect(classifyTwilioError({ status: 400, code: 30001 }).retryable).toBe(true);
    expect(classifyTwilioError({ status: 400, code: 21610 }).providerCode).toBe("21610");
  });
});

describe("Twilio transport against the local stub (real SDK)", () => {
  let stub: TwilioStub;
  const sid = `AC${"ab".repeat(16)}`;
  beforeAll(async () => {
    stub = await startTwilioStub();
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(() => stub.reset());
  const transport = () =>
    createTwilioTransport({ accountSid: sid, authToken: "token", from: "+15005550006", apiBaseUrl: stub.url });

  it("429 with Retry-After becomes a retryable ProviderError carrying the delay", async () => {
    stub.failNext({ status: 429, retryAfter: 2 });
    const error = await transport()
      .send({ to: "+14155550123", body: "x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 2000, status: 429, providerCode: "20429" });
  });

  it("21610 is final; 503 then success sends once with the same idempotency token", async () => {
    stub.failFor("+14155550124", { status: 400, code: 21610 });
    await expect(transport().send({ to: "+14155550124", body: "x" })).rejects.toMatchObject({
      retryable: false,
      providerCode: "21610",
    });

    stub.failNext({ status: 503 });
    await expect(transport().send({ to: "+14155550125", body: "y", idempotencyKey: "m-1" })).rejects.toMatchObject({
      retryable: true,
      status: 503,
    });
    const first = await transport().send({ to: "+14155550125", body: "y", idempotencyKey: "m-1" });
    const repeat = await transport().send({ to: "+14155550125", body: "y", idempotencyKey: "m-1" });
    expect(repeat.providerMessageId).toBe(first.providerMessageId);
    expect(stub.sent).toHaveLength(1);
    expect(stub.requests.map((r) => r.status)).toEqual([400, 503, 201, 201]);
  });
});

describe("ProviderError kinds (what the services read instead of vendor codes)", () => {
  it("Twilio codes map to kinds; the code stays on the error for the record", () => {
    expect(classifyTwilioError({ status: 400, code: 21610 })).toMatchObject({
      kind: "recipient_opted_out",
      retryable: false,
      providerCode: "21610",
    });
    for (const code of [21211, 21614, 21612, 21217, 21401])
      expect(classifyTwilioError({ status: 400, code }).kind).toBe("invalid_recipient");
    expect(classifyTwilioError({ status: 400, code: 21408 }).kind).toBe("rejected");
    expect(classifyTwilioError({ status: 429, code: 20429 })).toMatchObject({ kind: "throttled", retryable: true });
    expect(classifyTwilioError({ status: 400, code: 30001 })).toMatchObject({ kind: "throttled", retryable: true });
    expect(classifyTwilioError({ status: 503 })).toMatchObject({ kind: "unavailable", retryable: true });
    expect(classifyTwilioError(new Error("socket hang up"))).toMatchObject({ kind: "unavailable", retryable: true });
    expect(classifyTwilioError({ status: 400, code: 99999 })).toMatchObject({
      kind: "rejected",
      retryable: false,
      providerCode: "99999",
    });
  });

  it("Resend names and statuses map to kinds", () => {
    expect(classifyResendError({ name: "rate_limit_exceeded", statusCode: 429 }, null).kind).toBe("throttled");
    expect(classifyResendError({ name: "concurrent_idempotent_requests", statusCode: 409 }, null).kind).toBe(
      "throttled",
    );
    expect(classifyResendError({ name: "internal_server_error", statusCode: 500 }, null).kind).toBe("unavailable");
    expect(classifyResendError({ name: "invalid_api_key", statusCode: 403 }, null).kind).toBe("unavailable");
    expect(classifyResendError({ name: "validation_error", statusCode: 422 }, null)).toMatchObject({
      kind: "rejected",
      retryable: false,
      providerCode: "validation_error",
    });
  });

  it("retryable follows the kind: throttled and unavailable only", () => {
    const retryable = (
      ["recipient_opted_out", "invalid_recipient", "throttled", "unavailable", "rejected"] as const
    ).filter((kind) => new ProviderError("x", kind).retryable);
    expect(retryable).toEqual(["throttled", "unavailable"]);
  });
});
