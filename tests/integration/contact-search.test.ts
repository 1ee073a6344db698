import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { DbHandle, Queryable } from "@/db/client";
import { contacts } from "@/db/schema";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { encryptOptional } from "@/server/lib/crypto";
import { fixedClock, systemClock } from "@/server/lib/clock";
import type { ServiceContext } from "@/server/services/context";
import {
  backfillSearchTokens,
  listContacts,
  resolveSignupContacts,
  updateContact,
  upsertContact,
} from "@/server/services/contacts";
import { contactSearchTokens } from "@/server/services/contacts/search-tokens";
import { createImport } from "@/server/services/imports/create-import";
import { runImport } from "@/server/services/imports/run-import";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

let handle: DbHandle;
let workspaceId: string;
let otherWorkspaceId: string;
let marketer: ServiceContext;
let viewer: ServiceContext;
let otherMarketer: ServiceContext;
const clock = fixedClock("2026-06-01T12:00:00Z");

/** First names of the contacts a marketer finds with this search text, sorted. */
async function find(search: string, ctx: ServiceContext = marketer): Promise<string[]> {
  const page = await listContacts({ ctx, input: { search } });
  return page.items.map((item) => `${item.firstName ?? ""} ${item.lastName ?? ""}`.trim() || item.email!).sort();
}

/**
 * The plan of a query with sequential scans priced out: the tables here are tiny, so this shows
 * that the index can answer it (the planner picks it on a table of real size).
 */
async function plan(query: SQL): Promise<string> {
  return handle.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const result = (await tx.execute(sql`explain ${query}`)) as unknown;
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, string>[];
    return rows.map((row) => Object.values(row)[0]).join("\n");
  });
}

async function tokensOf(id: string): Promise<string[]> {
  const [row] = await handle.db.select({ tokens: contacts.searchTokens }).from(contacts).where(eq(contacts.id, id));
  return row!.tokens;
}

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  marketer = { ...(await createMember(handle.db, ws.id, "marketer")).ctx, now: clock };
  viewer = { ...(await createMember(handle.db, ws.id, "viewer")).ctx, now: clock };
  const other = await createWorkspace(handle.db, { defaultRegion: "US" });
  otherWorkspaceId = other.id;
  await ensureDefaultTopics(handle.db, other.id, new Date());
  otherMarketer = { ...(await createMember(handle.db, other.id, "marketer")).ctx, now: clock };

  for (const input of [
    { email: "jan.novak@example.com", firstName: "Jan", lastName: "Novák" },
    { email: "janina.k@example.org", firstName: "Janina", lastName: "Kowalska" },
    { email: "petr@example.com", firstName: "Petr", lastName: "Jan-Svoboda" },
    { email: "Anne.Marie@Example.net", firstName: "Anne-Marie", lastName: "O'Brien" },
    { phone: "+1 415 555 2671", firstName: "Zoë", lastName: "Nováková" },
  ]) {
    await upsertContact({ ctx: marketer, input });
  }
  // The same name in another workspace is never found from this one.
  await upsertContact({ ctx: otherMarketer, input: { email: "jan.other@example.com", firstName: "Jan" } });
});
afterAll(async () => {
  await closeDb();
});

describe("finding a contact by name or the start of an email address", () => {
  it("by first name, last name (diacritics and case folded), or a word of a hyphenated name", async () => {
    expect(await find("Janina")).toEqual(["Janina Kowalska"]);
    expect(await find("Kowalska")).toEqual(["Janina Kowalska"]);
    expect(await find("Svoboda")).toEqual(["Petr Jan-Svoboda"]);
    expect(await find("novak")).toEqual(["Jan Novák"]);
    expect(await find("NOVÁKOVÁ")).toEqual(["Zoë Nováková"]);
    expect(await find("zoe")).toEqual(["Zoë Nováková"]);
    expect(await find("marie")).toEqual(["Anne-Marie O'Brien"]);
    expect(await find("brien")).toEqual(["Anne-Marie O'Brien"]);
    expect(await find("Anne-Marie")).toEqual(["Anne-Marie O'Brien"]);
  });

  it("by the start of an email address (three characters or more), local part or beyond", async () => {
    expect(await find("jani")).toEqual(["Janina Kowalska"]);
    expect(await find("jan.n")).toEqual(["Jan Novák"]);
    expect(await find("jan.novak@ex")).toEqual(["Jan Novák"]);
    expect(await find("ANNE.marie@example.n")).toEqual(["Anne-Marie O'Brien"]);
    // "jan" is the start of two addresses and the first name of one contact, a word of another's.
    expect(await find("jan")).toEqual(["Jan Novák", "Janina Kowalska", "Petr Jan-Svoboda"]);
    expect(await find("ja")).toEqual([]);
  });

  it("two words: both must be words of the contact's names (AND)", async () => {
    expect(await find("Jan Novák")).toEqual(["Jan Novák"]);
    expect(await find("novak jan")).toEqual(["Jan Novák"]);
    expect(await find("Jan Kowalska")).toEqual([]);
    expect(await find("Petr Svoboda")).toEqual(["Petr Jan-Svoboda"]);
  });

  it("keeps the exact address and phone lookups", async () => {
    expect(await find("  JAN.NOVAK@EXAMPLE.COM ")).toEqual(["Jan Novák"]);
    expect(await find("(415) 555-2671")).toEqual(["Zoë Nováková"]);
  });

  it("never across workspaces", async () => {
    expect(await find("jan", otherMarketer)).toEqual(["Jan"]);
    expect(await find("jan.novak")).toEqual(["Jan Novák"]);
    expect(await find("jan.novak", otherMarketer)).toEqual([]);
    expect(otherWorkspaceId).not.toBe(workspaceId);
  });

  it("refuses a query with nothing to search, naming the field", async () => {
    await expect(find("-")).rejects.toMatchObject({ code: "INVALID", field: "search" });
  });

  it("viewers (who see names masked) find by complete address or phone only", async () => {
    await expect(find("Jan", viewer)).rejects.toMatchObject({
      code: "INVALID",
      field: "search",
      message: expect.stringMatching(/complete email address or phone number/),
    });
    const page = await listContacts({ ctx: viewer, input: { search: "jan.novak@example.com" } });
    expect(page.items.map((item) => item.firstName)).toEqual(["J•••"]);
    await expect(find("jan.novak@ex", viewer)).rejects.toMatchObject({ code: "INVALID", field: "search" });
  });

  it("is answered from the GIN index on search_tokens", async () => {
    const [token] = contactSearchTokens(workspaceId, { firstName: "Jan" });
    expect(await plan(sql`select id from contacts where search_tokens @> array[${token}]::text[]`)).toContain(
      "contacts_search_tokens_idx",
    );
  });
});

