import { describe, expect, it } from "vitest";
import { MAX_RESEND_BODY_BYTES } from "@/server/providers/email/resend/webhooks";
import { MAX_TWILIO_BODY_BYTES } from "@/server/providers/sms/twilio/webhooks";
import {
  bufferedWebhookRequest,
  bufferWebhookCall,
  MAX_WEBHOOK_BODY_BYTES,
} from "@/server/services/webhooks/buffered-webhook-call";

const receivedAt = new Date("2026-12-07T12:00:00Z");

describe("buffered webhook calls", () => {
  it("reads no provider's call short: the main thread's limit is at least every provider's", () => {
    expect(MAX_WEBHOOK_BODY_BYTES).toBeGreaterThanOrEqual(MAX_TWILIO_BODY_BYTES);
    expect(MAX_WEBHOOK_BODY_BYTES).toBeGreaterThanOrEqual(MAX_RESEND_BODY_BYTES);
  });

  it("applies each provider's own limit to the buffered body, in bytes, not characters", async () => {
    const body = "é".repeat(10); // 20 bytes in UTF-8
    const request = bufferedWebhookRequest({ provider: "p", pathWithQuery: "/x?a=1", headers: [], body, receivedAt });
    expect(await request.readBody(20)).toBe(body);
    expect(await request.readBody(19)).toBeNull();
    expect(await request.readBody(19)).toBeNull();
    expect(await request.readBody(64)).toBe(body);
  });

  it("a body too large to read stays too large for every provider", async () => {
    const request = bufferedWebhookRequest({ provider: "p", pathWithQuery: "/", headers: [], body: null, receivedAt });
    expect(await request.readBody(Number.MAX_SAFE_INTEGER)).toBeNull();
  });

  it("keeps path, headers (case-insensitive) and the time of receipt, and survives a structured clone", async () => {
    const call = await bufferWebhookCall("twilio", {
      pathWithQuery: "/api/webhooks/twilio/status?x=1",
      headers: new Headers({ "X-Twilio-Signature": "sig", "Content-Type": "application/x-www-form-urlencoded" }),
      readBody: async (maxBytes) => (maxBytes === MAX_WEBHOOK_BODY_BYTES ? "a=1" : "wrong limit"),
      receivedAt,
    });
    const request = bufferedWebhookRequest(structuredClone(call));
    expect(request.pathWithQuery).toBe("/api/webhooks/twilio/status?x=1");
    expect(request.headers.get("x-twilio-signature")).toBe("sig");
    expect(request.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(request.receivedAt.toISOString()).toBe(receivedAt.toISOString());
    expect(await request.readBody(10)).toBe("a=1");
  });
});
