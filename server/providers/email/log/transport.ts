import { randomUUID } from "node:crypto";
import { logger, maskEmail } from "@/server/lib/logger";
import { noWebhooks } from "../../types";
import type { EmailSendResult, EmailTransport, OutgoingEmail } from "../types";

/** The most bytes of files the log transport keeps on the emails it remembers. */
export const LOG_KEPT_FILE_BYTES = 32 * 1024 * 1024;

/**
 * The transport used when no provider is configured: the email counts as sent. The log line
 * carries a masked recipient, an id and how many files went with it (count and bytes), never the
 * subject, body, links or file names; `sent` keeps the last emails whole, attachments included. It has no
 * webhooks: every call to `/api/webhooks/log` is refused.
 */
export function createLogEmailTransport(): EmailTransport & { sent: OutgoingEmail[] } {
  const sent: OutgoingEmail[] = [];
  const fileBytes = (email: OutgoingEmail) =>
    (email.attachments ?? []).reduce((sum, file) => sum + file.content.length, 0);
  let keptBytes = 0;
  return {
    name: "log",
    reportsEvents: false,
    sent,
    ...noWebhooks(),
    async send(email: OutgoingEmail): Promise<EmailSendResult> {
      const providerMessageId = `log_${randomUUID()}`;
      sent.push(email);
      keptBytes += fileBytes(email);
      // The last 200 emails, and no more than LOG_KEPT_FILE_BYTES of their files (5 MB each would add up).
      while (sent.length > 200 || (keptBytes > LOG_KEPT_FILE_BYTES && sent.length > 1))
        keptBytes -= fileBytes(sent.shift()!);
      logger.info(
        {
          transport: "log",
          providerMessageId,
          recipient: maskEmail(email.to),
          ...(email.attachments?.length
            ? {
                attachments: email.attachments.length,
                attachmentBytes: fileBytes(email),
              }
            : {}),
        },
        "email recorded by log transport",
      );
      return { providerMessageId, transport: "log" };
    },
  };
}
