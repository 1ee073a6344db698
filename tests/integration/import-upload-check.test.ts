import { readdir } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, contacts, imports } from "@/db/schema";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { getEnv } from "@/server/lib/env";
import { createApiKeyFor, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";

// The upload is a route handler reading the session through next/headers; an API key here.
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/server/auth", () => ({ auth: async () => null }));

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let handle: DbHandle;
let workspaceId: string;
let key: string;

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  key = (await createApiKeyFor(handle.db, ws.id, ["contacts:write"])).secret;
});

afterAll(async () => {
  await closeDb();
});

async function createImport(mapping: Record<string, string> = { email: "email" }): Promise<string> {
  const res = await rest("POST", "/imports", { key, body: { filename: "list.csv", mapping } });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

async function upload(importId: string, body: BodyInit) {
  const { POST } = await import("@/app/api/imports/route");
  const res = await POST(
    new Request(`http://localhost:3000/api/imports?importId=${importId}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "text/csv" },
      body,
    }),
  );
  return { status: res.status, body: (await res.json()) as { message?: string; code?: string; status?: string } };
}

/** The import row, its audit rows, its contacts and what is left of it under DATA_DIR/imports. */
async function traces(importId: string) {
  const [row] = await handle.db.select().from(imports).where(eq(imports.id, importId));
  const audits = await handle.db
    .select({ action: auditLog.action })
    .from(auditLog)
    .where(eq(auditLog.targetId, importId));
  const written = await handle.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.importId, importId));
  const files = (await readdir(path.resolve(getEnv().DATA_DIR, "imports")).catch(() => [] as string[])).filter((f) =>
    f.startsWith(importId),
  );
  return { status: row!.status, fileHash: row!.fileHash, audits: audits.length, contacts: written.length, files };
}

const untouched = { status: "pending", fileHash: null, audits: 0, contacts: 0, files: [] };

describe("POST /api/imports refuses what is not a CSV", () => {
  it("a PNG: 400 saying what it looks like; the import stays pending and nothing is stored", async () => {
    const importId = await createImport();
    // Larger than the part that is looked at, so the rest of the body is read and dropped.
    const png = new Uint8Array(200_000);
    png.set(PNG_SIGNATURE);
    const res = await upload(importId, png);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: "INVALID",
      message:
        "This file is not a CSV: it looks like a PNG image. Export your list as CSV (comma-separated) and try again.",
    });
    expect(await traces(importId)).toEqual(untouched);
  });

  it("binary data, text that is not UTF-8 and CSV that cannot be parsed are refused the same way", async () => {
    const importId = await createImport();
    const binary = await upload(importId, Uint8Array.from([0x01, 0x00, 0x02, 0x00, 0x03, 0xff, 0x00, 0x10]));
    expect(binary.status).toBe(400);
    expect(binary.body.message).toContain("it holds binary data");
    const latin1 = await upload(
      importId,
      Uint8Array.from([...new TextEncoder().encode("email,name\nzoe@example.com,Zo"), 0xe9, 0x0a]),
    );
    expect(latin1.status).toBe(400);
    expect(latin1.body.message).toContain("not UTF-8 text");
    const unclosed = await upload(importId, 'email,name\nann@example.com,"Ann\n');
    expect(unclosed.status).toBe(400);
    expect(unclosed.body.message).toContain("a quoted value is never closed");
    expect(await traces(importId)).toEqual(untouched);
  });

  it("a CSV without the mapped column is refused before it starts", async () => {
    const importId = await createImport({ email: "Email address" });
    const res = await upload(importId, "email,name\nann@example.com,Ann\n");
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('The file has no column named "Email address"');
    expect(await traces(importId)).toEqual(untouched);
  });

  it("after a refusal the same import takes a CSV", async () => {
    const importId = await createImport();
    expect((await upload(importId, Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).body.message).toContain(
      "a JPEG image",
    );
    const ok = await upload(importId, "email,name\nann.check@example.com,Ann\n");
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "completed", insertedRows: 1 });
    const after = await traces(importId);
    expect(after).toMatchObject({ status: "completed", contacts: 1, files: [] });
  });
});

describe("the workspace it refused in", () => {
  it("has only the contact of the accepted file", async () => {
    const all = await handle.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.workspaceId, workspaceId));
    expect(all).toHaveLength(1);
  });
});
