import { and, asc, eq, or } from "drizzle-orm";
import { z } from "zod";
import {
  CHANNELS,
  CONSENT_SOURCES,
  CONSENT_STATUSES,
  SUPPRESSION_REASONS,
  consentStates,
  suppressions,
  topics,
  type Channel,
} from "@/db/schema";
import type { ServiceContext } from "../context";
import { toTopic } from "../topics/rows";
import { ZTopic } from "../topics/schemas";
import { getContactRow, toContact } from "./rows";
import { maskContact, seesFullPii } from "./mask-contact";
import { ZContact } from "./schemas";

export const ZContactDetailInput = z.object({ id: z.uuid() });

export const ZConsentCell = z.object({
  topic: ZTopic,
  channel: z.enum(CHANNELS),
  /** null: nothing recorded (no consent). */
  state: z
    .object({
      status: z.enum(CONSENT_STATUSES),
      source: z.enum(CONSENT_SOURCES),
      occurredAt: z.date(),
      recordedAt: z.date(),
    })
    .nullable(),
});
export type TConsentCell = z.infer<typeof ZConsentCell>;

export const ZChannelSuppression = z.object({
  channel: z.enum(CHANNELS),
  /** Whether the contact has an address on this channel at all. */
  hasAddress: z.boolean(),
  suppression: z
    .object({
      reason: z.enum(SUPPRESSION_REASONS),
      source: z.string(),
      note: z.string().nullable(),
      createdAt: z.date(),
    })
    .nullable(),
});

export const ZContactDetail = z.object({
  contact: ZContact,
  /** True when the personal fields are masked for this caller (viewers). */
  masked: z.boolean(),
  /** Every topic × each of its channels (archived topics only where something was recorded). */
  consent: z.array(ZConsentCell),
  suppressions: z.array(ZChannelSuppression),
});
export type TContactDetail = z.infer<typeof ZContactDetail>;

/**
 * A contact's profile, consent grid and suppression status per channel. Another workspace's id is
 * NOT_FOUND. Viewers get personal fields masked (and suppression notes withheld). Not audited.
 */
export async function getContactDetail({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZContactDetailInput>;
}): Promise<TContactDetail> {
  const { id } = ZContactDetailInput.parse(input);
  const row = await getContactRow(ctx.db, ctx.workspaceId, id);
  const [topicRows, stateRows, suppressionRows] = await Promise.all([
    ctx.db
      .select()
      .from(topics)
      .where(eq(topics.workspaceId, ctx.workspaceId))
      .orderBy(asc(topics.createdAt), asc(topics.key)),
    ctx.db
      .select()
      .from(consentStates)
      .where(and(eq(consentStates.workspaceId, ctx.workspaceId), eq(consentStates.contactId, id))),
    row.emailHash || row.phoneHash
      ? ctx.db
          .select()
          .from(suppressions)
          .where(
            and(
              eq(suppressions.workspaceId, ctx.workspaceId),
              or(
                row.emailHash
                  ? and(eq(suppressions.channel, "email"), eq(suppressions.addressHash, row.emailHash))
                  : undefined,
                row.phoneHash
                  ? and(eq(suppressions.channel, "sms"), eq(suppressions.addressHash, row.phoneHash))
                  : undefined,
              ),
            ),
          )
      : Promise.resolve([]),
  ]);

  const consent: TConsentCell[] = [];
  for (const topicRow of topicRows) {
    const topic = toTopic(topicRow);
    const channels = new Set<Channel>([
      ...topic.channels,
      ...stateRows.filter((s) => s.topicId === topic.id).map((s) => s.channel),
    ]);
    for (const channel of CHANNELS.filter((c) => channels.has(c))) {
      const state = stateRows.find((s) => s.topicId === topic.id && s.channel === channel);
      if (topic.archived && !state) continue;
      consent.push({
        topic,
        channel,
        state: state
          ? { status: state.status, source: state.source, occurredAt: state.occurredAt, recordedAt: state.recordedAt }
          : null,
      });
    }
  }

  const full = seesFullPii(ctx.actor);
  const contact = toContact(row);
  return {
    contact: full ? contact : maskContact(contact),
    masked: !full,
    consent,
    suppressions: CHANNELS.map((channel) => {
      const found = suppressionRows.find((s) => s.channel === channel);
      return {
        channel,
        hasAddress: Boolean(channel === "email" ? row.emailHash : row.phoneHash),
        suppression: found
          ? { reason: found.reason, source: found.source, note: full ? found.note : null, createdAt: found.createdAt }
          : null,
      };
    }),
  };
}
