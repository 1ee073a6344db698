import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { consentConfirmations, topics } from "@/db/schema";
import { getContactHistory } from "@/server/services/contacts/get-contact-history";
import { upsertContact } from "@/server/services/contacts";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

const IP = "203.0.113.77";
const USER_AGENT = "Mozilla/5.0 (Evidence Test) Gecko/20100101";
const NOTE = "Asked by phone on Monday, spoke to Ann Example";

describe("consent evidence at rest", () => {
  it("stores ip, user agent and note encrypted, keeps the other evidence readable to SQL, and reads it all back", async () => {
    const ws = await createWorkspace(handle.db);
    const ctx = systemContext(handle.db, ws.id);
    await handle.db
      .insert(topics)
      .values({ workspaceId: ws.id, key: "news", name: "News", channels: ["email"], kind: "marketing" });
    const { contact } = await upsertContact({ ctx, input: { email: "evidence@example.com" } });
    await recordConsentChange({
      ctx,
      input: {
        contactId: contact.id,
        channel: "email",
        topicKey: "news",
        action: "opted_in",
        source: "form",
        evidence: {
          ip: IP,
          userAgent: USER_AGENT,
          note: NOTE,
          formVersion: "f1@v1",
          url: "https://shop.example/signup",
        },
      },
    });

    const raw = await handle.db.execute<{ evidence: string }>(
      sql`select evidence::text as evidence from consent_events where contact_id = ${contact.id}`,
    );
    const stored = (Array.isArray(raw) ? raw : (raw as { rows: { evidence: string }[] }).rows)[0]!.evidence;
    expect(stored).not.toContain(IP);
    expect(stored).not.toContain("Evidence Test");
    expect(stored).not.toContain("Ann Example");
    expect(stored).toContain('"formVersion": "f1@v1"');
    expect(stored).toMatch(/"sealed": "v1\./);

    const history = await getContactHistory({ ctx, input: { id: contact.id } });
    const event = history.consent.find((entry) => entry.topic === "news");
    expect(event?.evidence).toMatchObject({ ip: IP, userAgent: USER_AGENT, note: NOTE, formVersion: "f1@v1" });
  });

  it("encrypts a pending confirmation's evidence too", async () => {
    const ws = await createWorkspace(handle.db);
    const ctx = systemContext(handle.db, ws.id);
    const { contact } = await upsertContact({ ctx, input: { email: "pending@example.com" } });
    const [row] = await handle.db
      .insert(consentConfirmations)
      .values({
        workspaceId: ws.id,
        contactId: contact.id,
        channel: "email",
        topicIds: [],
        method: "link",
        secretHash: `secret-${contact.id}`,
        addressHash: "address-hash",
        source: "form",
        evidence: { ip: IP, userAgent: USER_AGENT, textHash: "abc" },
        expiresAt: new Date(Date.now() + 60_000),
      })
      .returning();
    const raw = await handle.db.execute<{ evidence: string }>(
      sql`select evidence::text as evidence from consent_confirmations where id = ${row!.id}`,
    );
    const stored = (Array.isArray(raw) ? raw : (raw as { rows: { evidence: string }[] }).rows)[0]!.evidence;
    expect(stored).not.toContain(IP);
    expect(stored).toContain('"textHash": "abc"');
    const [back] = await handle.db.select().from(consentConfirmations).where(eq(consentConfirmations.id, row!.id));
    expect(back!.evidence).toMatchObject({ ip: IP, userAgent: USER_AGENT, textHash: "abc" });
  });
});
