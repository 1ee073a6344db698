import { asc, sql, type SQL } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import {
  auditCheckpoints,
  auditLog,
  consentEvents,
  contacts,
  importRejections,
  imports,
  messages,
  notifications,
  webhookEvents,
  workspaces,
} from "@/db/schema";
import { lockClass } from "@/server/lib/advisory-locks";
import { IN_FLIGHT_STATUSES } from "@/server/shared/enums";
import { DEFAULT_RETENTION_SETTINGS, readRetentionSettings } from "@/server/shared/retention-settings";
import { AUDIT_CHAIN_LOCK, writeAudit } from "../audit/write-audit";
import { inTransaction, type JobContext } from "../context";
import { removeImportFile } from "../imports/import-files";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows per statement (one short transaction each). */
export const PURGE_BATCH_SIZE = 5000;
/** Statements per category and workspace in one run at most; what is left goes the next night. */
export const PURGE_MAX_BATCHES = 20;

/** What one run removed, per kind of data. */
export interface RetentionCounts {
  messageBodies: number;
  messages: number;
  webhookEvents: number;
  importRejections: number;
  importFiles: number;
  notifications: number;
  auditLog: number;
  erasedContactEvidence: number;
  /** Consent events of erased contacts whose personal evidence (IP, user agent, note) was cleared. */
  erasedConsentEvidence: number;
}
type Kind = keyof RetentionCounts;

const ZERO: RetentionCounts = {
  messageBodies: 0,
  messages: 0,
  webhookEvents: 0,
  importRejections: 0,
  importFiles: 0,
  notifications: 0,
  auditLog: 0,
  erasedContactEvidence: 0,
  erasedConsentEvidence: 0,
};

export interface WorkspacePurge {
  workspaceId: string;
  counts: RetentionCounts;
  /** Kinds whose batch limit was reached: rows past retention are left for the next run. */
  more: Kind[];
}

export interface PurgeRetentionResult {
  /** Workspaces looked at. */
  workspaces: number;
  /** Totals over every workspace (webhook events without a workspace included). */
  removed: RetentionCounts;
  /** Whether any kind of any workspace was left unfinished (the batch limit was reached). */
  more: boolean;
  /** Per workspace, only those where something was removed or left. */
  purged: WorkspacePurge[];
}

export interface PurgeRetentionInput {
  batchSize?: number;
  maxBatches?: number;
}

const IN_FLIGHT_SQL = sql.raw(`(${IN_FLIGHT_STATUSES.map((status) => `'${status}'`).join(", ")})`);
const DONE_IMPORT_SQL = sql.raw(`('completed', 'failed')`);

function cutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

/** Runs `statement(limit)` until it touches fewer than `batchSize` rows or `maxBatches` ran. */
async function inBatches(
  { batchSize, maxBatches }: Required<PurgeRetentionInput>,
  statement: (limit: number) => Promise<number>,
): Promise<{ count: number; more: boolean }> {
  let count = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = await statement(batchSize);
    count += n;
    if (n < batchSize) return { count, more: false };
  }
  return { count, more: true };
}

/** A `with … select count(*)::int as n from <cte>` statement's count. */
async function countOf(db: JobContext["db"], statement: SQL): Promise<number> {
  const rows = resultRows<{ n: number | string }>(await db.execute(statement));
  return Number(rows[0]?.n ?? 0);
}

/**
 * Deletes the oldest entries of the workspace's audit chain created before `before`, `limit` at
 * most, and moves the chain's checkpoint to the last one deleted, in one transaction holding the
 * chain's append lock. Only a prefix of the chain goes (never an entry after a newer one), so the
 * first remaining entry names the checkpoint's hash as its predecessor and the chain verifies from
 * there. The append-only trigger lets these DELETEs through only because the transaction sets
 * `optin.audit_retention_purge` (migration 0028).
 */
