import { randomUUID } from "node:crypto";
import { maskPhone } from "@/server/lib/addresses";
import { logger } from "@/server/lib/logger";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { noWebhooks, plainResponse } from "../../types";
import type { OutgoingSms, SmsSendResult, SmsTransport } from "../types";

/**
 * The transport used when no SMS provider is configured: the SMS counts as sent. The log line
 * carries a masked recipient, an id and the segment count only, never the body (it may hold a
 * code). `sent` keeps the last messages in memory for tests and the admin outbox. It has no
 * webhooks: every call to `/api/webhooks/log/…` is refused.
 */
export function createLogSmsTransport(): SmsTransport & { sent: OutgoingSms[] } {
  const sent: OutgoingSms[] = [];
  return {
    name: "log",
    reportsEvents: false,
    sent,
    ...noWebhooks(),
    async parseInbound() {
      return { ok: false, response: plainResponse(404, "Not found") };
    },
    inboundResponse() {
      return plainResponse(404, "Not found");
    },
    async send(sms: OutgoingSms): Promise<SmsSendResult> {
      const providerMessageId = `log_${randomUUID()}`;
      const { segments } = countSmsSegments(sms.body);
      sent.push(sms);
      if (sent.length > 200) sent.shift();
      logger.info(
        { transport: "log", providerMessageId, recipient: maskPhone(sms.to), segments },
        "sms recorded by log transport",
      );
      return { providerMessageId, transport: "log", segments };
    },
  };
}
