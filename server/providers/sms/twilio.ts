import { AsyncLocalStorage } from "node:async_hooks";
import twilio from "twilio";
import RequestClient from "twilio/lib/base/RequestClient";
import { countSmsSegments } from "@/server/lib/sms-segments";
import { ProviderError } from "../email/resend";
import type { OutgoingSms, SmsSendResult, SmsTransport } from "./types";

const TWILIO_API_ORIGIN = "https://api.twilio.com";

/** The idempotency key of the send in progress, read by the HTTP client of that call only. */
const requestHeaders = new AsyncLocalStorage<Record<string, string>>();

/**
 * The SDK's HTTP client with two additions: every `https://api.twilio.com` URL is rewritten to
 * `baseUrl` (TWILIO_API_BASE_URL: gateways and tests), and per-call headers from the async
 * context (Twilio's `I-Twilio-Idempotency-Token`) are added.
 */
export class RewritingRequestClient extends RequestClient {
  constructor(private readonly baseUrl: string | undefined) {
    super({ timeout: 15_000 });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const extra = requestHeaders.getStore();
    const uri = this.baseUrl && opts.uri.startsWith(TWILIO_API_ORIGIN) ? `${this.baseUrl.replace(/\/+$/, "")}${opts.uri.slice(TWILIO_API_ORIGIN.length)}` : opts.uri;
    return super.request({ ...opts, uri, headers: extra ? { ...opts.headers, ...extra } : opts.headers });
  }
}

/** Twilio's REST error codes worth retrying (queue overflow, rate limits) besides 429/5xx. */
const RETRYABLE_CODES = new Set([20429, 30001, 20500, 20503]);

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** A phone number, or a Messaging Service SID (`MG…`) sent as `MessagingServiceSid`. */
  from: string;
  apiBaseUrl?: string;
}

export function isMessagingServiceSid(value: string): boolean {
  return /^MG[0-9a-fA-F]{32}$/.test(value);
}

/** Twilio over its SDK. */
export function createTwilioTransport(config: TwilioConfig): SmsTransport {
  const client = twilio(config.accountSid, config.authToken, { httpClient: new RewritingRequestClient(config.apiBaseUrl) });
  return {
    name: "twilio",
    async send(sms: OutgoingSms): Promise<SmsSendResult> {
      const sender = sms.from ?? config.from;
      const params = {
        to: sms.to,
        body: sms.body,
        ...(isMessagingServiceSid(sender) ? { messagingServiceSid: sender } : { from: sender }),
        ...(sms.statusCallback ? { statusCallback: sms.statusCallback } : {}),
      };
      try {
        const headers: Record<string, string> = sms.idempotencyKey ? { "I-Twilio-Idempotency-Token": sms.idempotencyKey } : {};
        const message = await requestHeaders.run(headers, () => client.messages.create(params));
        const reported = Number(message.numSegments);
        return {
          providerMessageId: message.sid,
          transport: "twilio",
          segments: Number.isFinite(reported) && reported > 0 ? reported : countSmsSegments(sms.body).segments,
        };
      } catch (error) {
        const status = (error as { status?: number }).status;
        const code = (error as { code?: number }).code;
        const retryable = status === undefined || status === 429 || status >= 500 || (code !== undefined && RETRYABLE_CODES.has(code));
        throw new ProviderError(`Twilio refused the SMS${code ? `: ${code}` : ""}`, retryable, code === undefined ? undefined : String(code));
      }
    },
  };
}
