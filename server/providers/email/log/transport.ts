import { randomUUID } from "node:crypto";
import { logger, maskEmail } from "@/server/lib/logger";
import { noWebhooks } from "../../types";
import type { EmailSendResult, EmailTransport, OutgoingEmail } from "../types";

/**
 * The transport used when no provider is configured: the email counts as sent. The log line
 * carries a masked recipient, an id and how many files went with it (count and bytes), never the
 * subject, body, links or file names; `sent` keeps the last emails whole, attachments included. It has no
 * webhooks: every call to `/api/webhooks/log` is refused.
 */
export function createLogEmailTransport(): EmailTransport & { sent: OutgoingEmail[] } {
  const sent: OutgoingEmail[] = [];
  return {
    name: "log",
    reportsEvents: false,
    sent,
    ...noWebhooks(),
    async send(email: OutgoingEmail): Promise<EmailSendResult> {
      const providerMessageId = `log_${randomUUID()}`;
      sent.push(email);
      if (sent.length > 200) sent.shift();
      logger.info(
        {
          transport: "log",
          providerMessageId,
          recipient: maskEmail(email.to),
          ...(email.attachments?.length
            ? {
                attachments: email.attachments.length,
                attachmentBytes: email.attachments.reduce((sum, file) => sum + file.content.length, 0),
              }
            : {}),
        },
        "email recorded by log transport",
      );
      return { providerMessageId, transport: "log" };
    },
  };
}
