import type { Env } from "@/server/lib/env";
import { createLogEmailTransport } from "./log/transport";
import { createResendTransport } from "./resend/transport";
import type { EmailTransport } from "./types";

export type { EmailAttachment, EmailTransport, OutgoingEmail, EmailSendResult } from "./types";
export { MAX_EMAIL_BATCH } from "./types";

/**
 * The email transports of a configuration: `sender` is the one messages go through (Resend when
 * `RESEND_API_KEY` is set, otherwise the log transport); `receivers` are every email provider
 * whose webhooks we answer, by name, whether or not it sends now (events about emails it sent
 * earlier). A new provider is one folder next to `resend/` and one line here.
 */
export function createEmailTransports(env: Pick<Env, "RESEND_API_KEY" | "RESEND_WEBHOOK_SECRET">): {
  sender: EmailTransport;
  receivers: EmailTransport[];
} {
  const resend = createResendTransport({ apiKey: env.RESEND_API_KEY, webhookSecret: env.RESEND_WEBHOOK_SECRET });
  const log = createLogEmailTransport();
  return { sender: env.RESEND_API_KEY ? resend : log, receivers: [resend, log] };
}
