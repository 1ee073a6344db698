import { z } from "zod";
import { CHANNELS, TOPIC_KINDS } from "@/db/schema";

export const ZTopicKey = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "Use letters, digits, - and _ only");

export const ZTopic = z.object({
  id: z.uuid().describe("Topic id"),
  key: z
    .string()
    .describe("Unique key of the topic in the workspace, used as `topic` everywhere in the API; never changes"),
  name: z.string().describe("Display name shown to contacts, e.g. in the preference center"),
  description: z.string().nullable().describe("Short explanation shown to contacts; null when none"),
  channels: z
    .array(z.enum(CHANNELS))
    .describe("Channels the topic is offered on (email, sms); consent is recorded per channel"),
  kind: z
    .enum(TOPIC_KINDS)
    .describe(
      "marketing (needs opt-in consent) or transactional (messages the contact needs, e.g. receipts); never changes",
    ),
  requiresDoubleOptIn: z
    .boolean()
    .describe(
      "When true, opt-ins from forms and the preference center stay pending until the person confirms they control the address",
    ),
  archived: z
    .boolean()
    .describe("True when the topic is archived: hidden from lists by default and no longer usable for sending"),
  createdAt: z.date().describe("When the topic was created (ISO 8601 UTC)"),
});
export type TTopic = z.infer<typeof ZTopic>;
