import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { createApiKeyFor, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";
import { revokeApiKey } from "@/server/services/api-keys/revoke-api-key";
import { systemContext } from "@/tests/factories";

let handle: DbHandle;
let adminKey: string;
let readOnlyKey: string;
let otherWorkspaceKeyId: string;
let workspaceId: string;

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const workspace = await createWorkspace(handle.db);
  workspaceId = workspace.id;
  adminKey = (await createApiKeyFor(handle.db, workspace.id, ["admin"])).secret;
  readOnlyKey = (await createApiKeyFor(handle.db, workspace.id, ["contacts:read"])).secret;
  const other = await createWorkspace(handle.db);
  otherWorkspaceKeyId = (await createApiKeyFor(handle.db, other.id, ["admin"])).key.id;
});

afterAll(async () => {
  await closeDb();
});

describe("REST API authentication (/api/v1)", () => {
  it("answers 401 without an Authorization header, on known and unknown routes alike", async () => {
    for (const path of ["/me", "/api-keys", "/does-not-exist"]) {
      const res = await rest("GET", path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("answers 401 for a wrong key and for an empty bearer", async () => {
    expect((await rest("GET", "/me", { key: "om_wrong" })).status).toBe(401);
    expect((await rest("GET", "/me", { key: "" })).status).toBe(401);
    expect((await rest("GET", "/me", { headers: { authorization: "Basic abc" } })).status).toBe(401);
  });

  it("serves the OpenAPI 3 document without a key (it holds no data), describing every route", async () => {
    expect((await rest("GET", "/openapi.json", { key: readOnlyKey })).status).toBe(200);
    const res = await rest("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(["/me", "/api-keys", "/api-keys/{id}"]));
    expect(res.body.paths["/api-keys"].post.requestBody).toBeDefined();
  });

  it("GET /me answers for any valid key with its workspace and scopes", async () => {
    const res = await rest("GET", "/me", { key: readOnlyKey });
    expect(res.status).toBe(200);
    expect(res.body.workspace.id).toBe(workspaceId);
    expect(res.body.caller).toMatchObject({ type: "apiKey", scopes: ["contacts:read"] });
  });

  it("a key without the needed scope gets 403 and changes nothing", async () => {
    const res = await rest("POST", "/api-keys", { key: readOnlyKey, body: { name: "sneaky", scopes: ["admin"] } });
    expect(res.status).toBe(403);
    const list = await rest("GET", "/api-keys", { key: adminKey });
    expect(list.body.items.map((k: { name: string }) => k.name)).not.toContain("sneaky");
  });

  it("another workspace's id answers 404, not 403", async () => {
    const res = await rest("GET", `/api-keys/${otherWorkspaceKeyId}`, { key: adminKey });
    expect(res.status).toBe(404);
    const revoke = await rest("DELETE", `/api-keys/${otherWorkspaceKeyId}`, { key: adminKey });
    expect(revoke.status).toBe(404);
  });

  it("an unknown id answers 404 and a malformed id 400 naming the field", async () => {
    expect((await rest("GET", "/api-keys/00000000-0000-4000-8000-000000000000", { key: adminKey })).status).toBe(404);
    const bad = await rest("GET", "/api-keys/not-a-uuid", { key: adminKey });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.issues)).toContain("id");
  });

  it("invalid input answers 400 naming the offending field", async () => {
    const res = await rest("POST", "/api-keys", { key: adminKey, body: { name: "x", scopes: ["root"] } });
    expect(res.status).toBe(400);
    expect(res.body.issues[0].path).toContain("scopes");
    const empty = await rest("POST", "/api-keys", { key: adminKey, body: { name: "", scopes: ["admin"] } });
    expect(empty.status).toBe(400);
    expect(empty.body.issues[0].path).toEqual(["name"]);
    // The same body, with a message made of sentences instead of a generic text or JSON.
    expect(res.body.code).toBe("BAD_REQUEST");
    expect(res.body.message).toMatch(/^Scopes: choose one of contacts:read, .* or admin\.$/);
    expect(empty.body.message).toBe("Name is required.");
  });

  it("creates a key whose secret works once returned, and stops working when revoked", async () => {
    const created = await rest("POST", "/api-keys", { key: adminKey, body: { name: "CI", scopes: ["messages:send"] } });
    expect(created.status).toBe(200);
    expect(created.body.secret).toMatch(/^om_/);
    expect((await rest("GET", "/me", { key: created.body.secret })).status).toBe(200);
    const fetched = await rest("GET", `/api-keys/${created.body.id}`, { key: adminKey });
    expect(fetched.body.secret).toBeUndefined();
    expect(fetched.body.lastUsedAt).not.toBeNull();
    await revokeApiKey({ ctx: systemContext(handle.db, workspaceId), input: { id: created.body.id } });
    expect((await rest("GET", "/me", { key: created.body.secret })).status).toBe(401);
  });

  it("never stores the secret itself", async () => {
    const created = await rest("POST", "/api-keys", { key: adminKey, body: { name: "hash check", scopes: ["admin"] } });
    const rows = await handle.queryRows<Record<string, unknown>>("select * from api_keys where id = $1", [
      created.body.id,
    ]);
    expect(JSON.stringify(rows)).not.toContain(created.body.secret);
  });
});
