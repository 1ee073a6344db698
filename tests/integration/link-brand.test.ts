import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { workspaces } from "@/db/schema";
import { systemClock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { createTokenCodec, signToken } from "@/server/lib/tokens";
import { getLinkBrand } from "@/server/services/preferences/get-link-brand";
import { DEFAULT_ACCENT_COLOR, readableAccent } from "@/server/shared/workspace-profile";
import { createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

/**
 * The brand around a contact link's page: the workspace the link was signed for, even once the
 * link has expired (its "this link is not valid" page still says whose it was); nobody's for a
 * link we did not sign as it stands.
 */

let handle: DbHandle;
let workspaceId: string;
const contactId = randomUUID();
const topicId = randomUUID();
const ctx = () => ({ db: handle.db, now: systemClock });

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  workspaceId = (
    await createWorkspace(handle.db, {
      name: "Acme Coffee",
      settings: { profile: { accentColor: "#fbbf24", logoUrl: "https://cdn.example.com/acme.svg" } },
    })
  ).id;
});
afterAll(async () => {
  await closeDb();
});

describe("getLinkBrand", () => {
  it("answers the brand of the workspace a valid or expired link was signed for", async () => {
    const expected = {
      workspaceId,
      name: "Acme Coffee",
      accentColor: readableAccent("#fbbf24"),
      logoSrc: "https://cdn.example.com/acme.svg",
    };
    const unsubscribe = signToken("unsubscribe", { workspaceId, contactId, channel: "email", topicId });
    expect(await getLinkBrand({ ctx: ctx(), input: { purpose: "unsubscribe", token: unsubscribe } })).toEqual(expected);
    const expired = signToken("preferences", { workspaceId, contactId }, { expiresAt: new Date(Date.now() - 60_000) });
    expect(await getLinkBrand({ ctx: ctx(), input: { purpose: "preferences", token: expired } })).toEqual(expected);
  });

  it("answers null for an altered, foreign, other-purpose or malformed token", async () => {
    const token = signToken("preferences", { workspaceId, contactId });
    const altered = token.slice(0, 20) + (token[20] === "A" ? "B" : "A") + token.slice(21);
    const foreign = createTokenCodec("another-secret-another-secret-another-secret").sign("preferences", {
      workspaceId,
      contactId,
    });
    for (const [purpose, candidate] of [
      ["preferences", altered],
      ["preferences", foreign],
      ["unsubscribe", token],
      ["preferences", "xyz"],
    ] as const) {
      expect(await getLinkBrand({ ctx: ctx(), input: { purpose, token: candidate } })).toBeNull();
    }
  });

  it("answers null when the workspace no longer exists, and the default accent when none is set", async () => {
    const gone = signToken("preferences", { workspaceId: randomUUID(), contactId });
    expect(await getLinkBrand({ ctx: ctx(), input: { purpose: "preferences", token: gone } })).toBeNull();
    await handle.db.update(workspaces).set({ settings: {} }).where(eq(workspaces.id, workspaceId));
    const token = signToken("preferences", { workspaceId, contactId });
    expect(await getLinkBrand({ ctx: ctx(), input: { purpose: "preferences", token } })).toMatchObject({
      accentColor: DEFAULT_ACCENT_COLOR,
      logoSrc: null,
    });
  });
});
