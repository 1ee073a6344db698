import { sql } from "drizzle-orm";
import { getDbHandle } from "@/server/lib/db";
import { sha256Hex } from "@/server/lib/hashing";

export const dynamic = "force-dynamic";

/**
 * Bench build only (`BENCH_BUILD=1`, see next.config.ts; never in the production build): the floor
 * of "store, then acknowledge" for `npm run bench -- webhooks`. Reads the body, writes it with a
 * dedupe key (its sha256) in one autocommitted `INSERT … ON CONFLICT DO NOTHING` into
 * `bench_store_only` (created by the bench), and answers the empty TwiML a webhook route answers:
 * no signature check, no parsing, no group commit, nothing applied. Same pool and driver as the app.
 */
export async function POST(request: Request): Promise<Response> {
  const body = await request.text();
  const { db } = await getDbHandle();
  await db.execute(
    sql`insert into bench_store_only (dedupe_key, body) values (${sha256Hex(body)}, ${body}) on conflict do nothing`,
  );
  return new Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', {
    status: 200,
    headers: { "content-type": "text/xml; charset=utf-8", "cache-control": "no-store" },
  });
}
