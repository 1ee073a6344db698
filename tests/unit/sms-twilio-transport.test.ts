import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTwilioTransport } from "@/server/providers/sms/twilio/transport";
import { createLogSmsTransport } from "@/server/providers/sms/log/transport";

/** A local stand-in for `POST /2010-04-01/Accounts/{sid}/Messages.json`. */
interface Seen {
  method: string;
  path: string;
  authorization: string;
  contentType: string;
  idempotency: string | undefined;
  form: Record<string, string>;
}
const seen: Seen[] = [];
let failNext: number | null = null;
let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      seen.push({
        method: req.method ?? "",
        path: req.url ?? "",
        authorization: req.headers.authorization ?? "",
        contentType: req.headers["content-type"] ?? "",
        idempotency: req.headers["i-twilio-idempotency-token"] as string | undefined,
        form,
      });
      if (failNext) {
        const status = failNext;
        failNext = null;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: status === 429 ? 20429 : 21211, message: "stubbed failure", status }));
        return;
      }
      res.writeHead(201, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          sid: `SM${"a".repeat(32)}`,
          status: "queued",
          num_segments: "2",
          to: form.To,
          body: form.Body,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
});

const SID = `AC${"1".repeat(32)}`;

describe("Twilio SMS transport (real SDK against a local stub)", () => {
  it("POSTs To/From/Body/StatusCallback to Messages.json with basic auth, at TWILIO_API_BASE_URL", async () => {
    const transport = createTwilioTransport({
      accountSid: SID,
      authToken: "secret-token",
      from: "+15005550006",
      apiBaseUrl: baseUrl,
    });
    const result = await transport.send({
      to: "+14155550100",
      body: "Hello from the test",
      statusCallback: "https://app.example/api/webhooks/twilio/status",
      idempotencyKey: "msg-1",
    });
    expect(result).toEqual({ providerMessageId: `SM${"a".repeat(32)}`, transport: "twilio", segments: 2 });
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req!.authorization).toBe(`Basic ${Buffer.from(`${SID}:secret-token`).toString("base64")}`);
    expect(req!.contentType).toContain("application/x-www-form-urlencoded");
    expect(req!.form).toEqual({
      To: "+14155550100",
      From: "+15005550006",
      Body: "Hello from the test",
      StatusCallback: "https://app.example/api/webhooks/twilio/status",
    });
    expect(req!.idempotency).toBe("msg-1");
  });

  it("a Messaging Service SID in TWILIO_FROM is sent as MessagingServiceSid", async () => {
    const service = `MG${"b".repeat(32)}`;
    const transport = createTwilioTransport({ accountSid: SID, authToken: "t", from: service, apiBaseUrl: baseUrl });
    await transport.send({ to: "+14155550101", body: "Hi" });
    expect(seen[0]!.form).toEqual({ To: "+14155550101", MessagingServiceSid: service, Body: "Hi" });
    expect(seen[0]!.idempotency).toBeUndefined();
  });

  it("provider errors become ProviderError, retryable for 429 and not for a bad number", async () => {
    const transport = createTwilioTransport({
      accountSid: SID,
      authToken: "t",
      from: "+15005550006",
      apiBaseUrl: baseUrl,
    });
    failNext = 429;
    await expect(transport.send({ to: "+14155550102", body: "x" })).rejects.toMatchObject({
      name: "ProviderError",
      retryable: true,
    });
    failNext = 400;
    await expect(transport.send({ to: "+14155550102", body: "x" })).rejects.toMatchObject({
      name: "ProviderError",
      retryable: false,
      providerCode: "21211",
    });
  });
});

describe("log SMS transport", () => {
  it("records the message, counts segments and answers a log id", async () => {
    const transport = createLogSmsTransport();
    const result = await transport.send({ to: "+14155550103", body: "ç".repeat(71) });
    expect(result).toMatchObject({ transport: "log", segments: 2 });
    expect(result.providerMessageId).toMatch(/^log_/);
    expect(transport.sent).toHaveLength(1);
  });
});

describe("log transports have no webhooks", () => {
  it("refuse every webhook call without reading it", async () => {
    const transport = createLogSmsTransport();
    const request = {
      pathWithQuery: "/api/webhooks/log/status",
      headers: new Headers(),
      readBody: async () => {
        throw new Error("the body must not be read");
      },
      receivedAt: new Date(),
    };
    expect(await transport.verifyWebhook(request)).toMatchObject({ ok: false, response: { status: 404 } });
    expect(await transport.parseEvents(request)).toMatchObject({ ok: false });
    expect(await transport.parseInbound(request)).toMatchObject({ ok: false });
    expect(transport.reportsEvents).toBe(false);
  });
});
