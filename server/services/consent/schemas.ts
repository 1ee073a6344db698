import { z } from "zod";
import { CHANNELS, CONSENT_SOURCES, CONSENT_STATUSES } from "@/db/schema";
import { ZTopicKey } from "../topics/schemas";

export const ZEvidence = z
  .object({
    ip: z.string().max(64).optional().describe("IP address the person acted from, up to 64 characters"),
    userAgent: z
      .string()
      .max(512)
      .optional()
      .describe("User agent of the person's browser or app, up to 512 characters"),
    url: z
      .string()
      .max(2048)
      .optional()
      .describe("Address of the page where consent was given, up to 2,048 characters"),
    text: z.string().max(10_000).optional().describe("The consent language shown; stored once and referenced by hash"),
    formVersion: z
      .string()
      .max(64)
      .optional()
      .describe("Identifier of the form, or form version, that collected the consent, up to 64 characters"),
    providerMessageId: z
      .string()
      .max(128)
      .optional()
      .describe(
        "The provider's id of the message that carried the consent (e.g. an SMS keyword reply), up to 128 characters",
      ),
    note: z
      .string()
      .max(1000)
      .optional()
      .describe("Free-text note on how the consent was obtained, up to 1,000 characters"),
  })
  .strict();
export type TEvidence = z.infer<typeof ZEvidence>;

export const ZRecordConsentInput = z
  .object({
    id: z.uuid().describe("Contact id"),
    channel: z.enum(CHANNELS).describe("Channel the consent is for: email or sms"),
    topic: ZTopicKey.optional().describe("Topic key; omitted = every topic of the workspace on this channel"),
    status: z
      .enum(["opted_in", "opted_out"])
      .describe("opted_in grants consent (needs evidence); opted_out withdraws it (never needs evidence)"),
    source: z
      .enum(CONSENT_SOURCES)
      .exclude(["address_changed"])
      .describe(
        "Where the change came from: api, form, preference_center, one_click, sms_keyword, import, admin or provider",
      ),
    evidence: ZEvidence.optional().describe(
      "How the consent was obtained; an opt-in needs at least one non-empty field, and fields not listed here are refused",
    ),
    occurredAt: z.coerce.date().optional().describe("When the person acted; defaults to now, never in the future"),
  })
  .superRefine((value, ctx) => {
    const evidence = value.evidence ?? {};
    if (value.status === "opted_in" && !Object.values(evidence).some((v) => typeof v === "string" && v.trim() !== "")) {
      ctx.addIssue({
        code: "custom",
        path: ["evidence"],
        message:
          "An opt-in needs evidence of how it was obtained (at least one of ip, userAgent, url, text, formVersion, providerMessageId, note)",
      });
    }
  });
export type TRecordConsentInput = z.input<typeof ZRecordConsentInput>;

export const ZConsentState = z.object({
  channel: z.enum(CHANNELS).describe("email or sms"),
  topic: z.string().describe("Topic key"),
  status: z
    .enum(CONSENT_STATUSES)
    .describe(
      "opted_in: consented; opted_out: withdrawn; pending: an opt-in waiting for double opt-in confirmation, which is not consent yet",
    ),
  source: z
    .enum(CONSENT_SOURCES)
    .describe(
      "Source of the ledger event that set this state (api, form, preference_center, one_click, sms_keyword, import, admin, provider, or address_changed when the contact's address on the channel was replaced)",
    ),
  updatedAt: z.date().describe("When the event that set this state was recorded (ISO 8601 UTC)"),
});
export type TConsentState = z.infer<typeof ZConsentState>;

export const ZGetConsentInput = z.object({
  id: z.uuid().describe("Contact id"),
  // Described before `.optional()`: the OpenAPI generator re-wraps optional query parameters and keeps only the inner schema.
  at: z.coerce
    .date()
    .describe(
      "ISO 8601 time: answers the states as recorded up to that moment, replayed from the ledger; omitted = the current states",
    )
    .optional(),
});
