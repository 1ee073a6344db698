import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { decryptPii } from "@/server/lib/crypto";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resetEnv } from "@/server/lib/env";
import type { ServiceContext } from "@/server/services/context";
import { createImport } from "@/server/services/imports/create-import";
import { PreparePool } from "@/server/services/imports/prepare-pool";
import { rejectionsCsv } from "@/server/services/imports/rejections-csv";
import { runImport } from "@/server/services/imports/run-import";
import { IMPORT_BATCH_SIZE } from "@/server/services/imports/run-steps";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

/**
 * The import's preparation on worker threads (prepare-pool.ts) gives exactly what it gives on the
 * main thread: the same file, with invalid rows, duplicates within a batch and across batches, and
 * contacts that exist before, imported into two workspaces (IMPORT_WORKERS=0, then 2) — same
 * counters, same rejections, same contacts, same ledger, same projection.
 */

let handle: DbHandle;
const savedWorkers = process.env.IMPORT_WORKERS;

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
});
afterEach(() => {
  if (savedWorkers === undefined) delete process.env.IMPORT_WORKERS;
  else process.env.IMPORT_WORKERS = savedWorkers;
  resetEnv();
});
afterAll(async () => {
  await closeDb();
});

const ROWS = IMPORT_BATCH_SIZE * 2 + 700;

/** Row i: 4% invalid, 6% repeats of an earlier row (often in an earlier batch), 15% pre-existing. */
function fileRow(i: number): string {
  const r = i % 50;
  if (r === 0) return `bad-${i}@@example.com,12,,plan-x,yes,2026-01-02T03:04:05Z`;
  if (r === 1) return `p-${i}@example.com,,Mars/Base,plan-x,yes,2026-01-02T03:04:05Z`;
  const k = r === 2 || r === 3 || r === 4 ? Math.max(5, i - 1_700 * (r - 1)) : i;
  const phone = `+1212${String(2_000_000 + k).padStart(7, "0")}`;
  const consent = k % 7 === 0 ? "no" : "yes";
  return `p-${k}@example.com,${phone},America/New_York,plan-${k % 3},${consent},2026-01-0${1 + (k % 5)}T03:04:05Z`;
}

function csv(): string {
  const lines = ["email,phone,tz,plan,consent,consent_at"];
  for (let i = 0; i < ROWS; i++) lines.push(fileRow(i));
  return `${lines.join("\n")}\n`;
}

/** Pre-existing contacts (every row with i % 50 in 10..17): one import of their addresses, no consent. */
function existingCsv(): string {
  const lines = ["email,phone,plan"];
  for (let i = 0; i < ROWS; i++)
    if (i % 50 >= 10 && i % 50 < 18)
      lines.push(`p-${i}@example.com,+1212${String(2_000_000 + i).padStart(7, "0")},old`);
  return `${lines.join("\n")}\n`;
}

async function* chunks(text: string) {
  for (let at = 0; at < text.length; at += 50_000) yield Buffer.from(text.slice(at, at + 50_000));
}

async function importInto(ctx: ServiceContext, text: string, consent: boolean) {
  const created = await createImport({
    ctx,
    input: {
      filename: "list.csv",
      mapping: consent
        ? {
            email: "email",
            phone: "phone",
            timezone: "tz",
            consentStatus: "consent",
            consentAt: "consent_at",
            attributes: { plan: "plan" },
          }
        : { email: "email", phone: "phone", attributes: { plan: "plan" } },
      topicKeys: consent ? ["newsletter", "promotions"] : [],
      channels: ["email", "sms"],
    },
  });
  return runImport({ ctx, input: { importId: created.id, source: chunks(text) } });
}