async function purgeAuditPrefix(ctx: JobContext, workspaceId: string, before: string, limit: number): Promise<number> {
  return inTransaction(ctx.db, async (tx) => {
    await lockClass(tx, AUDIT_CHAIN_LOCK, workspaceId);
    await tx.execute(sql`select set_config('optin.audit_retention_purge', 'on', true)`);
    const rows = resultRows<{
      n: number | string;
      seq: number | string;
      hash: string | null;
      hash_key_id: string | null;
    }>(
      await tx.execute(sql`
        with doomed as (
          select seq from ${auditLog}
           where workspace_id = ${workspaceId}
             and seq < coalesce(
               (select min(seq) from ${auditLog}
                 where workspace_id = ${workspaceId} and created_at >= ${before}::timestamptz),
               9223372036854775807)
           order by seq
           limit ${limit}
        ), gone as (
          delete from ${auditLog} a using doomed d
           where a.workspace_id = ${workspaceId} and a.seq = d.seq
          returning a.seq, a.hash, a.hash_key_id
        )
        select (select count(*) from gone)::int as n, g.seq, g.hash, g.hash_key_id
          from gone g order by g.seq desc limit 1`),
    );
    const last = rows[0];
    if (!last) return 0;
    const n = Number(last.n);
    const checkpoint = {
      workspaceId,
      seq: Number(last.seq),
      hash: last.hash,
      hashKeyId: last.hash_key_id,
      purgedRows: n,
      updatedAt: ctx.now(),
    };
    await tx
      .insert(auditCheckpoints)
      .values(checkpoint)
      .onConflictDoUpdate({
        target: auditCheckpoints.workspaceId,
        set: {
          seq: checkpoint.seq,
          hash: checkpoint.hash,
          hashKeyId: checkpoint.hashKeyId,
          purgedRows: sql`${auditCheckpoints.purgedRows} + ${n}`,
          updatedAt: checkpoint.updatedAt,
        },
      });
    return n;
  });
}

/** The evidence keys that identify a person (sealed together; in clear on rows older than sealing). */
const PERSONAL_EVIDENCE_KEYS = sql.raw(`array['sealed', 'ip', 'ipSource', 'userAgent', 'note']`);

/**
 * Clears the personal evidence on consent events of contacts erased before `before`: only the
 * keys in PERSONAL_EVIDENCE_KEYS leave `evidence` (consent text hash, form, source URL and every
 * other column stay). The ledger's trigger lets exactly this UPDATE through, and only in a
 * transaction that sets `optin.consent_evidence_purge`, and on erased contacts only (migration 0031).
 */
async function purgeConsentEvidence(ctx: JobContext, workspaceId: string, before: string, limit: number) {
  return inTransaction(ctx.db, async (tx) => {
    await tx.execute(sql`select set_config('optin.consent_evidence_purge', 'on', true)`);
    return countOf(
      tx,
      sql`with doomed as (
            select e.id from ${consentEvents} e join ${contacts} c on c.id = e.contact_id
             where e.workspace_id = ${workspaceId} and c.workspace_id = ${workspaceId}
               and c.erased_at < ${before}::timestamptz
               and e.evidence ?| ${PERSONAL_EVIDENCE_KEYS}
             limit ${limit}
          ), done as (
            update ${consentEvents} e set evidence = e.evidence - ${PERSONAL_EVIDENCE_KEYS}
              from doomed d where e.id = d.id returning 1
          )
          select count(*)::int as n from done`,
    );
  });
}

/** Clears the file of finished imports (the row loses `file_hash`, so it is no longer resumable). */
async function purgeImportFiles(ctx: JobContext, workspaceId: string, before: string, limit: number): Promise<number> {
  const rows = resultRows<{ id: string }>(
    await ctx.db.execute(sql`
      update ${imports} set file_hash = null
       where id in (
         select id from ${imports}
          where workspace_id = ${workspaceId} and status in ${DONE_IMPORT_SQL} and file_hash is not null
            and coalesce(finished_at, created_at) < ${before}::timestamptz
          limit ${limit})
      returning id`),
  );
  for (const { id } of rows) await removeImportFile(id);
  return rows.length;
}

