import { AsyncLocalStorage } from "node:async_hooks";
import twilio from "twilio";
import RequestClient from "twilio/lib/base/RequestClient";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { ProviderError } from "../../errors";
import type { OutgoingSms, SmsSendResult, SmsTransport } from "../types";
import { classifyTwilioError } from "./errors";
import { createTwilioWebhooks } from "./webhooks";

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
    const uri =
      this.baseUrl && opts.uri.startsWith(TWILIO_API_ORIGIN)
        ? `${this.baseUrl.replace(/\/+$/, "")}${opts.uri.slice(TWILIO_API_ORIGIN.length)}`
        : opts.uri;
    const response = await super.request({
      ...opts,
      uri,
      headers: state ? { ...opts.headers, ...state.headers } : opts.headers,
    });
    if (state) {
      const headers = (response.headers ?? {}) as Record<string, unknown>;
      const retryAfter = headers["retry-after"] ?? headers["Retry-After"];
      state.retryAfter = retryAfter == null ? undefined : String(retryAfter);
    }
    return response;
  }
}

export interface TwilioConfig {
  /** Sending needs the account SID, auth token and sender; the auth token alone receives webhooks. */
  accountSid?: string;
  authToken?: string;
  /** A phone number, or a Messaging Service SID (`MG…`) sent as `MessagingServiceSid`. */
  from?: string;
  apiBaseUrl?: string;
  /**
   * The public address Twilio reaches (PUBLIC_URL): webhook signatures are checked over it, and
   * every SMS asks for status callbacks at `<publicUrl>/api/webhooks/twilio/status` unless the
   * message names its own.
   */
  publicUrl?: string;
}

/** Where Twilio posts the delivery status of the SMS we send (the `[provider]/status` webhook). */
export const twilioStatusCallback = (publicUrl: string) =>
  `${publicUrl.replace(/\/+$/, "")}/api/webhooks/twilio/status`;

export function isMessagingServiceSid(value: string): boolean {
  return /^MG[0-9a-fA-F]{32}$/.test(value);
}

/** Twilio over its SDK; webhooks: see `createTwilioWebhooks`. */
export function createTwilioTransport(config: TwilioConfig): SmsTransport {
  let client: ReturnType<typeof twilio> | undefined;
  const messages = () => {
    if (!config.accountSid || !config.authToken)
      throw new ProviderError("Twilio is not configured (no account SID or auth token)", "unavailable", {
        providerCode: "not_configured",
      });
    client ??= twilio(config.accountSid, config.authToken, {
      httpClient: new RewritingRequestClient(config.apiBaseUrl),
    });
    return client.messages;
  };
  return {
    name: "twilio",
    reportsEvents: true,
    ...createTwilioWebhooks({ authToken: config.authToken, publicUrl: config.publicUrl ?? "" }),
    async send(sms: OutgoingSms): Promise<SmsSendResult> {
      const sender = sms.from ?? config.from;
      if (!sender)
        throw new ProviderError("Twilio has no sender configured", "unavailable", { providerCode: "not_configured" });
      const statusCallback =
        sms.statusCallback ?? (config.publicUrl ? twilioStatusCallback(config.publicUrl) : undefined);
      const params = {
        to: sms.to,
        body: sms.body,
        ...(isMessagingServiceSid(sender) ? { messagingServiceSid: sender } : { from: sender }),
        ...(statusCallback ? { statusCallback } : {}),
      };
      const api = messages();
      const state: CallState = {
        headers: sms.idempotencyKey ? { "I-Twilio-Idempotency-Token": sms.idempotencyKey } : {},
      };
      try {
        const message = await callState.run(state, () => api.create(params));
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
