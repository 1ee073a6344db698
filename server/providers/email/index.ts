import { getEnv } from "@/server/lib/env";
import { createLogEmailTransport } from "./log";
import { createResendTransport } from "./resend";
import type { EmailTransport } from "./types";

export type { EmailTransport, OutgoingEmail, EmailSendResult } from "./types";

const globalForEmail = globalThis as unknown as { __optinEmailTransport?: EmailTransport };

/** Resend when `RESEND_API_KEY` is set, otherwise the log transport. */
export function getEmailTransport(): EmailTransport {
  if (!globalForEmail.__optinEmailTransport) {
    const env = getEnv();
    globalForEmail.__optinEmailTransport = env.RESEND_API_KEY
      ? createResendTransport(env.RESEND_API_KEY)
      : createLogEmailTransport();
  }
  return globalForEmail.__optinEmailTransport;
}

/** Tests swap the transport. */
export function setEmailTransport(transport: EmailTransport | undefined): void {
  globalForEmail.__optinEmailTransport = transport;
}
