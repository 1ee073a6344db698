import { getEnv } from "@/server/lib/env";
import { createLogSmsTransport } from "./log";
import { createTwilioTransport } from "./twilio";
import type { SmsTransport } from "./types";

export type { SmsTransport, OutgoingSms, SmsSendResult } from "./types";

const globalForSms = globalThis as unknown as { __optinSmsTransport?: SmsTransport };

/** Twilio when `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and `TWILIO_FROM` are set, otherwise the log transport. */
export function getSmsTransport(): SmsTransport {
  if (!globalForSms.__optinSmsTransport) {
    const env = getEnv();
    globalForSms.__optinSmsTransport =
      env.isTwilioConfigured && env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM
        ? createTwilioTransport({
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            from: env.TWILIO_FROM,
            apiBaseUrl: env.TWILIO_API_BASE_URL,
          })
        : createLogSmsTransport();
  }
  return globalForSms.__optinSmsTransport;
}

/** Tests swap the transport. */
export function setSmsTransport(transport: SmsTransport | undefined): void {
  globalForSms.__optinSmsTransport = transport;
}