async function outcome(ctx: ServiceContext, importId: string) {
  const ws = ctx.workspaceId;
  const contactRows = await handle.queryRows<{
    email_ciphertext: string | null;
    phone_ciphertext: string | null;
    timezone: string | null;
    attributes: unknown;
    import_line: number | null;
  }>(
    `select email_ciphertext, phone_ciphertext, timezone, attributes, import_line from contacts where workspace_id = $1`,
    [ws],
  );
  const contacts = contactRows
    .map((c) => ({
      email: c.email_ciphertext ? decryptPii(c.email_ciphertext, "contact.email") : null,
      phone: c.phone_ciphertext ? decryptPii(c.phone_ciphertext, "contact.phone") : null,
      timezone: c.timezone,
      attributes: c.attributes,
      line: c.import_line,
    }))
    .sort((a, b) => String(a.email).localeCompare(String(b.email)));
  const emailOf = new Map<string, string>();
  for (const c of await handle.queryRows<{ id: string; email_ciphertext: string }>(
    `select id::text as id, email_ciphertext from contacts where workspace_id = $1`,
    [ws],
  ))
    emailOf.set(c.id, decryptPii(c.email_ciphertext, "contact.email"));
  const ledger = (
    await handle.queryRows<{ contact_id: string; key: string; channel: string; action: string; occurred: string }>(
      `select e.contact_id::text as contact_id, t.key, e.channel::text as channel, e.action::text as action,
              to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') as occurred
         from consent_events e join topics t on t.id = e.topic_id where e.workspace_id = $1`,
      [ws],
    )
  )
    .map((e) => `${emailOf.get(e.contact_id)}|${e.key}|${e.channel}|${e.action}|${e.occurred}`)
    .sort();
  const projection = (
    await handle.queryRows<{ contact_id: string; key: string; channel: string; status: string }>(
      `select s.contact_id::text as contact_id, t.key, s.channel::text as channel, s.status::text as status
         from consent_states s join topics t on t.id = s.topic_id where s.workspace_id = $1`,
      [ws],
    )
  )
    .map((s) => `${emailOf.get(s.contact_id)}|${s.key}|${s.channel}|${s.status}`)
    .sort();
  let rejections = "";
  for await (const chunk of await rejectionsCsv({ ctx, input: { importId } })) rejections += chunk;
  // The report orders by line; two problems of one line may come in either order.
  return { contacts, ledger, projection, rejections: rejections.trim().split("\r\n").sort() };
}

async function runWith(workers: number) {
  process.env.IMPORT_WORKERS = String(workers);
  resetEnv();
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  const ctx = {
    ...(await createMember(handle.db, ws.id, "marketer")).ctx,
    now: () => new Date("2026-06-01T12:00:00Z"),
  };
  const seeded = await importInto(ctx, existingCsv(), false);
  expect(seeded.status).toBe("completed");
  const result = await importInto(ctx, csv(), true);
  return { result, ...(await outcome(ctx, result.id)) };
}

describe("import preparation on worker threads", () => {
  it("starts the workers it is asked for (the bundle builds from the sources when missing or stale)", async () => {
    const pool = await PreparePool.open(2);
    try {
      expect(pool.size).toBe(2);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it("gives the same counters, rejections, contacts, ledger and projection as preparing on the main thread", async () => {
    const inline = await runWith(0);
    const pooled = await runWith(2);
    const counters = (r: typeof inline.result) => ({
      status: r.status,
      processed: r.processedRows,
      inserted: r.insertedRows,
      updated: r.updatedRows,
      rejected: r.rejectedRows,
      consentEvents: r.consentEvents,
    });
    expect(counters(inline.result)).toMatchObject({ status: "completed", processed: ROWS });
    expect(inline.result.rejectedRows).toBeGreaterThan(ROWS * 0.05);
    expect(inline.result.updatedRows).toBeGreaterThan(0);
    expect(counters(pooled.result)).toEqual(counters(inline.result));
    expect(pooled.rejections).toEqual(inline.rejections);
    expect(inline.rejections).toContainEqual(expect.stringMatching(/,email,duplicate of line \d+$/));
    expect(inline.rejections).toContainEqual(expect.stringMatching(/,tz,is not an IANA time zone/));
    expect(pooled.contacts).toEqual(inline.contacts);
    expect(pooled.ledger).toEqual(inline.ledger);
    expect(pooled.projection).toEqual(inline.projection);
    expect(inline.ledger.length).toBe(inline.result.consentEvents);
  }, 240_000);
});
