/**
 * The benchmarks' baselines, outside the product: a bare Node HTTP server (no Next.js, no tRPC or
 * OpenAPI, no zod, no policy engine, no rendering, no encryption, no outbox delivery) that
 * bench/send.ts and bench/webhooks.ts start next to the app, on the same database, with the same
 * driver and pool settings (`getDbHandle()` from server/lib/db.ts). Nothing here is part of the
 * production build: it is started with `node --import tsx bench/lib/baseline-server.ts`
 * (`startBaselineServer()` in ./app-server.ts), PORT and DATABASE_URL from the environment.
 *
 *   GET  /health          200 once the database is open
 *   POST /noop            reads the body and answers the empty TwiML a webhook route answers, with
 *                         no verification and no database (`npm run bench -- webhooks`)
 *   POST /send-baseline   the SQL a hand-written `send_with_consent` needs (`npm run bench -- send`):
 *                         API key by hash → topic → in one transaction contact, consent state,
 *                         suppression, then the message row with `ON CONFLICT DO NOTHING` on the
 *                         idempotency key (a repeat answers the first row). Its rows are never
 *                         delivered: `next_attempt_at = infinity` keeps them out of the outbox sweep.
 */
import http from "node:http";
import { sql, type SQL } from "drizzle-orm";
import { getDbHandle } from "@/server/lib/db";
import { sha256Hex } from "@/server/lib/hashing";

type Row = Record<string, unknown>;
type Answer = { status: number; body: string; contentType: string };

const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value), contentType: "application/json" });

async function rows(runner: { execute(query: SQL): Promise<unknown> }, query: SQL): Promise<Row[]> {
  const result = (await runner.execute(query)) as Row[] | { rows: Row[] };
  return Array.isArray(result) ? result : result.rows;
}

async function sendBaseline(authorization: string | undefined, rawBody: string): Promise<Answer> {
  const { db } = await getDbHandle();
  const token = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim() ?? "";
  const [key] = token ? await rows(db, sql`select id, workspace_id, revoked_at from api_keys where key_hash = ${sha256Hex(token)}`) : [];
  if (!key || key.revoked_at) return json(401, { code: "UNAUTHORIZED" });
  const workspaceId = key.workspace_id as string;

  const body = JSON.parse(rawBody) as { contactId: string; channel: "email" | "sms"; topic: string; idempotencyKey?: string };
  const [topic] = await rows(db, sql`select id, key from topics where workspace_id = ${workspaceId} and key = ${body.topic}`);
  if (!topic) return json(400, { code: "BAD_REQUEST" });

  const answer = await db.transaction(async (tx) => {
    const [contact] = await rows(tx, sql`select id, email_hash, phone_hash, erased_at from contacts where workspace_id = ${workspaceId} and id = ${body.contactId}`);
    if (!contact) return null;
    const addressHash = (body.channel === "email" ? contact.email_hash : contact.phone_hash) as string | null;
    const [consent] = await rows(
      tx,
      sql`select status from consent_states where workspace_id = ${workspaceId} and contact_id = ${body.contactId} and channel = ${body.channel} and topic_id = ${topic.id}`,
    );
    const [suppressed] = addressHash
      ? await rows(tx, sql`select 1 from suppressions where workspace_id = ${workspaceId} and channel = ${body.channel} and address_hash = ${addressHash}`)
      : [];
    const reason = suppressed ? "suppressed" : consent?.status === "opted_in" ? null : consent?.status === "opted_out" ? "opted_out" : "no_consent";
    const status = reason ? "blocked" : "queued";
    const [inserted] = await rows(
      tx,
      sql`insert into messages (workspace_id, contact_id, direction, channel, topic_id, topic_key, kind, status, reason, address_hash, idempotency_key, next_attempt_at)
          values (${workspaceId}, ${body.contactId}, 'outbound', ${body.channel}, ${topic.id}, ${topic.key}, 'marketing', ${status}, ${reason}, ${addressHash}, ${body.idempotencyKey ?? null}, 'infinity')
          on conflict (workspace_id, idempotency_key) where idempotency_key is not null do nothing
          returning id, status, reason`,
    );
    if (inserted) return inserted;
    const [first] = await rows(tx, sql`select id, status, reason from messages where workspace_id = ${workspaceId} and idempotency_key = ${body.idempotencyKey ?? null}`);
    return first ?? null;
  });
  if (!answer) return json(404, { code: "NOT_FOUND" });
  return json(200, { messageId: answer.id, status: answer.status, ...(answer.reason ? { reason: answer.reason } : {}) });
}

async function route(request: http.IncomingMessage, rawBody: string): Promise<Answer> {
  const path = (request.url ?? "/").split("?")[0];
  if (request.method === "GET" && path === "/health") {
    await getDbHandle();
    return json(200, { ok: true });
  }
  if (request.method === "POST" && path === "/noop") {
    return { status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', contentType: "text/xml; charset=utf-8" };
  }
  if (request.method === "POST" && path === "/send-baseline") return sendBaseline(request.headers.authorization, rawBody);
  return { status: 404, body: "Not found\n", contentType: "text/plain; charset=utf-8" };
}

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    route(request, Buffer.concat(chunks).toString("utf8"))
      .catch((error: unknown) => {
        // Messages only: no bodies or parameters (they may hold addresses).
        console.error(`[baseline] ${error instanceof Error ? error.message.slice(0, 200) : "error"}`);
        return json(500, { code: "INTERNAL_SERVER_ERROR" });
      })
      .then((answer) => {
        response.writeHead(answer.status, { "content-type": answer.contentType, "cache-control": "no-store" });
        response.end(answer.body);
      });
  });
});

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error("PORT must be set to the baseline server's port");
server.listen(port, "127.0.0.1");

const stop = () => {
  server.close();
  server.closeAllConnections();
  void import("@/server/lib/db").then(({ closeDb }) => closeDb()).finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
