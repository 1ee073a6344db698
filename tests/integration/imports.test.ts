import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { blindIndex, decryptPii } from "@/server/lib/crypto";
import { CONSENT_EVIDENCE_PURPOSE } from "@/db/schema";
import { fixedClock } from "@/server/lib/clock";
import type { ServiceContext } from "@/server/services/context";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { findContacts, upsertContact } from "@/server/services/contacts";
import { getConsentStates } from "@/server/services/consent/get-consent-states";
import { suppressAddress } from "@/server/services/suppressions/suppress-address";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createImport } from "@/server/services/imports/create-import";
import { exportContactsCsv } from "@/server/services/imports/export-contacts-csv";
import { getImport } from "@/server/services/imports/get-import";
import { listImports } from "@/server/services/imports/list-imports";
import { rejectionsCsv } from "@/server/services/imports/rejections-csv";
import { runImport } from "@/server/services/imports/run-import";
import { IMPORT_BATCH_SIZE } from "@/server/services/imports/run-steps";
import type { TCreateImportInput } from "@/server/services/imports/schemas";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

let handle: DbHandle;
let workspaceId: string;
let marketer: ServiceContext;
let admin: ServiceContext;
let marketerId: string;

const clock = fixedClock("2026-06-01T12:00:00Z");

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  const m = await createMember(handle.db, ws.id, "marketer");
  marketerId = m.user.id;
  marketer = { ...m.ctx, now: clock };
  admin = { ...(await createMember(handle.db, ws.id, "admin")).ctx, now: clock };
});
afterAll(async () => {
  await closeDb();
});

const MAPPING: TCreateImportInput["mapping"] = {
  email: "Email",
  phone: "Mobile",
  firstName: "First name",
  timezone: "tz",
  tags: "tags",
  consentStatus: "consent",
  consentAt: "consent_at",
  consentSource: "source",
  attributes: { plan: "plan" },
};

async function importCsv(csv: string | string[], mapping = MAPPING, options: Partial<TCreateImportInput> = {}) {
  const created = await createImport({
    ctx: marketer,
    input: {
      filename: "list.csv",
      mapping,
      topicKeys: ["newsletter", "promotions"],
      channels: ["email", "sms"],
      ...options,
    },
  });
  const chunks = Array.isArray(csv) ? csv : [csv];
  async function* source() {
    for (const chunk of chunks) yield Buffer.from(chunk);
  }
  const result = await runImport({ ctx: marketer, input: { importId: created.id, source: source() } });
  return result;
}

async function rejectionsOf(importId: string): Promise<string> {
  let text = "";
  for await (const chunk of await rejectionsCsv({ ctx: marketer, input: { importId } })) text += chunk;
  return text;
}

const header = "Email,Mobile,First name,tz,tags,consent,consent_at,source,plan\n";