describe("the index follows every write of names and email", () => {
  it("a name changed by updateContact: the old name no longer finds the contact, the new one does", async () => {
    const { contact } = await upsertContact({
      ctx: marketer,
      input: { email: "edit.me@example.com", firstName: "Bohumil", lastName: "Hrabal" },
    });
    expect(await find("Bohumil")).toEqual(["Bohumil Hrabal"]);
    await updateContact({ ctx: marketer, input: { id: contact.id, firstName: "Václav" } });
    expect(await find("Bohumil")).toEqual([]);
    expect(await find("vaclav hrabal")).toEqual(["Václav Hrabal"]);

    // A changed address: the old prefix is gone, the new one finds it; a cleared name is gone too.
    await updateContact({ ctx: marketer, input: { id: contact.id, email: "vh@example.cz", lastName: null } });
    expect(await find("edit.me")).toEqual([]);
    expect(await find("hrabal")).toEqual([]);
    expect(await find("vh@ex")).toEqual(["Václav"]);
    expect(await tokensOf(contact.id)).toEqual(
      contactSearchTokens(workspaceId, { firstName: "Václav", email: "vh@example.cz" }),
    );
  });

  it("an upsert that renames or replaces the address rewrites the tokens", async () => {
    const { contact } = await upsertContact({
      ctx: marketer,
      input: { phone: "+1 212 555 0148", email: "ava.t@example.com", firstName: "Ava" },
    });
    await upsertContact({
      ctx: marketer,
      input: { phone: "+1 212 555 0148", email: "ava.thompson@example.com", lastName: "Thompson" },
    });
    expect(await find("ava.t@")).toEqual([]);
    expect(await find("ava.thom")).toEqual(["Ava Thompson"]);
    expect(await tokensOf(contact.id)).toEqual(
      contactSearchTokens(workspaceId, { firstName: "Ava", lastName: "Thompson", email: "ava.thompson@example.com" }),
    );
  });

  it("a form sign-up's names (filling gaps) are searchable", async () => {
    await resolveSignupContacts({
      ctx: { ...marketer, actor: { type: "system", job: "form:test" } },
      input: { email: "signup@example.com", firstName: "Ema", lastName: "Destinnová" },
    });
    expect(await find("destinnova")).toEqual(["Ema Destinnová"]);
  });

  it("an import: new contacts get tokens, updated ones keep the stored names the file leaves empty", async () => {
    const { contact: existing } = await upsertContact({
      ctx: marketer,
      input: { email: "karel@example.com", firstName: "Karel", lastName: "Čapek" },
    });
    const created = await createImport({
      ctx: marketer,
      input: { filename: "people.csv", mapping: { email: "Email", firstName: "First", lastName: "Last" } },
    });
    const csv = [
      "Email,First,Last",
      "bozena@example.com,Božena,Němcová",
      "karel@example.com,,Capek-Chod",
      "jan.novak@example.com,,",
    ].join("\n");
    async function* source() {
      yield Buffer.from(csv);
    }
    await runImport({ ctx: marketer, input: { importId: created.id, source: source() } });

    expect(await find("Němcová")).toEqual(["Božena Němcová"]);
    expect(await find("bozena@")).toEqual(["Božena Němcová"]);
    // The file gave Karel a new last name and no first name: the stored first name still finds him.
    expect(await find("karel chod")).toEqual(["Karel Capek-Chod"]);
    expect(await find("čapek")).toEqual(["Karel Capek-Chod"]);
    expect(await tokensOf(existing.id)).toEqual(
      contactSearchTokens(workspaceId, { firstName: "Karel", lastName: "Capek-Chod", email: "karel@example.com" }),
    );
    // A row with only the address changes nothing.
    expect(await find("Jan Novák")).toEqual(["Jan Novák"]);
  });

  it("an import: a name changed between the batch's lookup and its update still gets its tokens", async () => {
    const { contact: existing } = await upsertContact({
      ctx: marketer,
      input: { email: "vitezslav@example.com", firstName: "Vítězslav", lastName: "Nezval" },
    });
    const created = await createImport({
      ctx: marketer,
      input: { filename: "poets.csv", mapping: { email: "Email", firstName: "First", lastName: "Last" } },
    });
    async function* source() {
      yield Buffer.from("Email,First,Last\nvitezslav@example.com,,Nezvalová\n");
    }
    // Another writer renames the contact right after the batch's lookup read the stored name (here
    // in the batch's own transaction, which the update sees the same way as a concurrent commit).
    const dialect = new PgDialect();
    const renaming = (tx: Queryable): Queryable =>
      new Proxy(tx, {
        get(target, prop, receiver) {
          if (prop !== "execute") return Reflect.get(target, prop, receiver) as unknown;
          return async (query: SQL) => {
            const result = await (target as { execute(q: SQL): Promise<unknown> }).execute(query);
            if (dialect.sqlToQuery(query).sql.includes("this_import_line"))
              await (target as { execute(q: SQL): Promise<unknown> }).execute(
                sql`update contacts set first_name_ciphertext = ${encryptOptional("Vítek", "contact.first_name")} where id = ${existing.id}`,
              );
            return result;
          };
        },
      });
    const db = new Proxy(handle.db, {
      get(target, prop, receiver) {
        if (prop !== "transaction") return Reflect.get(target, prop, receiver) as unknown;
        return (work: (tx: Queryable) => Promise<unknown>) => target.transaction((tx) => work(renaming(tx)));
      },
    });
    await runImport({ ctx: { ...marketer, db }, input: { importId: created.id, source: source() } });

    expect(await tokensOf(existing.id)).toEqual(
      contactSearchTokens(workspaceId, { firstName: "Vítek", lastName: "Nezvalová", email: "vitezslav@example.com" }),
    );
    expect(await find("vitek nezvalova")).toEqual(["Vítek Nezvalová"]);
  });
});