async function purgeWorkspace(
  ctx: JobContext,
  workspace: { id: string; settings: Record<string, unknown> },
  bounds: Required<PurgeRetentionInput>,
): Promise<WorkspacePurge> {
  const retention = readRetentionSettings(workspace.settings);
  const now = ctx.now();
  const ws = workspace.id;
  const counts = { ...ZERO };
  const more: Kind[] = [];
  const run = async (
    kind: Kind,
    days: number | null,
    statement: (before: string, limit: number) => Promise<number>,
  ) => {
    if (days === null) return;
    const before = cutoff(now, days);
    const result = await inBatches(bounds, (limit) => statement(before, limit));
    counts[kind] += result.count;
    if (result.more) more.push(kind);
  };

  // Evidence of erased contacts first: it is the most urgent, and deleting messages later only
  // removes rows this already cleared.
  await run("erasedContactEvidence", retention.erasedContactEvidence, (before, limit) =>
    countOf(
      ctx.db,
      sql`with doomed as (
            select m.id from ${messages} m join ${contacts} c on c.id = m.contact_id
             where m.workspace_id = ${ws} and c.workspace_id = ${ws}
               and c.erased_at < ${before}::timestamptz
               and (m.address_ciphertext is not null or m.subject_ciphertext is not null
                    or m.text_ciphertext is not null or m.html_ciphertext is not null or m.last_error is not null)
             limit ${limit}
          ), done as (
            update ${messages} m
               set address_ciphertext = null, subject_ciphertext = null, text_ciphertext = null,
                   html_ciphertext = null, last_error = null
              from doomed d where m.id = d.id returning 1
          )
          select count(*)::int as n from done`,
    ),
  );
  await run("erasedConsentEvidence", retention.erasedContactEvidence, (before, limit) =>
    purgeConsentEvidence(ctx, ws, before, limit),
  );
  await run("messages", retention.messages, (before, limit) =>
    countOf(
      ctx.db,
      sql`with doomed as (
            select id from ${messages}
             where workspace_id = ${ws} and created_at < ${before}::timestamptz and status not in ${IN_FLIGHT_SQL}
             order by created_at
             limit ${limit}
          ), gone as (
            delete from ${messages} m using doomed d where m.id = d.id returning 1
          )
          select count(*)::int as n from gone`,
    ),
  );
  await run("messageBodies", retention.messageBodies, (before, limit) =>
    countOf(
      ctx.db,
      sql`with doomed as (
            select id from ${messages}
             where workspace_id = ${ws} and created_at < ${before}::timestamptz and status not in ${IN_FLIGHT_SQL}
               and (subject_ciphertext is not null or text_ciphertext is not null or html_ciphertext is not null)
             limit ${limit}
          ), done as (
            update ${messages} m set subject_ciphertext = null, text_ciphertext = null, html_ciphertext = null
              from doomed d where m.id = d.id returning 1
          )
          select count(*)::int as n from done`,
    ),
  );
  await run("webhookEvents", retention.webhookEvents, (before, limit) =>
    countOf(ctx.db, deleteWebhookEvents(sql`workspace_id = ${ws}`, before, limit)),
  );
  await run("importRejections", retention.imports, (before, limit) =>
    countOf(
      ctx.db,
      sql`with gone as (
            delete from ${importRejections} where ctid in (
              select r.ctid from ${importRejections} r join ${imports} i on i.id = r.import_id
               where i.workspace_id = ${ws} and i.status in ${DONE_IMPORT_SQL}
                 and coalesce(i.finished_at, i.created_at) < ${before}::timestamptz
               limit ${limit})
            returning 1
          )
          select count(*)::int as n from gone`,
    ),
  );
  await run("importFiles", retention.imports, (before, limit) => purgeImportFiles(ctx, ws, before, limit));
  await run("notifications", retention.notifications, (before, limit) =>
    countOf(
      ctx.db,
      sql`with doomed as (
            select id from ${notifications}
             where workspace_id = ${ws} and created_at < ${before}::timestamptz
             order by created_at
             limit ${limit}
          ), gone as (
            delete from ${notifications} n using doomed d where n.id = d.id returning 1
          )
          select count(*)::int as n from gone`,
    ),
  );
  await run("auditLog", retention.auditLog, (before, limit) => purgeAuditPrefix(ctx, ws, before, limit));
  return { workspaceId: ws, counts, more };
}

