import { requestHash } from "./message-secrets";
import type { SendRequest } from "./pipeline-types";
import type { TSendWithConsentParsed } from "./schemas";

/** A parsed send (single, or a batch item merged with the batch's shared fields) as the pipeline takes it. */
export function toSendRequest(parsed: TSendWithConsentParsed, overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    recipient: parsed.contactId
      ? { contactId: parsed.contactId }
      : parsed.email !== undefined
        ? { email: parsed.email }
        : { phone: parsed.phone! },
    channel: parsed.channel,
    topicKey: parsed.topic,
    kind: parsed.kind,
    source: parsed.templateId
      ? { templateId: parsed.templateId }
      : parsed.templateKey
        ? { templateKey: parsed.templateKey }
        : { content: parsed.content! },
    variables: parsed.variables,
    idempotencyKey: parsed.idempotencyKey ?? null,
    requestHash: requestHash(parsed as unknown as Record<string, unknown>),
    fallback: parsed.fallback,
    deferOnQuietHours: parsed.deferOnQuietHours,
    ...overrides,
  };
}
