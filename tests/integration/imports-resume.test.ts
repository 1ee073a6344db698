import { randomUUID } from "node:crypto";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { consentEvents, contacts, imports } from "@/db/schema";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resetEnv } from "@/server/lib/env";
import { AppError } from "@/server/lib/errors";
import type { ServiceContext } from "@/server/services/context";
import { createImport } from "@/server/services/imports/create-import";
import { getImport } from "@/server/services/imports/get-import";
import { hasImportFile, removeImportFile } from "@/server/services/imports/import-files";
import { waitForImportResumes } from "@/server/services/imports/import-runs";
import { recoverInterruptedImports } from "@/server/services/imports/recover-interrupted-imports";
import { resumeImport } from "@/server/services/imports/resume-import";
import { resumeImportUpload } from "@/server/services/imports/resume-import-upload";
import { runImport } from "@/server/services/imports/run-import";
import { IMPORT_BATCH_SIZE } from "@/server/services/imports/run-steps";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

let handle: DbHandle;
let ctx: ServiceContext;

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  ctx = { ...(await createMember(handle.db, ws.id, "marketer")).ctx, now: () => new Date() };
});
afterAll(async () => {
  await closeDb();
});

const ROWS = IMPORT_BATCH_SIZE * 2 + 500;

function csvOf(rows: number, tag: string): string {
  const lines = ["email,consent,consent_at"];
  for (let i = 0; i < rows; i++) lines.push(`${tag}-${i}@example.com,yes,2026-01-02T03:04:05Z`);
  return `${lines.join("\n")}\n`;
}

async function* chunks(text: string) {
  for (let at = 0; at < text.length; at += 64 * 1024) yield Buffer.from(text.slice(at, at + 64 * 1024));
}

async function newImport() {
  return createImport({
    ctx,
    input: {
      filename: "list.csv",
      mapping: { email: "email", consentStatus: "consent", consentAt: "consent_at" },
      topicKeys: ["newsletter"],
      channels: ["email"],
    },
  });
}

/**
 * A batch that fails at the database, mid-file: a CHECK constraint refuses the progress update of
 * any batch that would get past `line` (the batch rolls back whole, as when the process dies).
 */
async function failingPast<T>(importId: string, line: number, work: () => Promise<T>): Promise<T | Error> {
  const name = `stop_${randomUUID().slice(0, 8)}`;
  await handle.db.execute(
    sql.raw(
      `alter table imports add constraint ${name} check (id <> '${importId}'::uuid or last_line < ${line}) not valid`,
    ),
  );
  try {
    return await work();
  } catch (error) {
    return error as Error;
  } finally {
    await handle.db.execute(sql.raw(`alter table imports drop constraint ${name}`));
  }
}

async function importedOnce(importId: string, tag: string, rows: number) {
  const [contactCount] = await handle.db
    .select({ n: count() })
    .from(contacts)
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), eq(contacts.importId, importId)));
  expect(contactCount!.n).toBe(rows);
  // One opt-in per row, never two for one contact.
  const perContact = await handle.db.execute(sql`
    select count(*)::int as events, count(distinct contact_id)::int as contacts
      from consent_events where workspace_id = ${ctx.workspaceId} and batch_id = ${importId}::uuid`);
  const [stats] = (Array.isArray(perContact) ? perContact : (perContact as { rows: unknown[] }).rows) as {
    events: number;
    contacts: number;
  }[];
  expect(stats).toEqual({ events: rows, contacts: rows });
  const result = await getImport({ ctx, input: { id: importId } });
  expect(result).toMatchObject({
    status: "completed",
    processedRows: rows,
    insertedRows: rows,
    rejectedRows: 0,
    consentEvents: rows,
    totalRows: rows,
  });
  expect(tag).toBeTruthy();
}

