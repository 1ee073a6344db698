import { and, asc, eq, lte } from "drizzle-orm";
import { consentEvents, consentStates, topics, type Channel } from "@/db/schema";
import type { ServiceContext } from "../context";
import { getContactRow } from "../contacts/rows";
import { foldConsent } from "./fold";
import { ZGetConsentInput, type TConsentState } from "./schemas";

/** Current consent states of a contact, or — with `at` — as they were at that time (replayed from the ledger). */
export async function getConsentStates({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string; at?: Date | string };
}): Promise<{ states: TConsentState[] }> {
  const { id, at } = ZGetConsentInput.parse(input);
  await getContactRow(ctx.db, ctx.workspaceId, id);
  if (!at) {
    const rows = await ctx.db
      .select({
        channel: consentStates.channel,
        topic: topics.key,
        status: consentStates.status,
        source: consentStates.source,
        updatedAt: consentStates.recordedAt,
      })
      .from(consentStates)
      .innerJoin(topics, eq(topics.id, consentStates.topicId))
      .where(and(eq(consentStates.workspaceId, ctx.workspaceId), eq(consentStates.contactId, id)))
      .orderBy(asc(consentStates.channel), asc(topics.key));
    return { states: rows };
  }
  const events = await ctx.db
    .select({
      id: consentEvents.id,
      channel: consentEvents.channel,
      topic: topics.key,
      action: consentEvents.action,
      source: consentEvents.source,
      needsConfirmation: consentEvents.needsConfirmation,
      occurredAt: consentEvents.occurredAt,
      recordedAt: consentEvents.recordedAt,
    })
    .from(consentEvents)
    .innerJoin(topics, eq(topics.id, consentEvents.topicId))
    .where(
      and(
        eq(consentEvents.workspaceId, ctx.workspaceId),
        eq(consentEvents.contactId, id),
        lte(consentEvents.recordedAt, at),
      ),
    )
    .orderBy(asc(consentEvents.seq));
  const folded = foldConsent(events.map((e) => ({ ...e, key: `${e.channel}\u0000${e.topic}` })));
  const states = [...folded.entries()]
    .map(([key, state]) => {
      const [channel, topic] = key.split("\u0000") as [Channel, string];
      return { channel, topic, status: state.status, source: state.source, updatedAt: state.recordedAt };
    })
    .sort((a, b) => a.channel.localeCompare(b.channel) || a.topic.localeCompare(b.topic));
  return { states };
}
