import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { POST as restPost } from "@/app/api/v1/[...path]/route";
import { POST as formPost } from "@/app/f/[formKey]/route";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { createApiKeyFor, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

/**
 * Bodies over their route's limit are refused with 413 before they are read, and nothing is stored.
 * These call the route handlers the way Next does, with bodies sent without a declared length
 * (chunked), which the HTTP server cannot refuse up front: the routes cut them off themselves.
 */
let handle: DbHandle;
let key: string;

function chunkedBody(totalBytes: number, fill = "a"): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  const chunk = new TextEncoder().encode(fill.repeat(64 * 1024));
  let sent = 0;
  let pulls = 0;
  return {
    pulled: () => pulls,
    body: new ReadableStream({
      pull(controller) {
        pulls++;
        if (sent >= totalBytes) return controller.close();
        controller.enqueue(chunk);
        sent += chunk.byteLength;
      },
    }),
  };
}

async function contactCount() {
  const [row] = await handle.queryRows<{ n: number }>("select count(*)::int as n from contacts");
  return row!.n;
}

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const workspace = await createWorkspace(handle.db);
  key = (await createApiKeyFor(handle.db, workspace.id, ["admin"])).secret;
});

afterAll(async () => {
  await closeDb();
});

describe("request bodies are capped before work", () => {
  it("10 MB of JSON to POST /api/v1/contacts answers 413 after reading no more than the 1 MB limit; no contact is stored", async () => {
    const before = await contactCount();
    const { body, pulled } = chunkedBody(10 * 1024 * 1024);
    const res = await restPost(
      new Request("http://localhost:3000/api/v1/contacts", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(pulled()).toBeLessThanOrEqual(1024 / 64 + 2);
    expect(await contactCount()).toBe(before);
  });

  it("a contact with attributes within the limit is still accepted", async () => {
    const res = await restPost(
      new Request("http://localhost:3000/api/v1/contacts", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ email: "within@example.com", attributes: { plan: "pro" } }),
      }),
    );
    expect(res.status).toBe(200);
  });

  it("100 MB posted to a hosted form answers 413 before the form is looked up (even an unknown form)", async () => {
    const before = await contactCount();
    const { body, pulled } = chunkedBody(100 * 1024 * 1024, "x");
    const res = await formPost(
      new Request("http://localhost:3000/f/no-such-form", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        duplex: "half",
      } as RequestInit),
      { params: Promise.resolve({ formKey: "no-such-form" }) },
    );
    expect(res.status).toBe(413);
    expect(pulled()).toBeLessThanOrEqual(3);
    expect(await contactCount()).toBe(before);
  });
});