describe("CSV import", () => {
  it("imports rows, rejects invalid ones with their line and column, and drops in-file duplicates (first wins)", async () => {
    const csv =
      header +
      "ann@example.com,(415) 555-2671,Ann,America/New_York,vip;beta,yes,2026-05-01T10:00:00Z,web form,gold\n" + // line 2
      "not-an-email,,Bob,,,,,,\n" + // line 3: bad email
      "ANN@example.com,,Ann again,,,,,,\n" + // line 4: duplicate of 2 (email)
      "carl@example.com,415 555 2671,Carl,,,,,,\n" + // line 5: duplicate of 2 (phone)
      "dora@example.com,,Dora,Mars/Base,,maybe,2026-05-01,,\n" + // line 6: bad tz + consent value
      "eve@example.com,,Eve,,,opted_in,,,\n" + // line 7: opt-in without date
      '"frank@example.com",,"Frank, Jr.",Europe/Paris,,no,,,silver\n'; // line 8: ok, opt-out without date
    const result = await importCsv(csv);
    expect(result).toMatchObject({
      status: "completed",
      processedRows: 7,
      totalRows: 7,
      insertedRows: 2,
      updatedRows: 0,
      rejectedRows: 5,
    });
    // ann: newsletter/email + promotions/sms; frank: newsletter/email opt-out
    expect(result.consentEvents).toBe(3);

    const report = await rejectionsOf(result.id);
    const lines = report.trim().split("\r\n");
    expect(lines[0]).toBe("line,column,reason");
    expect(lines).toContain("3,Email,email is not a valid email address");
    expect(lines).toContain("4,Email,duplicate of line 2");
    expect(lines).toContain("5,Mobile,duplicate of line 2");
    expect(lines).toContain("6,tz,is not an IANA time zone such as America/New_York");
    expect(lines.some((l) => l.startsWith('6,consent,"consent status must be'))).toBe(true);
    expect(lines).toContain("7,consent_at,an opt-in needs a consent date");
    expect(report).not.toContain("not-an-email");
    expect(report).not.toContain("Mars");

    const [ann] = await findContacts({ ctx: marketer, input: { email: "ann@example.com" } });
    expect(ann).toMatchObject({
      phone: "+14155552671",
      firstName: "Ann",
      timezone: "America/New_York",
      tags: ["vip", "beta"],
      attributes: { plan: "gold" },
    });
    const [frank] = await findContacts({ ctx: marketer, input: { email: "frank@example.com" } });
    expect(frank?.firstName).toBe("Frank, Jr.");
  });

  it("updates existing contacts instead of duplicating them: attributes merged, tags added, empty cells keep values", async () => {
    const { contact } = await upsertContact({
      ctx: marketer,
      input: {
        email: "gina@example.com",
        firstName: "Gina",
        tags: ["old"],
        attributes: { plan: "bronze", city: "Oslo" },
      },
    });
    const result = await importCsv(header + "Gina@Example.com,+1 212 555 0100,,,new,,,,platinum\n");
    expect(result).toMatchObject({ insertedRows: 0, updatedRows: 1, rejectedRows: 0 });
    const rows = await handle.queryRows<{ n: number }>(
      "select count(*)::int as n from contacts where workspace_id = $1 and email_hash = $2",
      [workspaceId, blindIndex(workspaceId, "email", "gina@example.com")],
    );
    expect(rows[0]!.n).toBe(1);
    const [gina] = await findContacts({ ctx: marketer, input: { email: "gina@example.com" } });
    expect(gina).toMatchObject({
      id: contact.id,
      firstName: "Gina",
      phone: "+12125550100",
      tags: ["old", "new"],
      attributes: { plan: "platinum", city: "Oslo" },
    });
  });

  it("records consent events with source import, the uploader as actor and the row's consent time", async () => {
    const result = await importCsv(header + "hana@example.com,,Hana,,,subscribed,2026-04-02T08:30:00Z,Spring fair,\n");
    const events = await handle.queryRows<Record<string, unknown>>(
      "select e.source::text, e.action::text, e.actor_type, e.actor_id, e.occurred_at, e.batch_id::text, e.evidence, e.channel::text, t.key from consent_events e join topics t on t.id = e.topic_id where e.batch_id = $1",
      [result.id],
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: "import",
      action: "opted_in",
      actor_type: "user",
      actor_id: marketerId,
      channel: "email",
      key: "newsletter",
    });
    // The note is evidence that identifies a request: stored encrypted, like every ledger note.
    const evidence = events[0]!.evidence as { sealed?: string; note?: string };
    expect(evidence.note).toBeUndefined();
    expect(JSON.parse(decryptPii(evidence.sealed!, CONSENT_EVIDENCE_PURPOSE))).toEqual({ note: "Spring fair" });
    expect(new Date(events[0]!.occurred_at as string).toISOString()).toBe("2026-04-02T08:30:00.000Z");
    const [hana] = await findContacts({ ctx: marketer, input: { email: "hana@example.com" } });
    const { states } = await getConsentStates({ ctx: marketer, input: { id: hana!.id } });
    expect(states).toEqual([
      expect.objectContaining({ channel: "email", topic: "newsletter", status: "opted_in", source: "import" }),
    ]);
  });

  it("never resurrects an opted-out address: an older opt-in in the file leaves it opted out", async () => {
    const { contact } = await upsertContact({ ctx: marketer, input: { email: "ivan@example.com" } });
    const { contact: later } = await upsertContact({ ctx: marketer, input: { email: "jill@example.com" } });
    // Both opted out on 2026-05-20 (recorded then).
    const optOutClock = fixedClock("2026-05-20T09:00:00Z");
    for (const id of [contact.id, later.id]) {
      await recordConsentChange({
        ctx: { ...marketer, now: optOutClock },
        input: { contactId: id, channel: "email", topicKey: "newsletter", action: "opted_out", source: "one_click" },
      });
    }
    const result = await importCsv(
      header +
        "ivan@example.com,,,,,opted_in,2026-01-15T00:00:00Z,old list,\n" + // before the opt-out → ignored by the projection
        "jill@example.com,,,,,opted_in,2026-05-25T00:00:00Z,new form,\n", // after the opt-out was recorded → a new opt-in
    );
    expect(result.consentEvents).toBe(2); // both land in the ledger
    const ivan = await getConsentStates({ ctx: marketer, input: { id: contact.id } });
    expect(ivan.states).toEqual([expect.objectContaining({ topic: "newsletter", status: "opted_out" })]);
    const jill = await getConsentStates({ ctx: marketer, input: { id: later.id } });
    expect(jill.states).toEqual([
      expect.objectContaining({ topic: "newsletter", status: "opted_in", source: "import" }),
    ]);
  });

  it("an import opt-out overrides an opt-in whatever its date", async () => {
    const { contact } = await upsertContact({ ctx: marketer, input: { email: "kim@example.com" } });
    await recordConsentChange({
      ctx: marketer,
      input: { contactId: contact.id, channel: "email", topicKey: "newsletter", action: "opted_in", source: "form" },
    });
    await importCsv(header + "kim@example.com,,,,,unsubscribed,2020-01-01,,\n");
    const kim = await getConsentStates({ ctx: marketer, input: { id: contact.id } });
    expect(kim.states).toEqual([expect.objectContaining({ status: "opted_out", source: "import" })]);
  });

  it("never opts in a suppressed address: the opt-in is skipped and reported as suppressed", async () => {
    await suppressAddress({
      ctx: marketer,
      input: {
        channel: "email",
        addressHash: blindIndex(workspaceId, "email", "lou@example.com"),
        reason: "complaint",
        source: "test",
      },
    });
    await suppressAddress({
      ctx: marketer,
      input: {
        channel: "sms",
        addressHash: blindIndex(workspaceId, "phone", "+13125550199"),
        reason: "sms_stop",
        source: "test",
      },
    });
    const result = await importCsv(header + "lou@example.com,312-555-0199,Lou,,,yes,2026-05-30T00:00:00Z,,\n");
    expect(result).toMatchObject({ insertedRows: 1, rejectedRows: 1, consentEvents: 0 });
    const [lou] = await findContacts({ ctx: marketer, input: { email: "lou@example.com" } });
    expect((await getConsentStates({ ctx: marketer, input: { id: lou!.id } })).states).toEqual([]);
    const report = await rejectionsOf(result.id);
    expect(report).toContain("2,Email,suppressed: the opt-in on email was not recorded");
    expect(report).toContain("2,Mobile,suppressed: the opt-in on sms was not recorded");
  });

  it("never revives an erased contact", async () => {
    const { contact } = await upsertContact({ ctx: marketer, input: { email: "erased@example.com" } });
    await handle.queryRows("update contacts set erased_at = now(), email_ciphertext = null where id = $1", [
      contact.id,
    ]);
    const result = await importCsv(header + "erased@example.com,,Back,,,,,,\n");
    expect(result).toMatchObject({ insertedRows: 0, updatedRows: 0, rejectedRows: 1 });
    expect(await rejectionsOf(result.id)).toContain("contact was erased");
  });

  it("finds duplicates of rows written by an earlier batch (first wins), including a contact that existed before", async () => {
    const before = await upsertContact({ ctx: marketer, input: { email: "cross-old@example.com" } });
    const lines = [header.trim()];
    lines.push("cross-old@example.com,,Old,,,,,,first"); // line 2: updates the existing contact
    lines.push("cross-a@example.com,+1 415 555 0199,A,,,,,,first"); // line 3: new contact
    for (let i = 0; i < IMPORT_BATCH_SIZE + 10; i++) lines.push(`cross-filler${i}@example.com,,F,,,,,,`);
    const late = lines.length + 1; // the next line's number
    lines.push("CROSS-OLD@example.com,,Old again,,,,,,second"); // duplicate of line 2 (email), a later batch
    lines.push("cross-b@example.com,(415) 555-0199,B,,,,,,second"); // duplicate of line 3 (phone), a later batch
    const result = await importCsv(lines.join("\n") + "\n");
    expect(result).toMatchObject({
      status: "completed",
      processedRows: IMPORT_BATCH_SIZE + 14,
      rejectedRows: 2,
      updatedRows: 1,
    });

    const report = (await rejectionsOf(result.id)).trim().split("\r\n");
    expect(report).toContain(`${late},Email,duplicate of line 2`);
    expect(report).toContain(`${late + 1},Mobile,duplicate of line 3`);
    const [old] = await findContacts({ ctx: marketer, input: { email: "cross-old@example.com" } });
    expect(old!.id).toBe(before.contact.id);
    expect(old!.firstName).toBe("Old");
    expect(old!.attributes).toMatchObject({ plan: "first" });
    expect(await findContacts({ ctx: marketer, input: { email: "cross-b@example.com" } })).toHaveLength(0);
  }, 120_000);

  it("streams a 20,000-row file split at arbitrary byte boundaries; counters end equal to the totals", async () => {
    const lines = [header.trim()];
    for (let i = 0; i < 20_000; i++) {
      const bad = i % 100 === 7;
      const dup = i % 50 === 9 && i > 0;
      lines.push(
        `${bad ? "bad-address" : dup ? `bulk${i - 1}@example.com` : `bulk${i}@example.com`},,Name ${i},Europe/Berlin,bulk,${i % 3 === 0 ? "yes" : "no"},2026-03-01T00:00:00Z,bulk,p${i % 5}`,
      );
    }
    const text = lines.join("\r\n") + "\r\n";
    const chunks: string[] = [];
    for (let at = 0; at < text.length; at += 65_521) chunks.push(text.slice(at, at + 65_521));
    const result = await importCsv(chunks);
    const bad = 200;
    const dups = Array.from({ length: 20_000 }, (_, i) => i).filter(
      (i) => i % 50 === 9 && i > 0 && (i - 1) % 100 !== 7,
    ).length;
    expect(result.processedRows).toBe(20_000);
    expect(result.totalRows).toBe(20_000);
    expect(result.rejectedRows).toBe(bad + dups);
    expect(result.insertedRows + result.updatedRows + result.rejectedRows).toBe(20_000);
    expect(result.insertedRows).toBe(20_000 - bad - dups);
    expect(result.consentEvents).toBe(result.insertedRows);
    const fetched = await getImport({ ctx: marketer, input: { id: result.id } });
    expect(fetched).toEqual(result);
  }, 120_000);

  it("runs once: a second upload to the same import is refused", async () => {
    const created = await createImport({ ctx: marketer, input: { mapping: { email: "email" } } });
    await runImport({
      ctx: marketer,
      input: { importId: created.id, source: Readable.from(["email\nonce@example.com\n"]) },
    });
    await expect(
      runImport({
        ctx: marketer,
        input: { importId: created.id, source: Readable.from(["email\nonce@example.com\n"]) },
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await listImports({ ctx: marketer })).map((i) => i.id)).toContain(created.id);
  });

  it("refuses unknown topics and topics not offered on the chosen channel", async () => {
    await expect(
      createImport({
        ctx: marketer,
        input: {
          mapping: { email: "e", consentStatus: "c", consentAt: "d" },
          topicKeys: ["nope"],
          channels: ["email"],
        },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(
      createImport({
        ctx: marketer,
        input: {
          mapping: { email: "e", consentStatus: "c", consentAt: "d" },
          topicKeys: ["promotions"],
          channels: ["email"],
        },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
  });

  it("audits the start and the end with counts, never PII", async () => {
    const result = await importCsv(header + "audit@example.com,,,,,,,,\n");
    const rows = await handle.queryRows<{ action: string; after: Record<string, unknown> }>(
      "select action, after from audit_log where target_id = $1 order by seq",
      [result.id],
    );
    expect(rows.map((r) => r.action)).toEqual(["import.started", "import.completed"]);
    expect(rows[1]!.after).toMatchObject({ rows: 1, inserted: 1 });
    expect(JSON.stringify(rows)).not.toContain("audit@example.com");
  });
});

describe("contacts export", () => {
  it("streams decrypted contacts with formula cells escaped, and audits the row count", async () => {
    await upsertContact({
      ctx: marketer,
      input: {
        email: "formula@example.com",
        firstName: '=HYPERLINK("http://evil")',
        lastName: "@SUM(A1)",
        attributes: { note: "-2+3" },
      },
    });
    let csv = "";
    for await (const chunk of await exportContactsCsv({ ctx: admin })) csv += chunk;
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("id,email,phone,first_name,last_name,locale,timezone,tags,attributes,created_at,updated_at");
    const row = lines.find((l) => l.includes("formula@example.com"))!;
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(row).toContain(",'@SUM(A1),");
    expect(csv).toContain("'+14155552671");
    const audit = await handle.queryRows<{ after: Record<string, unknown> }>(
      "select after from audit_log where action = 'contacts.exported' order by seq desc limit 1",
    );
    expect(audit[0]!.after).toMatchObject({ rows: lines.length - 1, completed: true });
  });

  it("is for admins only", async () => {
    await expect(exportContactsCsv({ ctx: marketer })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
