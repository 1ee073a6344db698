import { Resend } from "resend";
import { ProviderError } from "../../errors";
import { MAX_EMAIL_BATCH, type EmailSendResult, type EmailTransport, type OutgoingEmail } from "../types";
import { classifyResendError } from "./errors";
import { createResendWebhooks } from "./webhooks";

export interface ResendConfig {
  /** Sending needs it; without one the transport still receives webhooks (events of emails sent before). */
  apiKey?: string;
  /** The Svix signing secret of the webhook endpoint (`whsec_…`); without one, webhooks are refused. */
  webhookSecret?: string;
}

/**
 * Resend takes Reply-To as a field of its own (`replyTo`), the other headers as given, and files
 * as `attachments` (the SDK sends their bytes base64-encoded).
 */
function toApiEmail(email: OutgoingEmail) {
  const { "Reply-To": replyTo, ...headers } = email.headers ?? {};
  return {
    from: email.from,
    to: [email.to],
    subject: email.subject,
    text: email.text,
    ...(email.html ? { html: email.html } : {}),
    ...(replyTo ? { replyTo } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(email.attachments?.length
      ? {
          attachments: email.attachments.map((file) => ({
            filename: file.filename,
            content: file.content,
            contentType: file.contentType,
          })),
        }
      : {}),
  };
}

/**
 * Resend over its SDK; `RESEND_BASE_URL` is honoured by the SDK itself. Headers (List-Unsubscribe,
 * List-Unsubscribe-Post) are passed through as given; the idempotency key goes in Resend's
 * `Idempotency-Key` header so a retried call never sends twice. Webhooks: see `createResendWebhooks`.
 */
export function createResendTransport(config: ResendConfig): EmailTransport {
  let client: Resend | undefined;
  const resend = () => {
    if (!config.apiKey)
      throw new ProviderError("Resend is not configured (no API key)", "unavailable", {
        providerCode: "not_configured",
      });
    return (client ??= new Resend(config.apiKey));
  };
  return {
    name: "resend",
    reportsEvents: true,
    ...createResendWebhooks({ webhookSecret: config.webhookSecret }),
    async send(email: OutgoingEmail): Promise<EmailSendResult> {
      const { data, error, headers } = await resend().emails.send(
        toApiEmail(email),
        email.idempotencyKey ? { idempotencyKey: email.idempotencyKey } : undefined,
      );
      if (error || !data) throw classifyResendError(error, headers);
      return { providerMessageId: data.id, transport: "resend" };
    },
    async sendBatch(emails: OutgoingEmail[], options: { idempotencyKey?: string } = {}): Promise<EmailSendResult[]> {
      if (emails.length === 0) return [];
      if (emails.length > MAX_EMAIL_BATCH)
        throw new RangeError(`A Resend batch holds at most ${MAX_EMAIL_BATCH} emails`);
      const { data, error, headers } = await resend().batch.send(
        emails.map(toApiEmail),
        options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : undefined,
      );
      if (error || !data) throw classifyResendError(error, headers);
      const ids = data.data ?? [];
      if (ids.length !== emails.length) {
        // Resend answered something other than one id per email: the outcome is unknown, so the
        // caller retries with the same idempotency key (Resend then answers the first response).
        throw new ProviderError("Resend answered a batch with a different number of ids", "unavailable", {
          providerCode: "batch_mismatch",
        });
      }
      return ids.map((item) => ({ providerMessageId: item.id, transport: "resend" }));
    },
  };
}