describe("an import interrupted mid-way", () => {
  it("failed on a database error after two batches: Resume continues after the last committed line, every row once", async () => {
    const tag = `r1-${randomUUID().slice(0, 6)}`;
    const created = await newImport();
    const error = await failingPast(created.id, IMPORT_BATCH_SIZE * 2, () =>
      runImport({ ctx, input: { importId: created.id, source: chunks(csvOf(ROWS, tag)) } }),
    );
    expect(error).toBeInstanceOf(Error);
    const failed = await getImport({ ctx, input: { id: created.id } });
    expect(failed).toMatchObject({
      status: "failed",
      processedRows: IMPORT_BATCH_SIZE,
      lastLine: IMPORT_BATCH_SIZE + 1,
      resumable: true,
    });
    expect(hasImportFile(created.id)).toBe(true);

    const resumed = await resumeImport({ ctx, input: { id: created.id } });
    expect(resumed.status).toBe("running");
    await waitForImportResumes();
    await importedOnce(created.id, tag, ROWS);
    expect(hasImportFile(created.id)).toBe(false);
    await expect(resumeImport({ ctx, input: { id: created.id } })).rejects.toMatchObject({ code: "CONFLICT" });
  }, 120_000);

  it("prepared on two worker threads with batches in flight: the failed batch and those after it are not written, Resume writes every row once", async () => {
    const saved = process.env.IMPORT_WORKERS;
    process.env.IMPORT_WORKERS = "2";
    resetEnv();
    try {
      const tag = `r1w-${randomUUID().slice(0, 6)}`;
      const rows = IMPORT_BATCH_SIZE * 5 + 300;
      const created = await newImport();
      const error = await failingPast(created.id, IMPORT_BATCH_SIZE * 3, () =>
        runImport({ ctx, input: { importId: created.id, source: chunks(csvOf(rows, tag)) } }),
      );
      expect(error).toBeInstanceOf(Error);
      const failed = await getImport({ ctx, input: { id: created.id } });
      expect(failed).toMatchObject({
        status: "failed",
        processedRows: IMPORT_BATCH_SIZE * 2,
        lastLine: IMPORT_BATCH_SIZE * 2 + 1,
        resumable: true,
      });
      await resumeImport({ ctx, input: { id: created.id } });
      await waitForImportResumes();
      await importedOnce(created.id, tag, rows);
    } finally {
      if (saved === undefined) delete process.env.IMPORT_WORKERS;
      else process.env.IMPORT_WORKERS = saved;
      resetEnv();
    }
  }, 180_000);

  it("left `running` by a dead process: recovery resumes it from its file and completes it", async () => {
    const tag = `r2-${randomUUID().slice(0, 6)}`;
    const created = await newImport();
    await failingPast(created.id, IMPORT_BATCH_SIZE * 2, () =>
      runImport({ ctx, input: { importId: created.id, source: chunks(csvOf(ROWS, tag)) } }),
    );
    // What a SIGKILL leaves: still running, an old heartbeat, a run that no longer exists.
    await handle.db
      .update(imports)
      .set({
        status: "running",
        error: null,
        finishedAt: null,
        runId: randomUUID(),
        heartbeatAt: new Date(Date.now() - 10 * 60_000),
      })
      .where(eq(imports.id, created.id));
    expect(await getImport({ ctx, input: { id: created.id } })).toMatchObject({
      status: "running",
      interrupted: true,
      resumable: true,
    });

    const result = await recoverInterruptedImports({ ctx: { db: handle.db, now: () => new Date() } });
    expect(result.resumed).toContain(created.id);
    await importedOnce(created.id, tag, ROWS);
  }, 120_000);

  it("a recent heartbeat is left alone; a stale one without its file is marked failed with its counts", async () => {
    const created = await newImport();
    const runId = randomUUID();
    await handle.db
      .update(imports)
      .set({
        status: "running",
        runId,
        heartbeatAt: new Date(),
        processedRows: 10,
        lastLine: 11,
        fileHash: "a".repeat(64),
      })
      .where(eq(imports.id, created.id));
    let result = await recoverInterruptedImports({ ctx: { db: handle.db, now: () => new Date() } });
    expect(result.failed).not.toContain(created.id);
    expect((await getImport({ ctx, input: { id: created.id } })).status).toBe("running");

    result = await recoverInterruptedImports({ ctx: { db: handle.db, now: () => new Date(Date.now() + 3 * 60_000) } });
    expect(result.failed).toContain(created.id);
    const failed = await getImport({ ctx, input: { id: created.id } });
    expect(failed).toMatchObject({ status: "failed", processedRows: 10, totalRows: 10, resumable: true });
    expect(failed.error).toMatch(/upload the same file/);
  });

  it("resuming by uploading the file again: another file → 409 and nothing changes; the same file completes it", async () => {
    const tag = `r3-${randomUUID().slice(0, 6)}`;
    const csv = csvOf(ROWS, tag);
    const created = await newImport();
    await failingPast(created.id, IMPORT_BATCH_SIZE * 2, () =>
      runImport({ ctx, input: { importId: created.id, source: chunks(csv) } }),
    );
    await removeImportFile(created.id);
    await expect(resumeImport({ ctx, input: { id: created.id } })).rejects.toMatchObject({ code: "CONFLICT" });

    const before = await getImport({ ctx, input: { id: created.id } });
    const other = await resumeImportUpload({
      ctx,
      input: { importId: created.id, source: chunks(csvOf(ROWS, `${tag}-other`)) },
    }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(AppError);
    expect((other as AppError).code).toBe("CONFLICT");
    expect(await getImport({ ctx, input: { id: created.id } })).toEqual(before);
    expect(hasImportFile(created.id)).toBe(false);

    const done = await resumeImportUpload({ ctx, input: { importId: created.id, source: chunks(csv) } });
    expect(done.status).toBe("completed");
    await importedOnce(created.id, tag, ROWS);
  }, 120_000);
});

describe("importing the same consent again", () => {
  it("the same file twice: the second import updates the contacts and records no consent event", async () => {
    const tag = `twice-${randomUUID().slice(0, 6)}`;
    const csv = csvOf(300, tag);
    const first = await newImport();
    await runImport({ ctx, input: { importId: first.id, source: chunks(csv) } });
    const [before] = await handle.db
      .select({ n: count() })
      .from(consentEvents)
      .where(eq(consentEvents.workspaceId, ctx.workspaceId));

    const second = await newImport();
    const result = await runImport({ ctx, input: { importId: second.id, source: chunks(csv) } });
    expect(result).toMatchObject({
      status: "completed",
      processedRows: 300,
      updatedRows: 300,
      insertedRows: 0,
      consentEvents: 0,
    });
    const [after] = await handle.db
      .select({ n: count() })
      .from(consentEvents)
      .where(eq(consentEvents.workspaceId, ctx.workspaceId));
    expect(after!.n).toBe(before!.n);

    // A different status is a change: recorded.
    const third = await newImport();
    const optOut = await runImport({
      ctx,
      input: { importId: third.id, source: chunks(csv.replaceAll(",yes,", ",no,")) },
    });
    expect(optOut.consentEvents).toBe(300);
  }, 60_000);
});
