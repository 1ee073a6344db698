import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { messageEvents, messages, type StoredDecision } from "@/db/schema";
import { inTransaction } from "@/server/services/context";
import { insertMessages, type MessageInsert } from "@/server/services/messages/insert-messages";
import { createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

/**
 * The record step's write (one `INSERT … FROM unnest(…)` per call, each column cast from text):
 * every kind of column reads back as the query builder wrote it, rows that leave a column out get
 * NULL, a key that already exists is skipped, and rows that leave out a column with a default
 * (which unnest cannot ask for per row) go through the query builder.
 */

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

const at = new Date("2026-03-04T05:06:07.891Z");
const decision: StoredDecision = {
  outcome: "send",
  policyVersion: "test-1",
  consent: null,
  checks: ['quotes " and \\ backslashes, {braces}, commas, and spaces'],
  decidedAt: at.toISOString(),
};

function row(workspaceId: string, extra: Partial<MessageInsert["row"]> = {}): MessageInsert {
  return {
    row: {
      id: randomUUID(),
      workspaceId,
      direction: "outbound",
      channel: "email",
      kind: "marketing",
      status: "queued",
      topicKey: "news",
      idempotencyKey: `key-${randomUUID()}`,
      createdAt: at,
      updatedAt: at,
      options: { deferOnQuietHours: true },
      ...extra,
    },
    event: { status: "queued", source: "pipeline", detail: { note: "first" } },
  };
}

describe("insertMessages", () => {
  it("writes enums, JSON, times, numbers, NULL and awkward text as the query builder would, skips a taken key, and records one event per row inserted", async () => {
    const ws = await createWorkspace(handle.db);
    const full = row(ws.id, {
      subjectCiphertext: 'v1:abc,def {x} "quoted" \\ back',
      headers: { "List-Unsubscribe": "<https://example.test/u/t>", "Reply-To": "a@example.test" },
      decision,
      templateVersion: 7,
      segments: 2,
      nextAttemptAt: new Date(at.getTime() + 1234),
      expiresAt: at,
      queuedAt: at,
      reason: "",
    });
    // Leaves the optional columns out: NULL, like the query builder's DEFAULT on a column without one.
    const bare = row(ws.id, { status: "blocked", channel: "sms", kind: "transactional", reason: "no_consent" });
    const inserted = await inTransaction(handle.db, (tx) => insertMessages(tx, [full, bare], at));
    expect(inserted).toEqual(new Set([full.row.id, bare.row.id]));

    const [a] = await handle.db.select().from(messages).where(eq(messages.id, full.row.id!));
    expect(a).toMatchObject({
      workspaceId: ws.id,
      direction: "outbound",
      channel: "email",
      kind: "marketing",
      status: "queued",
      subjectCiphertext: full.row.subjectCiphertext,
      headers: full.row.headers,
      decision,
      templateVersion: 7,
      segments: 2,
      nextAttemptAt: full.row.nextAttemptAt,
      expiresAt: at,
      queuedAt: at,
      createdAt: at,
      reason: "",
      options: { deferOnQuietHours: true },
      attempts: 0,
    });
    const [b] = await handle.db.select().from(messages).where(eq(messages.id, bare.row.id!));
    expect(b).toMatchObject({ channel: "sms", kind: "transactional", status: "blocked", reason: "no_consent" });
    expect(b).toMatchObject({
      subjectCiphertext: null,
      headers: null,
      decision: null,
      segments: null,
      nextAttemptAt: null,
    });

    // The same idempotency key again: skipped by ON CONFLICT, and no event for the row that was not written.
    const twin = row(ws.id, { idempotencyKey: full.row.idempotencyKey });
    const again = await inTransaction(handle.db, (tx) => insertMessages(tx, [twin], at));
    expect(again).toEqual(new Set());
    const events = await handle.db
      .select()
      .from(messageEvents)
      .where(inArray(messageEvents.messageId, [full.row.id!, bare.row.id!, twin.row.id!]));
    expect(events.map((e) => e.messageId).sort()).toEqual([full.row.id!, bare.row.id!].sort());
    expect(events.every((e) => e.status === "queued" && e.occurredAt.getTime() === at.getTime())).toBe(true);
  });

  it("a column with a default set in some rows only: the rows that leave it out get the default (NULL would break NOT NULL)", async () => {
    const ws = await createWorkspace(handle.db);
    const retried = row(ws.id, { attempts: 3 });
    const fresh = row(ws.id);
    const inserted = await inTransaction(handle.db, (tx) => insertMessages(tx, [retried, fresh], at));
    expect(inserted).toEqual(new Set([retried.row.id, fresh.row.id]));
    const rows = await handle.db
      .select({ id: messages.id, attempts: messages.attempts })
      .from(messages)
      .where(inArray(messages.id, [retried.row.id!, fresh.row.id!]));
    expect(new Map(rows.map((r) => [r.id, r.attempts]))).toEqual(
      new Map([
        [retried.row.id, 3],
        [fresh.row.id, 0],
      ]),
    );
  });
});
