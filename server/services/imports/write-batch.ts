import { createHash } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import type { Channel } from "@/db/schema";
import type { Actor } from "../context";
import { withdrawConsentForReplacedAddress } from "../consent/withdraw-consent-for-replaced-address";
import { emailSearchTokens, mergeSearchTokens, nameSearchTokens } from "../contacts/search-tokens";
import { decryptOptional } from "@/server/lib/crypto";
import type { Queryable } from "@/db/client";
import type { Clock } from "@/server/lib/clock";
import { inTransaction } from "../context";
import { CONSENT_PROJECTION_CONFLICT, CONSENT_STATE_COLUMNS } from "./consent-projection-sql";
import type { PreparedRow, RowRejection } from "./prepare-rows";
import { uuidv7 } from "./uuid-v7";
import { copyRows } from "./copy-rows";
import { lockKeysInOrder } from "@/server/lib/advisory-locks";
import { pgTextArray } from "@/server/lib/pg-array";
import { classLockSql } from "@/server/lib/advisory-locks";

/** What a batch writer needs to know about its import, resolved once per run. */
export interface ImportJob {
  importId: string;
  workspaceId: string;
  actorType: string;
  actorId: string | null;
  /** The same actor, for the consent writer (address changes withdraw consent through it). */
  actor: Actor;
  now: Clock;
  /** (topic, channel) pairs the consent column applies to; the topic offers the channel. */
  pairs: { topicId: string; channel: Channel }[];
  emailColumn: string;
  phoneColumn: string;
  /** The run writing the import: every batch is fenced on it (see `ImportSupersededError`). */
  runId?: string;
}

/** Another run took the import over (it was taken for interrupted): this run's batch rolls back. */
export class ImportSupersededError extends Error {
  constructor(readonly importId: string) {
    super("The import is being written by another run");
    this.name = "ImportSupersededError";
  }
}

export interface BatchCounts {
  processed: number;
  inserted: number;
  updated: number;
  rejected: number;
  consentEvents: number;
}

/** Columns of the batch's staging table, in the order `writeBatchOnce` stages them. */
const STAGE_COLUMNS = [
  "is_new",
  "id",
  "ec",
  "eh",
  "pc",
  "ph",
  "fn",
  "ln",
  "loc",
  "tz",
  "tags",
  "attrs",
  "st",
  "line",
  "pcc",
  "rfn",
  "rln",
  "rem",
];

/** Columns of the batch's consent staging table, in the order `writeBatchOnce` stages them. */
const CONSENT_STAGE_COLUMNS = ["is_new", "n", "contact_id", "action", "occurred_at", "mask", "note"];

/** First key of the advisory lock that serialises import batches of one workspace ("IMPT"). */
const IMPORT_LOCK = 0x494d_5054;

async function rows<T>(tx: Queryable, query: SQL): Promise<T[]> {
  const result = (await tx.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === "23505") return true;
  }
  return false;
}

interface ExistingContact {
  id: string;
  email_hash: string | null;
  phone_hash: string | null;
  erased: boolean;
  /** The line of this import that last wrote the contact (an earlier batch), else null. */
  this_import_line: number | null;
  /** Stored ciphertexts the contact's search tokens come from (see `updatedContactTokens`). */
  first_name: string | null;
  last_name: string | null;
  email: string | null;
}

/** Whether the row gives this field (an empty cell keeps the contact's stored value). */
function rowGives(row: PreparedRow, field: "first_name" | "last_name" | "email"): boolean {
  return (
    (field === "first_name"
      ? row.firstNameCiphertext
      : field === "last_name"
        ? row.lastNameCiphertext
        : row.emailCiphertext) !== null
  );
}

/**
 * The search tokens of an existing contact once the row is applied: the row's names and email,
 * and for the fields the row leaves empty the stored values, as the lookup read them. The update
 * writes them in the same statement, unless one of those stored values changed since the lookup
 * (another writer between the two statements): then it keeps the tokens and reports the contact
 * stale, and `rewriteSearchTokens` recomputes them from the values the update itself read back.
 */
