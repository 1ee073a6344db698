import type { Env } from "@/server/lib/env";
import { createLogSmsTransport } from "./log/transport";
import { createTwilioTransport } from "./twilio/transport";
import type { SmsTransport } from "./types";

export type { SmsTransport, OutgoingSms, SmsSendResult } from "./types";

/**
 * The SMS transports of a configuration: `sender` is the one messages go through (Twilio when
 * `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and `TWILIO_FROM` are set, otherwise the log
 * transport); `receivers` are every SMS provider whose webhooks we answer, by name, whether or not
 * it sends now (Twilio's inbound texts need only its auth token). A new provider is one folder
 * next to `twilio/` and one line here.
 */
export function createSmsTransports(
  env: Pick<
    Env,
    | "isTwilioConfigured"
    | "TWILIO_ACCOUNT_SID"
    | "TWILIO_AUTH_TOKEN"
    | "TWILIO_FROM"
    | "TWILIO_API_BASE_URL"
    | "PUBLIC_URL"
  >,
): { sender: SmsTransport; receivers: SmsTransport[] } {
  const twilio = createTwilioTransport({
    accountSid: env.TWILIO_ACCOUNT_SID,
    authToken: env.TWILIO_AUTH_TOKEN,
    from: env.TWILIO_FROM,
    apiBaseUrl: env.TWILIO_API_BASE_URL,
    publicUrl: env.PUBLIC_URL,
  });
  const log = createLogSmsTransport();
  return { sender: env.isTwilioConfigured ? twilio : log, receivers: [twilio, log] };
}
