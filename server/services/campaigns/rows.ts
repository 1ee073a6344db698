import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { campaigns, segments, templates, topics, type CampaignRow } from "@/db/schema";
import { AppError, conflict, invalid, notFound } from "@/server/lib/errors";
import type { Channel } from "@/server/shared/enums";
import type { TCampaign, TCampaignCounts } from "./schemas";

/** One campaign of the workspace; another workspace's (or a malformed id) is NOT_FOUND. */
export async function findCampaign(
  db: Queryable,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<CampaignRow> {
  if (!z.uuid().safeParse(id).success) throw notFound("Campaign");
  const query = db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.workspaceId, workspaceId), eq(campaigns.id, id)));
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row) throw notFound("Campaign");
  return row;
}

/**
 * The campaign as answered. `counts` are its latest run's (`latestCountsOf`); without a run, the
 * last dry run's audience and sendable, the rest null.
 */
export function toCampaign(row: CampaignRow, topicKey: string, counts?: TCampaignCounts): TCampaign {
  return {
    id: row.id,
    name: row.name,
    channel: row.channel,
    topic: topicKey,
    kind: row.kind,
    segmentId: row.segmentId,
    exclusionSegmentIds: row.exclusionSegmentIds,
    templateId: row.templateId,
    content: row.content ?? null,
    status: row.status,
    schedule: row.schedule ?? null,
    nextRunAt: row.nextRunAt,
    options: row.options,
    counts: counts ?? {
      audience: row.lastDryRun?.audience ?? null,
      sendable: row.lastDryRun?.sendable ?? null,
      queued: null,
      deferred: null,
      sent: null,
      delivered: null,
      failed: null,
      cancelled: null,
      skipped: null,
      blocked: {},
    },
    lastDryRun: row.lastDryRun ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The topic key of a campaign row. */
export async function topicKeyOf(db: Queryable, row: CampaignRow): Promise<string> {
  const [topic] = await db.select({ key: topics.key }).from(topics).where(eq(topics.id, row.topicId));
  return topic?.key ?? "";
}

/** Only drafts are edited. */
export function requireDraft(row: CampaignRow): void {
  if (row.status !== "draft") throw conflict(`Only a draft can be changed; this campaign is ${row.status}`);
}

/** The topic with this key, offered on the channel and not archived (INVALID on `topic` otherwise). */
export async function resolveTopic(
  db: Queryable,
  workspaceId: string,
  key: string,
  channel: Channel,
): Promise<{ id: string; key: string }> {
  const [topic] = await db
    .select()
    .from(topics)
    .where(and(eq(topics.workspaceId, workspaceId), eq(topics.key, key)));
  if (!topic) throw invalid(`Unknown topic "${key}"`, "topic");
  if (topic.archivedAt) throw invalid(`Topic "${key}" is archived`, "topic");
  if (!topic.channels.includes(channel))
    throw invalid(`Topic "${key}" is not offered by ${channel === "sms" ? "SMS" : "email"}`, "topic");
  return { id: topic.id, key: topic.key };
}

/** Every named segment exists in the workspace and is not archived (INVALID on the field otherwise). */
export async function checkSegments(
  db: Queryable,
  workspaceId: string,
  segmentId: string | null,
  exclusionIds: string[],
): Promise<void> {
  const ids = [...new Set([...(segmentId ? [segmentId] : []), ...exclusionIds])];
  if (ids.length === 0) return;
  const rows = await db
    .select({ id: segments.id, archivedAt: segments.archivedAt })
    .from(segments)
    .where(and(eq(segments.workspaceId, workspaceId), inArray(segments.id, ids)));
  const usable = new Set(rows.filter((r) => r.archivedAt === null).map((r) => r.id));
  if (segmentId && !usable.has(segmentId)) throw invalid("Unknown or archived segment", "segmentId");
  const badExclusion = exclusionIds.findIndex((id) => !usable.has(id));
  if (badExclusion >= 0) throw invalid("Unknown or archived segment", `exclusionSegmentIds.${badExclusion}`);
  if (segmentId && exclusionIds.includes(segmentId))
    throw invalid("The audience segment cannot also be excluded", "exclusionSegmentIds");
}

/** The template exists in the workspace, is on the campaign's channel and not archived. */
export async function checkTemplate(
  db: Queryable,
  workspaceId: string,
  templateId: string,
  channel: Channel,
): Promise<void> {
  const [row] = await db
    .select({ channel: templates.channel, archivedAt: templates.archivedAt, version: templates.currentVersion })
    .from(templates)
    .where(and(eq(templates.workspaceId, workspaceId), eq(templates.id, templateId)));
  if (!row || row.archivedAt) throw invalid("Unknown or archived template", "templateId");
  if (row.channel !== channel) throw invalid("This template is for another channel", "templateId");
}

/** Email content needs a subject. */
export function checkContent(channel: Channel, content: { subject?: string } | null | undefined): void {
  if (content && channel === "email" && !content.subject)
    throw new AppError("INVALID", "Write a subject", { field: "content.subject" });
}
