import { Resend } from "resend";
import { describe, expect, it } from "vitest";
import { verifySvixRequest } from "@/server/providers/email/resend/svix";
import { isValidTwilioRequest, parseTwilioForm } from "@/server/providers/sms/twilio/signature";
import { twimlResponse } from "@/server/providers/sms/twilio/webhooks";
import { svixHeaders, TEST_SVIX_SECRET } from "@/tests/helpers/svix-signature";
import { TEST_TWILIO_AUTH_TOKEN, twilioSignature } from "@/tests/helpers/twilio-signature";

const PUBLIC_URL = "https://optin.example.com";
const params = {
  MessageSid: "SM0123456789abcdef0123456789abcdef",
  From: "+14155550100",
  To: "+14155550199",
  Body: "STOP",
};

describe("Twilio signature", () => {
  const check = (overrides: Partial<Parameters<typeof isValidTwilioRequest>[0]>) =>
    isValidTwilioRequest({
      authToken: TEST_TWILIO_AUTH_TOKEN,
      signature: twilioSignature(`${PUBLIC_URL}/api/webhooks/twilio/inbound`, params),
      publicUrl: PUBLIC_URL,
      pathWithQuery: "/api/webhooks/twilio/inbound",
      params,
      ...overrides,
    });

  it("accepts a signature over PUBLIC_URL + path and the params", () => {
    expect(check({})).toBe(true);
    expect(check({ publicUrl: `${PUBLIC_URL}/` })).toBe(true);
  });

  it("refuses a signature made for another host or path", () => {
    expect(check({ signature: twilioSignature("https://evil.example.com/api/webhooks/twilio/inbound", params) })).toBe(
      false,
    );
    expect(check({ signature: twilioSignature(`${PUBLIC_URL}/api/webhooks/twilio/status`, params) })).toBe(false);
    expect(check({ pathWithQuery: "/api/webhooks/twilio/inbound?x=1" })).toBe(false);
  });

  it("refuses a tampered body, a missing signature and a missing auth token", () => {
    expect(check({ params: { ...params, Body: "START" } })).toBe(false);
    expect(check({ signature: null })).toBe(false);
    expect(check({ signature: "" })).toBe(false);
    expect(check({ authToken: undefined })).toBe(false);
    expect(check({ authToken: "another-token" })).toBe(false);
  });

  it("parses form bodies", () => {
    expect(parseTwilioForm("Body=Stop+it%21&From=%2B14155550100")).toEqual({ Body: "Stop it!", From: "+14155550100" });
  });
});

describe("Svix (Resend) signature", () => {
  const body = JSON.stringify({ type: "email.delivered", data: { email_id: "e1" } });
  const now = new Date("2026-12-01T12:00:00Z");

  it("accepts what our test signer produces, and so does resend.webhooks.verify (same algorithm)", () => {
    const realNowHeaders = svixHeaders(TEST_SVIX_SECRET, "msg_1", body);
    const verified = new Resend("re_test").webhooks.verify({
      payload: body,
      headers: {
        id: realNowHeaders["svix-id"]!,
        timestamp: realNowHeaders["svix-timestamp"]!,
        signature: realNowHeaders["svix-signature"]!,
      },
      webhookSecret: TEST_SVIX_SECRET,
    });
    expect(verified).toMatchObject({ type: "email.delivered" });
    expect(
      verifySvixRequest({ secret: TEST_SVIX_SECRET, headers: new Headers(realNowHeaders), body, now: new Date() }),
    ).toMatchObject({ ok: true, id: "msg_1" });
  });

  it("accepts one valid signature among several (secret rotation) and webhook-* header names", () => {
    const headers = svixHeaders(TEST_SVIX_SECRET, "msg_2", body, now);
    const rotated = new Headers({ ...headers, "svix-signature": `v1,AAAA ${headers["svix-signature"]}` });
    expect(verifySvixRequest({ secret: TEST_SVIX_SECRET, headers: rotated, body, now }).ok).toBe(true);
    const standard = new Headers({
      "webhook-id": "msg_2",
      "webhook-timestamp": headers["svix-timestamp"]!,
      "webhook-signature": headers["svix-signature"]!,
    });
    expect(verifySvixRequest({ secret: TEST_SVIX_SECRET, headers: standard, body, now }).ok).toBe(true);
  });

  it("refuses a changed body, another secret, a changed id and missing headers", () => {
    const headers = new Headers(svixHeaders(TEST_SVIX_SECRET, "msg_3", body, now));
    expect(
      verifySvixRequest({ secret: TEST_SVIX_SECRET, headers, body: body.replace("delivered", "bounced"), now }),
    ).toEqual({ ok: false, reason: "bad_signature" });
    expect(
      verifySvixRequest({ secret: "whsec_" + Buffer.alloc(24, 1).toString("base64"), headers, body, now }).ok,
    ).toBe(false);
    const otherId = new Headers(headers);
    otherId.set("svix-id", "msg_4");
    expect(verifySvixRequest({ secret: TEST_SVIX_SECRET, headers: otherId, body, now }).ok).toBe(false);
    const missing = new Headers(headers);
    missing.delete("svix-signature");
    expect(verifySvixRequest({ secret: TEST_SVIX_SECRET, headers: missing, body, now })).toEqual({
      ok: false,
      reason: "missing_headers",
    });
  });

  it("allows ±5 minutes of clock difference and no more", () => {
    const sign = (at: Date) => new Headers(svixHeaders(TEST_SVIX_SECRET, "msg_5", body, at));
    const at = (offsetSeconds: number) => new Date(now.getTime() + offsetSeconds * 1000);
    expect(verifySvixRequest({ secret: TEST_SVIX_SECRET, headers: sign(at(-299)), body, now }).ok).toBe(true);
    expect(verifySvixRequest({ secret: TEST_SVIX_SECRET, headers: sign(at(299)), body, now }).ok).toBe(true);
    expect(verifySvixRequest({ secret: TEST_SVIX_SECRET, headers: sign(at(-301)), body, now })).toEqual({
      ok: false,
      reason: "stale_timestamp",
    });
    expect(verifySvixRequest({ secret: TEST_SVIX_SECRET, headers: sign(at(301)), body, now })).toEqual({
      ok: false,
      reason: "stale_timestamp",
    });
  });
});

describe("TwiML", () => {
  it("answers an empty Response, or one Message with the text XML-escaped", () => {
    expect(twimlResponse(null)).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(twimlResponse(`A&B <Shop> "quotes" 'x'`)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>A&amp;B &lt;Shop&gt; &quot;quotes&quot; &apos;x&apos;</Message></Response>',
    );
  });
});