function updatedContactTokens(
  ws: string,
  row: PreparedRow,
  stored: Pick<ExistingContact, "first_name" | "last_name" | "email">,
): string {
  // The row's tokens are already distinct and sorted: only the stored fields it lacks add to them.
  const fromStored = [
    rowGives(row, "first_name") ? null : nameSearchTokens(ws, decryptOptional(stored.first_name, "contact.first_name")),
    rowGives(row, "last_name") ? null : nameSearchTokens(ws, decryptOptional(stored.last_name, "contact.last_name")),
    rowGives(row, "email") ? null : emailSearchTokens(ws, decryptOptional(stored.email, "contact.email")),
  ];
  if (fromStored.every((list) => !list?.length)) return row.searchTokens ?? "";
  return mergeSearchTokens(row.searchTokens ? row.searchTokens.split(",") : null, ...fromStored).join(",");
}

/** A contact the update left stale (see `updatedContactTokens`): its stored values, read back under the update's lock. */
interface StaleContact {
  id: string;
  stale: boolean;
  /** Ciphertexts of the fields the row had no value for (null where the row gave one). */
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  /** md5 of the stored tokens, comma-joined: unchanged tokens are not sent again. */
  tokens_md5: string;
}

/**
 * 6a. The search tokens of the stale contacts (rare: a concurrent edit of a name or email between
 * the lookup and the update), from their names and email as they are now: the row's values, and
 * for the fields the row left empty the stored values, read back by the update itself (the rows
 * are locked by it, so no other writer changes them in between). Only contacts whose tokens
 * changed are written, in one statement.
 */
async function rewriteSearchTokens(
  tx: Queryable,
  ws: string,
  updates: PreparedRow[],
  stale: StaleContact[],
): Promise<void> {
  if (!stale.length) return;
  const byId = new Map(updates.map((row) => [row.id, row]));
  const ids: string[] = [];
  const tokenLists: string[] = [];
  for (const contact of stale) {
    const row = byId.get(contact.id);
    if (!row) continue;
    const tokens = updatedContactTokens(ws, row, contact);
    if (createHash("md5").update(tokens).digest("hex") === contact.tokens_md5) continue;
    ids.push(contact.id);
    tokenLists.push(tokens);
  }
  if (!ids.length) return;
  await tx.execute(sql`
    update contacts as c set search_tokens = coalesce(string_to_array(nullif(u.st, ''), ','), '{}'::text[])
      from unnest(${pgTextArray(ids)}::uuid[], ${pgTextArray(tokenLists)}::text[]) as u(id, st)
     where c.id = u.id and c.workspace_id = ${ws}`);
}

/**
 * Writes one batch in one transaction, set-based, whatever the batch size: one lookup (keys as
 * `text[]` literals); the contact rows staged with one COPY into a temporary table dropped at
 * commit, then one insert and one update reading it (the update writes the search tokens too);
 * the consent rows staged the same way, then one ledger insert and one projection insert per new /
 * existing contacts; one statement for rejections, one for the counters. (A contact whose stored
 * name or email changed between the lookup and the update gets one more statement for its
 * tokens, 6a.) The transaction commits without waiting for its WAL flush
 * (`synchronous_commit = off`, local to it): the import's final, synchronous transaction flushes
 * every batch before the import reads as completed.
 *
 * Locking: batches of one workspace's imports are serialised by a workspace-level advisory lock
 * (so two imports can never deadlock on each other's contact locks). Consent for contacts that
 * existed before the batch is written under the same per-contact advisory lock as
 * `recordConsentChange` (`hashtextextended(contact_id, 0)`), because that function reads the
 * state and then writes it unconditionally: without the lock, an import opt-out committed between
 * its read and its write would be overwritten. Contacts created by the batch need no lock: no
 * other transaction can see them before the batch commits. `recorded_at` is taken after the locks.
 *
 * A unique violation (another writer created one of the addresses after our lookup) rolls the
 * batch back; it is retried once, when the lookup sees the new contact and updates it instead.
 */
