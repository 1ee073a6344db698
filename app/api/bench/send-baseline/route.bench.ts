import { sql, type SQL } from "drizzle-orm";
import { getDbHandle } from "@/server/lib/db";
import { sha256Hex } from "@/server/lib/hashing";

export const dynamic = "force-dynamic";

type Row = Record<string, unknown>;

/**
 * Bench build only (`BENCH_BUILD=1`, see next.config.ts; never in the production build): the
 * baseline of `npm run bench -- send`, a bare route handler doing the SQL a hand-written
 * `send_with_consent` needs, without our layers (no tRPC/OpenAPI, no zod, no policy engine, no
 * rendering, no encryption, no outbox delivery): API key by hash → topic → in one transaction
 * contact, consent state, suppression, then the message row with `ON CONFLICT DO NOTHING` on the
 * idempotency key (a repeat answers the first row). Same pool and driver as the app. Its rows are
 * never delivered: `next_attempt_at = infinity` keeps them out of the outbox sweep.
 */
export async function POST(request: Request): Promise<Response> {
  const { db } = await getDbHandle();
  const rows = async (runner: { execute(query: SQL): Promise<unknown> }, query: SQL): Promise<Row[]> => {
    const result = (await runner.execute(query)) as Row[] | { rows: Row[] };
    return Array.isArray(result) ? result : result.rows;
  };

  const token = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim() ?? "";
  const [key] = token
    ? await rows(db, sql`select id, workspace_id, revoked_at from api_keys where key_hash = ${sha256Hex(token)}`)
    : [];
  if (!key || key.revoked_at) return Response.json({ code: "UNAUTHORIZED" }, { status: 401 });
  const workspaceId = key.workspace_id as string;

  const body = (await request.json()) as {
    contactId: string;
    channel: "email" | "sms";
    topic: string;
    idempotencyKey?: string;
  };
  const [topic] = await rows(
    db,
    sql`select id, key from topics where workspace_id = ${workspaceId} and key = ${body.topic}`,
  );
  if (!topic) return Response.json({ code: "BAD_REQUEST" }, { status: 400 });

  const answer = await db.transaction(async (tx) => {
    const [contact] = await rows(
      tx,
      sql`select id, email_hash, phone_hash, erased_at from contacts where workspace_id = ${workspaceId} and id = ${body.contactId}`,
    );
    if (!contact) return null;
    const addressHash = (body.channel === "email" ? contact.email_hash : contact.phone_hash) as string | null;
    const [consent] = await rows(
      tx,
      sql`select status from consent_states where workspace_id = ${workspaceId} and contact_id = ${body.contactId} and channel = ${body.channel} and topic_id = ${topic.id}`,
    );
    const [suppressed] = addressHash
      ? await rows(
          tx,
          sql`select 1 from suppressions where workspace_id = ${workspaceId} and channel = ${body.channel} and address_hash = ${addressHash}`,
        )
      : [];
    const reason = suppressed
      ? "suppressed"
      : consent?.status === "opted_in"
        ? null
        : consent?.status === "opted_out"
          ? "opted_out"
          : "no_consent";
    const status = reason ? "blocked" : "queued";
    const [inserted] = await rows(
      tx,
      sql`insert into messages (workspace_id, contact_id, direction, channel, topic_id, topic_key, kind, status, reason, address_hash, idempotency_key, next_attempt_at)
          values (${workspaceId}, ${body.contactId}, 'outbound', ${body.channel}, ${topic.id}, ${topic.key}, 'marketing', ${status}, ${reason}, ${addressHash}, ${body.idempotencyKey ?? null}, 'infinity')
          on conflict (workspace_id, idempotency_key) where idempotency_key is not null do nothing
          returning id, status, reason`,
    );
    if (inserted) return inserted;
    const [first] = await rows(
      tx,
      sql`select id, status, reason from messages where workspace_id = ${workspaceId} and idempotency_key = ${body.idempotencyKey ?? null}`,
    );
    return first ?? null;
  });
  if (!answer) return Response.json({ code: "NOT_FOUND" }, { status: 404 });
  return Response.json(
    { messageId: answer.id, status: answer.status, ...(answer.reason ? { reason: answer.reason } : {}) },
    { headers: { "cache-control": "no-store" } },
  );
}