describe("backfillSearchTokens", () => {
  it("fills contacts written without tokens, skips erased and phone-only ones, and is cheap once done", async () => {
    const insert = async (values: Partial<typeof contacts.$inferInsert>) => {
      const [row] = await handle.db
        .insert(contacts)
        .values({ workspaceId, ...values })
        .returning({ id: contacts.id });
      return row!.id;
    };
    const legacy = await insert({
      emailCiphertext: encryptOptional("old.timer@example.com", "contact.email"),
      firstNameCiphertext: encryptOptional("Oldřich", "contact.first_name"),
    });
    const lastNameOnly = await insert({ lastNameCiphertext: encryptOptional("Lastonly", "contact.last_name") });
    const erased = await insert({
      firstNameCiphertext: encryptOptional("Erased", "contact.first_name"),
      erasedAt: new Date(),
    });
    const phoneOnly = await insert({ phoneCiphertext: encryptOptional("+14155550100", "contact.phone") });
    const punctuation = await insert({ firstNameCiphertext: encryptOptional("--", "contact.first_name") });
    expect(await find("oldrich")).toEqual([]);

    const result = await backfillSearchTokens({ ctx: { db: handle.db, now: systemClock }, input: { batchSize: 2 } });
    expect(result).toEqual({ filled: 2, skipped: 1 });
    expect(await find("oldrich")).toEqual(["Oldřich"]);
    expect(await find("old.tim")).toEqual(["Oldřich"]);
    expect(await find("lastonly")).toEqual(["Lastonly"]);
    expect(await tokensOf(legacy)).toEqual(
      contactSearchTokens(workspaceId, { firstName: "Oldřich", email: "old.timer@example.com" }),
    );
    expect(await tokensOf(lastNameOnly)).toHaveLength(1);
    expect(await tokensOf(erased)).toEqual([]);
    expect(await tokensOf(phoneOnly)).toEqual([]);
    expect(await tokensOf(punctuation)).toEqual([]);

    // Nothing left to fill: one query, through the index.
    expect(await backfillSearchTokens({ ctx: { db: handle.db, now: systemClock } })).toEqual({
      filled: 0,
      skipped: 1,
    });
    expect(
      await plan(sql`select id from contacts where search_tokens = '{}'::text[] and erased_at is null limit 500`),
    ).toContain("contacts_search_tokens_idx");
  });
});