export async function writeBatch(
  db: Queryable,
  job: ImportJob,
  batch: {
    rows: PreparedRow[];
    rejections: RowRejection[];
    rejectedLines: Set<number>;
    processed: number;
    lastLine?: number;
  },
): Promise<BatchCounts> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await inTransaction(db, (tx) => writeBatchOnce(tx, job, batch));
    } catch (error) {
      if (attempt === 0 && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

async function writeBatchOnce(
  tx: Queryable,
  job: ImportJob,
  batch: {
    rows: PreparedRow[];
    rejections: RowRejection[];
    rejectedLines: Set<number>;
    processed: number;
    lastLine?: number;
  },
): Promise<BatchCounts> {
  const ws = job.workspaceId;
  // The batch commits without waiting for its WAL flush: the import's final transaction (the
  // "completed" status, synchronous) flushes everything before it, and a crash mid-import leaves
  // the import unfinished either way. Saves one fsync wait per batch.
  await tx.execute(sql`select set_config('synchronous_commit', 'off', true), ${classLockSql(IMPORT_LOCK, ws)}`);
  const rejections = [...batch.rejections];
  const rejectedLines = new Set(batch.rejectedLines);
  const reject = (line: number, column: string | null, reason: string) => {
    rejections.push({ line, column, reason });
    rejectedLines.add(line);
  };

  // 1. Existing contacts by blind index: one probe of the unique index per address, whatever the
  //    planner thinks of the table's size (a lateral subquery per hash, kept apart by `offset 0`:
  //    with `= any(…)` and statistics taken before the import filled the table, the planner
  //    scanned all contacts).
  const emailHashes: string[] = [];
  const phoneHashes: string[] = [];
  for (const row of batch.rows) {
    if (row.emailHash) emailHashes.push(row.emailHash);
    if (row.phoneHash) phoneHashes.push(row.phoneHash);
  }
  const lookupColumns = sql`select id::text as id, email_hash, phone_hash, erased_at is not null as erased,
      case when import_id = ${job.importId}::uuid then import_line end as this_import_line,
      first_name_ciphertext as first_name, last_name_ciphertext as last_name, email_ciphertext as email
    from contacts`;
  const existing =
    batch.rows.length === 0
      ? []
      : await rows<ExistingContact>(
          tx,
          sql`select c.* from unnest(${pgTextArray(emailHashes)}::text[]) as h(hash)
                cross join lateral (${lookupColumns} where workspace_id = ${ws} and email_hash is not null and email_hash = h.hash offset 0) as c
              union
              select c.* from unnest(${pgTextArray(phoneHashes)}::text[]) as h(hash)
                cross join lateral (${lookupColumns} where workspace_id = ${ws} and phone_hash is not null and phone_hash = h.hash offset 0) as c`,
        );
  const byEmail = new Map<string, ExistingContact>();
  const byPhone = new Map<string, ExistingContact>();
  for (const contact of existing) {
    if (contact.email_hash) byEmail.set(contact.email_hash, contact);
    if (contact.phone_hash) byPhone.set(contact.phone_hash, contact);
  }

  // 2. Resolve each row to a new or an existing contact.
  // The rows themselves, their `id` set to the contact they write (no copies: a batch's rows live
  // across all its statements, so every per-row object is one the collector promotes).
  const inserts: PreparedRow[] = [];
  const updates: PreparedRow[] = [];
  const storedOf = new Map<PreparedRow, ExistingContact>();
  const targetedBy = new Map<string, number>();
  const addressChanges: { contactId: string; channel: Channel }[] = [];
  for (const row of batch.rows) {
    const e = row.emailHash ? byEmail.get(row.emailHash) : undefined;
    const ph = row.phoneHash ? byPhone.get(row.phoneHash) : undefined;
    // An address an earlier batch of this file already wrote: a duplicate within the file (the
    // first occurrence wins), as prepareBatch reports for duplicates within one batch.
    const firstByEmail = e?.this_import_line ?? 0;
    const firstByPhone = ph?.this_import_line ?? 0;
    if (firstByEmail || firstByPhone) {
      const useEmail = firstByEmail > 0 && (!firstByPhone || firstByEmail <= firstByPhone);
      reject(
        row.line,
        useEmail ? job.emailColumn : job.phoneColumn,
        `duplicate of line ${useEmail ? firstByEmail : firstByPhone}`,
      );
      continue;
    }
    if (e && ph && e.id !== ph.id) {
      reject(row.line, job.emailColumn, "email and phone belong to two different contacts");
      continue;
    }
    const match = e ?? ph;
    if (!match) {
      row.id = uuidv7();
      inserts.push(row);
      continue;
    }
    if (match.erased) {
      reject(row.line, e ? job.emailColumn : job.phoneColumn, "contact was erased and cannot be recreated");
      continue;
    }
    const earlier = targetedBy.get(match.id);
    if (earlier !== undefined) {
      reject(row.line, e ? job.emailColumn : job.phoneColumn, `duplicate of line ${earlier} (same contact)`);
      continue;
    }
    targetedBy.set(match.id, row.line);
    row.id = match.id;
    updates.push(row);
    storedOf.set(row, match);
    // A stored address replaced by another (or added where stale consent exists): the consent of
    // the old address is withdrawn after the update below, before the row's own consent.
    if (row.emailHash && row.emailHash !== match.email_hash)
      addressChanges.push({ contactId: match.id, channel: "email" });
    if (row.phoneHash && row.phoneHash !== match.phone_hash)
      addressChanges.push({ contactId: match.id, channel: "sms" });
  }

  // 3. Suppressed addresses never get an opt-in.
  const hasEmailChannel = job.pairs.some((pair) => pair.channel === "email");
  const hasSmsChannel = job.pairs.some((pair) => pair.channel === "sms");
  const consentOf = (list: PreparedRow[]) => (job.pairs.length > 0 ? list.filter((row) => row.consent) : []);
  const newWithConsent = consentOf(inserts);
  const oldWithConsent = consentOf(updates);
  const optInEmails: string[] = [];
  const optInPhones: string[] = [];
  for (const list of [newWithConsent, oldWithConsent]) {
    for (const r of list) {
      if (r.consent !== "opted_in") continue;
      if (hasEmailChannel && r.emailHash) optInEmails.push(r.emailHash);
      if (hasSmsChannel && r.phoneHash) optInPhones.push(r.phoneHash);
    }
  }
  const suppressed = new Set<string>();
  if (optInEmails.length || optInPhones.length) {
    const found = await rows<{ channel: Channel; address_hash: string }>(
      tx,
      sql`select 'email' as channel, address_hash from suppressions
           where workspace_id = ${ws} and channel = 'email' and address_hash = any(${pgTextArray(optInEmails)}::text[])
          union all
          select 'sms' as channel, address_hash from suppressions
           where workspace_id = ${ws} and channel = 'sms' and address_hash = any(${pgTextArray(optInPhones)}::text[])`,
    );
    for (const s of found) suppressed.add(`${s.channel}:${s.address_hash}`);
  }

  // 4. Lock the pre-existing contacts whose consent this batch changes, then take the time.
  if (oldWithConsent.length || addressChanges.length) {
    await lockKeysInOrder(tx, [
      ...new Set([...oldWithConsent.map((r) => r.id), ...addressChanges.map((c) => c.contactId)]),
    ]);
  }
  const now = job.now();
  const nowText = now.toISOString();

  // 5. The batch's contact rows, new and existing, into a staging table of the transaction
  //    (temporary, dropped at commit: no WAL, nothing left behind, fine behind a transaction-mode
  //    pooler) with one COPY; the insert and the update below read it. Rows of existing contacts
  //    carry their search tokens and the stored values those rest on (r*, only for the fields the
  //    row leaves empty; see 6).
  const storedFor = (r: PreparedRow, field: "first_name" | "last_name" | "email") =>
    rowGives(r, field) ? null : storedOf.get(r)![field];
  if (inserts.length || updates.length) {
    await tx.execute(sql`
      create temporary table import_stage (is_new boolean not null, id uuid not null, ec text, eh text, pc text, ph text,
        fn text, ln text, loc text, tz text, tags text, attrs text, st text, line int not null, pcc text,
        rfn text, rln text, rem text) on commit drop`);
    // One line per contact in STAGE_COLUMNS order; `stored` = the existing contact's stored name and
    // email for the token rewrite fallback (null for new contacts).
    const stageLine = (
      isNew: boolean,
      r: PreparedRow,
      tokens: string | null,
      stored: [string | null, string | null, string | null],
    ): (string | null)[] => [
      isNew ? "t" : "f",
      r.id,
      r.emailCiphertext,
      r.emailHash,
      r.phoneCiphertext,
      r.phoneHash,
      r.firstNameCiphertext,
      r.lastNameCiphertext,
      r.locale,
      r.timezone,
      r.tags,
      r.attributes,
      tokens,
      String(r.line),
      r.phoneCountry,
      ...stored,
    ];
    // Rendered as COPY sends them (each line short-lived).
    function* staged() {
      for (const r of inserts) yield stageLine(true, r, r.searchTokens, [null, null, null]);
      for (const r of updates)
        yield stageLine(false, r, updatedContactTokens(ws, r, storedOf.get(r)!), [
          storedFor(r, "first_name"),
          storedFor(r, "last_name"),
          storedFor(r, "email"),
        ]);
    }
    await copyRows(tx, "import_stage", STAGE_COLUMNS, staged());
  }

  // 5a. New contacts.
  if (inserts.length) {
    await tx.execute(sql`
      insert into contacts (id, workspace_id, email_ciphertext, email_hash, phone_ciphertext, phone_hash, phone_country,
                            first_name_ciphertext, last_name_ciphertext, locale, timezone, tags, attributes, search_tokens,
                            import_id, import_line, created_at, updated_at)
      select u.id, ${ws}::uuid, u.ec, u.eh, u.pc, u.ph, u.pcc, u.fn, u.ln, u.loc, u.tz,
             coalesce(string_to_array(u.tags, ','), '{}'::text[]), coalesce(u.attrs::jsonb, '{}'::jsonb),
             coalesce(string_to_array(u.st, ','), '{}'::text[]), ${job.importId}::uuid, u.line,
             ${nowText}::timestamptz, ${nowText}::timestamptz
        from import_stage as u
       where u.is_new`);
  }

  // 6. Existing contacts: addresses replaced when they differ, empty cells keep the stored value,
  //    attributes merged, tags added (as upsertContact does), and their search tokens, computed
  //    from the row and the stored values the lookup read (one new row version per contact). The
  //    stored values a token list rests on travel with it (r*, only for the fields the row leaves
  //    empty): a contact whose value changed since the lookup keeps its tokens and comes back
  //    stale, for 6a. Under READ COMMITTED the update re-evaluates this test on the latest version
  //    of a row another transaction changed.
  if (updates.length) {
    const stale = sql`((u.fn is null and c.first_name_ciphertext is distinct from u.rfn)
                    or (u.ln is null and c.last_name_ciphertext is distinct from u.rln)
                    or (u.eh is null and c.email_ciphertext is distinct from u.rem))`;
    const staleContacts = await rows<StaleContact>(
      tx,
      sql`
      update contacts as c set
        email_ciphertext = case when u.eh is not null and u.eh is distinct from c.email_hash then u.ec else c.email_ciphertext end,
        email_hash = coalesce(u.eh, c.email_hash),
        phone_ciphertext = case when u.ph is not null and u.ph is distinct from c.phone_hash then u.pc else c.phone_ciphertext end,
        phone_hash = coalesce(u.ph, c.phone_hash),
        phone_country = case when u.ph is not null and u.ph is distinct from c.phone_hash then u.pcc else c.phone_country end,
        first_name_ciphertext = coalesce(u.fn, c.first_name_ciphertext),
        last_name_ciphertext = coalesce(u.ln, c.last_name_ciphertext),
        locale = coalesce(u.loc, c.locale),
        timezone = coalesce(u.tz, c.timezone),
        tags = case when u.tags is null then c.tags
                    else c.tags || array(select t from unnest(string_to_array(u.tags, ',')) as t where t <> all(c.tags)) end,
        attributes = case when u.attrs is null then c.attributes else c.attributes || u.attrs::jsonb end,
        search_tokens = case when ${stale} then c.search_tokens
                             else coalesce(string_to_array(nullif(u.st, ''), ','), '{}'::text[]) end,
        import_id = ${job.importId}::uuid,
        import_line = u.line,
        updated_at = ${nowText}::timestamptz
      from import_stage as u
      where c.id = u.id and c.workspace_id = ${ws} and not u.is_new
      returning c.id::text as id, ${stale} as stale,
                case when ${stale} and u.fn is null then c.first_name_ciphertext end as first_name,
                case when ${stale} and u.ln is null then c.last_name_ciphertext end as last_name,
                case when ${stale} and u.eh is null then c.email_ciphertext end as email,
                case when ${stale} then md5(array_to_string(c.search_tokens, ',')) end as tokens_md5`,
    );
    await rewriteSearchTokens(
      tx,
      ws,
      updates,
      staleContacts.filter((contact) => contact.stale),
    );
  }

  // 6b. Consent never moves to a new address: the replaced address's consent ends here, recorded
  //     before (and therefore winning over) an opt-in of this row dated no later than now.
  for (const change of addressChanges) {
    await withdrawConsentForReplacedAddress({
      ctx: { db: tx, workspaceId: ws, actor: job.actor, now: job.now },
      input: change,
    });
  }

  // 7. Consent: one ledger event per row × (topic, channel) the row has an address for, then the
  //    projection per the fold rule. The rows are staged once (contact, action, time, note, which
  //    channels are allowed; one COPY) and SQL crosses them with the (topic, channel) pairs.
  //    Event ids are time-ordered like uuidv7: one fresh 80-bit prefix per batch and the event's
  //    ordinal as the last 48 bits, so the events and the projection statements compute the same
  //    ids from the same staged rows (one statement with two data-modifying CTEs was 4× slower on
  //    PostgreSQL 15). Contacts created by this batch have no state yet (nobody else can see them
  //    before the commit): a plain insert. Pre-existing ones go through the fold's ON CONFLICT rule.
  const pairTopics = pgTextArray(job.pairs.map((pair) => pair.topicId));
  const pairChannels = pgTextArray(job.pairs.map((pair) => pair.channel));
  // Idempotent by content: a contact whose state for the (topic, channel) already is the imported
  // status gets no new event (importing the same file again, or a resumed run, records nothing).
  // The states of the batch's pre-existing contacts are read once, by primary key (they are locked
  // above, so they cannot change before this batch commits). A per-row NOT EXISTS in the insert
  // was planned on the (workspace, topic, channel, status) index and scanned every state of the
  // topic for each row: quadratic in the table size.
  const current = new Map<string, string>();
  if (oldWithConsent.length) {
    const states = await rows<{ contact_id: string; channel: string; topic_id: string; status: string }>(
      tx,
      // One primary-key probe per contact: a lateral subquery per id, kept apart by `offset 0`
      // (else the planner joins it back). With `contact_id = any(…)`, or the plain join, the
      // planner, its statistics taken before the import filled the table, read every state of the
      // workspace through the (workspace, topic, channel, status) index per batch: 60–200 ms a
      // batch and growing through a 1M-row import, rows/s falling from 5,500 to 2,900.
      sql`select s.contact_id::text as contact_id, s.channel::text as channel, s.topic_id::text as topic_id, s.status::text as status
            from unnest(${pgTextArray([...new Set(oldWithConsent.map((r) => r.id))])}::uuid[]) as u(id)
            cross join lateral (
              select contact_id, channel, topic_id, status from consent_states
               where workspace_id = ${ws}::uuid and contact_id = u.id offset 0) as s`,
    );
    for (const state of states) current.set(`${state.contact_id}|${state.topic_id}|${state.channel}`, state.status);
  }
  // The rows that record events, staged once for the ledger insert and both projection inserts:
  // whether the contact is new, its ordinal n (event ids: one fresh 80-bit prefix per batch and
  // (n - 1) × pairs + k as the last 48 bits), contact, action, time, which pairs, sealed note.
  const consentRows: (string | null)[][] = [];
  let consentEvents = 0;
  for (const [list, fresh] of [
    [newWithConsent, true],
    [oldWithConsent, false],
  ] as const) {
    for (const row of list) {
      const optIn = row.consent === "opted_in";
      const emailSuppressed =
        optIn && hasEmailChannel && row.emailHash !== null && suppressed.has(`email:${row.emailHash}`);
      const smsSuppressed = optIn && hasSmsChannel && row.phoneHash !== null && suppressed.has(`sms:${row.phoneHash}`);
      if (emailSuppressed) reject(row.line, job.emailColumn, "suppressed: the opt-in on email was not recorded");
      if (smsSuppressed) reject(row.line, job.phoneColumn, "suppressed: the opt-in on sms was not recorded");
      const email = row.emailHash !== null && !emailSuppressed;
      const sms = row.phoneHash !== null && !smsSuppressed;
      let rowEvents = 0;
      // One character per (topic, channel) pair: '1' when the row records an event for it.
      let mask = "";
      for (const pair of job.pairs) {
        const allowed =
          (pair.channel === "email" ? email : sms) &&
          (fresh || current.get(`${row.id}|${pair.topicId}|${pair.channel}`) !== row.consent);
        mask += allowed ? "1" : "0";
        if (allowed) rowEvents++;
      }
      if (!rowEvents) continue;
      consentEvents += rowEvents;
      consentRows.push([
        fresh ? "t" : "f",
        String(consentRows.length + 1),
        row.id,
        row.consent!,
        // An opt-out without a date happened no later than now; an opt-in always has one (validated).
        row.consentAt ? row.consentAt.toISOString() : nowText,
        mask,
        // The note identifies a person's request: sealed like every ledger note, in preparation.
        row.consentNoteSealed,
      ]);
    }
  }
  if (consentRows.length) {
    await tx.execute(sql`
      create temporary table import_consent_stage (is_new boolean not null, n int not null, contact_id uuid not null,
        action text not null, occurred_at timestamptz not null, mask text not null, note text) on commit drop`);
    await copyRows(tx, "import_consent_stage", CONSENT_STAGE_COLUMNS, consentRows);
    const prefix = uuidv7().slice(0, 24); // "xxxxxxxx-xxxx-7xxx-yxxx-": time, counter, variant
    const pairsAllowed = sql`cross join unnest(${pairTopics}::uuid[], ${pairChannels}::text[]) with ordinality as p(topic_id, channel, k)
      where substr(u.mask, p.k::int, 1) = '1'`;
    const eventId = sql`(${prefix}::text || lpad(to_hex((u.n - 1) * ${job.pairs.length}::int + p.k), 12, '0'))::uuid`;
    // Every (row, pair) the masks allow is one event: the insert has no conflict clause, so it
    // writes exactly `consentEvents` rows or fails (no count read back through a CTE).
    await tx.execute(sql`
      insert into consent_events (id, workspace_id, contact_id, channel, topic_id, action, source, evidence, needs_confirmation, batch_id,
                                  actor_type, actor_id, occurred_at, recorded_at)
      select ${eventId}, ${ws}::uuid, u.contact_id, p.channel::channel, p.topic_id, u.action::consent_action, 'import'::consent_source,
             case when u.note is null then '{}'::jsonb else jsonb_build_object('sealed', u.note) end,
             false, ${job.importId}::uuid, ${job.actorType}::text, ${job.actorId}::text, u.occurred_at, ${nowText}::timestamptz
        from import_consent_stage as u
        ${pairsAllowed}`);
    for (const fresh of [true, false]) {
      if (!consentRows.some((row) => (row[0] === "t") === fresh)) continue;
      await tx.execute(sql`
        insert into consent_states (${sql.raw(CONSENT_STATE_COLUMNS)})
        select ${ws}::uuid, u.contact_id, p.channel::channel, p.topic_id, u.action::consent_status, 'import'::consent_source, ${eventId},
               u.occurred_at, ${nowText}::timestamptz, ${nowText}::timestamptz
          from import_consent_stage as u
          ${pairsAllowed} and u.is_new = ${fresh}
        ${fresh ? sql`` : sql.raw(CONSENT_PROJECTION_CONFLICT)}`);
    }
  }

  // 8. Rejections (line, column, reason — never the value) and the counters the UI polls.
  if (rejections.length) {
    await tx.execute(sql`
      insert into import_rejections (import_id, line, "column", reason)
      select ${job.importId}::uuid, u.line, u.col, u.reason
        from unnest(${pgTextArray(rejections.map((r) => String(r.line)))}::int[], ${pgTextArray(rejections.map((r) => r.column))}::text[], ${pgTextArray(rejections.map((r) => r.reason))}::text[])
          as u(line, col, reason)`);
  }
  const counts: BatchCounts = {
    processed: batch.processed,
    inserted: inserts.length,
    updated: updates.length,
    rejected: rejectedLines.size,
    consentEvents,
  };
  // The progress of the import moves with the batch: the last committed line (where a resumed run
  // starts again) and the heartbeat, fenced on the run that owns the import.
  const progressed = await rows<{ id: string }>(
    tx,
    sql`
    update imports set
      processed_rows = processed_rows + ${counts.processed},
      inserted_rows = inserted_rows + ${counts.inserted},
      updated_rows = updated_rows + ${counts.updated},
      rejected_rows = rejected_rows + ${counts.rejected},
      consent_events = consent_events + ${counts.consentEvents},
      total_rows = greatest(total_rows, processed_rows + ${counts.processed}),
      last_line = greatest(last_line, ${batch.lastLine ?? 0}),
      heartbeat_at = ${nowText}::timestamptz
    where id = ${job.importId}${job.runId ? sql` and run_id = ${job.runId}::uuid and status = 'running'` : sql``}
    returning id::text as id`,
  );
  if (progressed.length === 0) throw new ImportSupersededError(job.importId);
  return counts;
}
