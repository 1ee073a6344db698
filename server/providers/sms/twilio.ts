import { AsyncLocalStorage } from "node:async_hooks";
import twilio from "twilio";
import RequestClient from "twilio/lib/base/RequestClient";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { ProviderError, parseRetryAfter } from "../errors";
import type { OutgoingSms, SmsSendResult, SmsTransport } from "./types";

const TWILIO_API_ORIGIN = "https://api.twilio.com";

/** Per-call state of the send in progress: headers to add, and the answer's `Retry-After`. */
interface CallState {
  headers: Record<string, string>;
  retryAfter?: string;
}
const callState = new AsyncLocalStorage<CallState>();

/**
 * The SDK's HTTP client with three additions: every `https://api.twilio.com` URL is rewritten to
 * `baseUrl` (TWILIO_API_BASE_URL: gateways and tests), per-call headers from the async context
 * (Twilio's `I-Twilio-Idempotency-Token`) are added, and the answer's `Retry-After` is kept for
 * the error classification (the SDK's RestException drops response headers).
 */
export class RewritingRequestClient extends RequestClient {
  constructor(private readonly baseUrl: string | undefined) {
    super({ timeout: 15_000 });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const state = callState.getStore();
    const uri = this.baseUrl && opts.uri.startsWith(TWILIO_API_ORIGIN) ? `${this.baseUrl.replace(/\/+$/, "")}${opts.uri.slice(TWILIO_API_ORIGIN.length)}` : opts.uri;
    const response = await super.request({ ...opts, uri, headers: state ? { ...opts.headers, ...state.headers } : opts.headers });
    if (state) {
      const headers = (response.headers ?? {}) as Record<string, unknown>;
      const retryAfter = headers["retry-after"] ?? headers["Retry-After"];
      state.retryAfter = retryAfter == null ? undefined : String(retryAfter);
    }
    return response;
  }
}

/** Twilio error codes worth retrying (rate limits, queue overflow, Twilio-side failures) besides 429/5xx. */
const RETRYABLE_CODES = new Set([20429, 30001, 20500, 20503, 20003, 20005]);

/**
 * Codes that mean "this recipient cannot get this message": never retried. 21610 is the one the
 * pipeline also turns into an opt-out (the recipient replied STOP at the carrier/Twilio level).
 */
export const FINAL_RECIPIENT_CODES = new Set([21610, 21211, 21614, 21612, 21408, 21217, 21401, 21266]);

/** The recipient replied STOP: Twilio refuses every message to them from this sender. */
export const TWILIO_UNSUBSCRIBED_CODE = "21610";

/**
 * Classifies a failed Twilio call. Retryable: no HTTP answer (network error, timeout), 429, 5xx,
 * and Twilio's rate-limit/queue/auth codes. Final: every other 4xx, in particular 21610
 * (unsubscribed recipient), 21211 (invalid number) and 21614 (not a mobile number).
 */
export function classifyTwilioError(error: unknown, retryAfter?: string, now: Date = new Date()): ProviderError {
  const status = (error as { status?: number }).status;
  const rawCode = (error as { code?: number | string }).code;
  const code = typeof rawCode === "number" ? rawCode : typeof rawCode === "string" && /^\d+$/.test(rawCode) ? Number(rawCode) : undefined;
  const retryable =
    code !== undefined && FINAL_RECIPIENT_CODES.has(code)
      ? false
      : status === undefined || status === 429 || status >= 500 || (code !== undefined && RETRYABLE_CODES.has(code));
  return new ProviderError(`Twilio refused the SMS${code ? `: ${code}` : status ? ` (HTTP ${status})` : ""}`, retryable, code === undefined ? undefined : String(code), {
    retryAfterMs: parseRetryAfter(retryAfter, now),
    status,
  });
}

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
      const state: CallState = { headers: sms.idempotencyKey ? { "I-Twilio-Idempotency-Token": sms.idempotencyKey } : {} };
      try {
        const message = await callState.run(state, () => client.messages.create(params));
        const reported = Number(message.numSegments);
        return {
          providerMessageId: message.sid,
          transport: "twilio",
          segments: Number.isFinite(reported) && reported > 0 ? reported : countSmsSegments(sms.body).segments,
        };
      } catch (error) {
        throw classifyTwilioError(error, state.retryAfter);
      }
    },
  };
}
