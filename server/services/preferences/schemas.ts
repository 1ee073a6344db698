import { z } from "zod";
import { CHANNELS, CONSENT_STATUSES } from "@/db/schema";
import { controlCharacterMessage, hasControlCharacter } from "@/server/lib/text";

/** A link token as it arrives in a URL. Any string: verification decides (and answers NOT_FOUND). */
export const ZLinkToken = z.string();

/** What we know about the request that carried the click (never the token itself). */
export const ZLinkEvidence = z
  .object({
    ip: z.string().max(64).optional(),
    ipSource: z.enum(["socket", "trusted_proxy"]).optional(),
    userAgent: z.string().max(512).optional(),
  })
  .strict();
export type TLinkEvidence = z.infer<typeof ZLinkEvidence>;

export const LEAVING_REASON_MAX = 1000;

/**
 * "Why are you leaving?": free text, optional, stored as the ledger evidence's `note`. Lines are
 * fine, other control characters are refused (naming `reason`). A longer text is cut to 1,000
 * characters rather than refused: the person's unsubscribe must never fail over their feedback.
 */
export const ZLeavingReason = z
  .string()
  .trim()
  .refine((v) => !hasControlCharacter(v, { multiLine: true }), controlCharacterMessage("reason"))
  .optional()
  .transform((v) => (v ? v.slice(0, LEAVING_REASON_MAX).trimEnd() : undefined));

export const ZUnsubscribeOneClickInput = z.object({
  token: ZLinkToken,
  reason: ZLeavingReason,
  evidence: ZLinkEvidence.default({}),
});
export type TUnsubscribeOneClickInput = z.input<typeof ZUnsubscribeOneClickInput>;

export const ZPreferenceChoice = z.object({
  topicId: z.uuid(),
  channel: z.enum(CHANNELS),
  subscribed: z.boolean(),
});
export type TPreferenceChoice = z.infer<typeof ZPreferenceChoice>;

export const ZSavePreferencesInput = z.object({
  token: ZLinkToken,
  /** The desired state of some or all topic × channel pairs; pairs left out stay as they are. */
  choices: z.array(ZPreferenceChoice).max(500).default([]),
  /** Opt out of every marketing topic on every channel (choices are then ignored). */
  unsubscribeAll: z.boolean().default(false),
  reason: ZLeavingReason,
  evidence: ZLinkEvidence.default({}),
});
export type TSavePreferencesInput = z.input<typeof ZSavePreferencesInput>;

export const ZConsentStatusOrNone = z.enum(CONSENT_STATUSES).nullable();
export type TConsentStatusOrNone = z.infer<typeof ZConsentStatusOrNone>;
