import { z } from "zod";
import { CHANNELS, CONSENT_SOURCES, CONSENT_STATUSES } from "@/db/schema";
import { ZTopicKey } from "../topics/topics";

export const ZEvidence = z
  .object({
    ip: z.string().max(64).optional(),
    userAgent: z.string().max(512).optional(),
    url: z.string().max(2048).optional(),
    text: z.string().max(10_000).optional().describe("The consent language shown; stored once and referenced by hash"),
    formVersion: z.string().max(64).optional(),
    providerMessageId: z.string().max(128).optional(),
    note: z.string().max(1000).optional(),
  })
  .strict();
export type TEvidence = z.infer<typeof ZEvidence>;

export const ZRecordConsentInput = z
  .object({
    id: z.uuid().describe("Contact id"),
    channel: z.enum(CHANNELS),
    topic: ZTopicKey.optional().describe("Topic key; omitted = every topic of the workspace on this channel"),
    status: z.enum(["opted_in", "opted_out"]),
    source: z.enum(CONSENT_SOURCES),
    evidence: ZEvidence.optional(),
    occurredAt: z.coerce.date().optional().describe("When the person acted; defaults to now, never in the future"),
  })
  .superRefine((value, ctx) => {
    const evidence = value.evidence ?? {};
    if (value.status === "opted_in" && !Object.values(evidence).some((v) => typeof v === "string" && v.trim() !== "")) {
      ctx.addIssue({
        code: "custom",
        path: ["evidence"],
        message: "An opt-in needs evidence of how it was obtained (at least one of ip, userAgent, url, text, formVersion, providerMessageId, note)",
      });
    }
  });
export type TRecordConsentInput = z.input<typeof ZRecordConsentInput>;

export const ZConsentState = z.object({
  channel: z.enum(CHANNELS),
  topic: z.string().describe("Topic key"),
  status: z.enum(CONSENT_STATUSES),
  source: z.enum(CONSENT_SOURCES),
  updatedAt: z.date(),
});
export type TConsentState = z.infer<typeof ZConsentState>;

export const ZGetConsentInput = z.object({
  id: z.uuid().describe("Contact id"),
  at: z.coerce.date().optional().describe("ISO time: the state as it was then"),
});
