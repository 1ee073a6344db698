import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { listAudit } from "@/server/services/audit/list-audit";
import { updateWorkspace } from "@/server/services/workspaces";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

describe("audit log listing", () => {
  it("lists this workspace's actions newest first, naming staff actors, and never another workspace's", async () => {
    const ws = await createWorkspace(handle.db);
    const other = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, ws.id, "owner");
    const stranger = await createMember(handle.db, other.id, "owner");
    await createApiKey({ ctx: owner.ctx, input: { name: "Shop", scopes: ["admin"] } });
    await updateWorkspace({ ctx: owner.ctx, input: { name: "Renamed", defaultRegion: "gb" } });
    await createApiKey({ ctx: stranger.ctx, input: { name: "Elsewhere", scopes: ["admin"] } });

    const entries = await listAudit({ ctx: owner.ctx, input: { limit: 10 } });
    expect(entries.map((e) => e.action)).toEqual(["workspace.updated", "api_key.created"]);
    expect(entries[0]).toMatchObject({
      actorType: "user",
      actorLabel: owner.user.name,
      after: { name: "Renamed", defaultRegion: "GB" },
    });
    const older = await listAudit({ ctx: owner.ctx, input: { limit: 10, beforeSeq: entries[0]!.seq } });
    expect(older.map((e) => e.action)).toEqual(["api_key.created"]);
  });
});
