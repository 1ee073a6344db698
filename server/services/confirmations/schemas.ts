import { z } from "zod";
import { CHANNELS, CONSENT_SOURCES, type TopicRow } from "@/db/schema";
import { ZEvidence } from "../consent/schemas";

/** The input of `prepareConfirmation` and `requestConfirmation`. */
export const ZRequestConfirmationInput = z.object({
  contactId: z.uuid(),
  channel: z.enum(CHANNELS),
  source: z.enum(CONSENT_SOURCES),
  // Loose: a re-sent request carries the stored evidence (text hash, confirmation ids) along.
  evidence: ZEvidence.loose(),
  formVersionId: z.uuid().nullish(),
});
export type TRequestConfirmationInput = z.input<typeof ZRequestConfirmationInput> & {
  /** Resolved topics (checked against the channel by the caller). */
  topicRows: TopicRow[];
};
