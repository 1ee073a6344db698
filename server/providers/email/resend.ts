import { Resend } from "resend";
import type { EmailSendResult, EmailTransport, OutgoingEmail } from "./types";

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

/** Resend over its SDK; `RESEND_BASE_URL` is honoured by the SDK itself. */
export function createResendTransport(apiKey: string): EmailTransport {
  const resend = new Resend(apiKey);
  return {
    name: "resend",
    async send(email: OutgoingEmail): Promise<EmailSendResult> {
      const { data, error } = await resend.emails.send(
        {
          from: email.from,
          to: [email.to],
          subject: email.subject,
          text: email.text,
          html: email.html,
          headers: email.headers,
        },
        email.idempotencyKey ? { idempotencyKey: email.idempotencyKey } : undefined,
      );
      if (error || !data) {
        const name = error?.name ?? "unknown_error";
        const retryable = ["rate_limit_exceeded", "application_error", "internal_server_error", "concurrent_idempotent_requests"].includes(name);
        throw new ProviderError(`Resend refused the email: ${name}`, retryable, name);
      }
      return { providerMessageId: data.id, transport: "resend" };
    },
  };
}