function deleteWebhookEvents(where: SQL, before: string, limit: number): SQL {
  return sql`with doomed as (
      select id from ${webhookEvents}
       where ${where} and received_at < ${before}::timestamptz
       order by received_at
       limit ${limit}
    ), gone as (
      delete from ${webhookEvents} e using doomed d where e.id = d.id returning 1
    )
    select count(*)::int as n from gone`;
}

/**
 * The nightly retention purge, as of `ctx.now()`: for each workspace, what is past its retention
 * settings (`workspaces.settings.retention`, see server/shared/retention-settings.ts) goes, in
 * statements of `batchSize` rows (each its own short transaction, set-based `… WHERE id IN
 * (SELECT … LIMIT n)`), at most `maxBatches` per kind and workspace; what is left goes the next
 * run. Message bodies are cleared (status and times stay); messages older than their window are
 * deleted with their timeline, links and opens/clicks (cascades); webhook events, import rejection
 * reports and files, notifications and the oldest audit entries are deleted; the address and
 * content left on erased contacts' messages are cleared, and so is the personal evidence (IP,
 * user agent, note) on their consent events. Suppressions are never touched, nor the ledger's
 * non-personal facts (who, what, when, how, the consent text). Messages still awaiting delivery are left alone. Webhook events not routed to a
 * workspace follow the default window.
 *
 * One audit entry per workspace where something was removed (`retention.purged`, with the counts
 * per kind and the kinds left unfinished), written after the purge so it starts the trimmed chain's
 * newest end. Idempotent: a second run finds nothing.
 */
export async function purgeRetention({
  ctx,
  input = {},
}: {
  ctx: JobContext;
  input?: PurgeRetentionInput;
}): Promise<PurgeRetentionResult> {
  const bounds = { batchSize: input.batchSize ?? PURGE_BATCH_SIZE, maxBatches: input.maxBatches ?? PURGE_MAX_BATCHES };
  const rows = await ctx.db
    .select({ id: workspaces.id, settings: workspaces.settings })
    .from(workspaces)
    .orderBy(asc(workspaces.id));
  const removed = { ...ZERO };
  const purged: WorkspacePurge[] = [];
  let more = false;
  for (const workspace of rows) {
    const result = await purgeWorkspace(ctx, workspace, bounds);
    const total = Object.values(result.counts).reduce((sum, n) => sum + n, 0);
    for (const kind of Object.keys(removed) as Kind[]) removed[kind] += result.counts[kind];
    if (result.more.length > 0) more = true;
    if (total === 0 && result.more.length === 0) continue;
    purged.push(result);
    await writeAudit(
      ctx.db,
      {
        workspaceId: workspace.id,
        actor: { type: "system", job: "purge-retention" },
        now: ctx.now,
        requestId: ctx.requestId,
      },
      {
        action: "retention.purged",
        targetType: "workspace",
        targetId: workspace.id,
        after: { counts: result.counts, more: result.more, asOf: ctx.now().toISOString() },
      },
    );
  }

  // Webhook events no workspace claimed (unknown message ids) follow the default window.
  const unrouted = await inBatches(bounds, (limit) =>
    countOf(
      ctx.db,
      deleteWebhookEvents(
        sql`workspace_id is null`,
        cutoff(ctx.now(), DEFAULT_RETENTION_SETTINGS.webhookEvents ?? 30),
        limit,
      ),
    ),
  );
  removed.webhookEvents += unrouted.count;
  if (unrouted.more) more = true;
  if (unrouted.count > 0)
    await writeAudit(
      ctx.db,
      { workspaceId: null, actor: { type: "system", job: "purge-retention" }, now: ctx.now, requestId: ctx.requestId },
      {
        action: "retention.purged",
        after: { counts: { webhookEvents: unrouted.count }, more: unrouted.more ? ["webhookEvents"] : [] },
      },
    );
  return { workspaces: rows.length, removed, more, purged };
}
