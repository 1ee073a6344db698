import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { contacts } from "@/db/schema";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { encryptOptional } from "@/server/lib/crypto";
import type { ServiceContext } from "@/server/services/context";
import { backfillPhoneCountries, updateContact, upsertContact } from "@/server/services/contacts";
import { createImport } from "@/server/services/imports/create-import";
import { runImport } from "@/server/services/imports/run-import";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

let handle: DbHandle;
let workspaceId: string;
let marketer: ServiceContext;

async function countryOf(id: string): Promise<string | null> {
  const [row] = await handle.db.select({ c: contacts.phoneCountry }).from(contacts).where(eq(contacts.id, id));
  return row!.c;
}

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  marketer = (await createMember(handle.db, ws.id, "marketer")).ctx;
});
afterAll(async () => {
  await closeDb();
});

describe("contacts.phone_country (the country segments read)", () => {
  it("follows the phone number through upserts and edits", async () => {
    const { contact } = await upsertContact({ ctx: marketer, input: { phone: "+44 20 7946 0958" } });
    expect(await countryOf(contact.id)).toBe("GB");
    await upsertContact({
      ctx: marketer,
      input: { phone: "+1 416 555 0100", email: contact.email ?? "pc1@example.com" },
    });
    const { contact: withEmail } = await upsertContact({ ctx: marketer, input: { email: "pc2@example.com" } });
    expect(await countryOf(withEmail.id)).toBeNull();
    await updateContact({ ctx: marketer, input: { id: withEmail.id, phone: "+49 30 901820" } });
    expect(await countryOf(withEmail.id)).toBe("DE");
    await updateContact({ ctx: marketer, input: { id: withEmail.id, phone: "" } });
    expect(await countryOf(withEmail.id)).toBeNull();
  });

  it("is written by imports, for new and updated contacts", async () => {
    const { contact: existing } = await upsertContact({ ctx: marketer, input: { email: "pc3@example.com" } });
    const created = await createImport({
      ctx: marketer,
      input: { filename: "phones.csv", mapping: { email: "Email", phone: "Phone" } },
    });
    const csv = ["Email,Phone", "pc3@example.com,+33 1 42 68 53 00", "pc4@example.com,+61 2 9374 4000"].join("\n");
    async function* source() {
      yield Buffer.from(csv);
    }
    await runImport({ ctx: marketer, input: { importId: created.id, source: source() } });
    expect(await countryOf(existing.id)).toBe("FR");
    const [fresh] = await handle.db
      .select({ c: contacts.phoneCountry })
      .from(contacts)
      .where(and(eq(contacts.importId, created.id), eq(contacts.importLine, 3)));
    expect(fresh?.c).toBe("AU");
  });

  it("is filled for contacts written before the column existed, and the backfill is a no-op once done", async () => {
    const [row] = await handle.db
      .insert(contacts)
      .values({
        workspaceId,
        phoneCiphertext: encryptOptional("+81312345678", "contact.phone"),
        phoneHash: "pc-legacy",
      })
      .returning({ id: contacts.id });
    expect(await countryOf(row!.id)).toBeNull();
    const first = await backfillPhoneCountries({ ctx: { db: handle.db, now: () => new Date() } });
    expect(first.filled).toBeGreaterThanOrEqual(1);
    expect(await countryOf(row!.id)).toBe("JP");
    expect(await backfillPhoneCountries({ ctx: { db: handle.db, now: () => new Date() } })).toEqual({
      filled: 0,
      skipped: 0,
    });
  });
});
