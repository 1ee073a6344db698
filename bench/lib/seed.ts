/**
 * Set-based seeding of benchmark contacts with their consent, straight into the tables (the
 * set-up of a benchmark is not what it measures): emails and phones are encrypted and blind-
 * indexed with the app's own helpers (same AES-GCM envelope and HMAC as server/lib/crypto.ts), so
 * the app decrypts and finds them; each consent state rests on a real `consent_events` row.
 */
import { randomUUID } from "node:crypto";
import type { DbHandle } from "@/db/client";

const AREA_CODES = ["212", "312", "415", "617", "646", "718", "917", "213", "310", "202"];

/** Contact k's email and E.164 phone: unique for k < 70 million, valid US numbers. */
export const benchEmail = (k: number) => `bench${k}@example.com`;
export function benchPhone(k: number): string {
  const exchange = 200 + (Math.floor(k / 10) % 700);
  const line = Math.floor(k / 7000) % 10_000;
  return `+1${AREA_CODES[k % 10]}${exchange}${String(line).padStart(4, "0")}`;
}

export type SeedConsent = "opted_in" | "opted_out" | null;

export interface SeedTopic {
  id: string;
  channel: "email" | "sms";
  /** Consent of contact k on this topic (null: no consent recorded). */
  consentOf(k: number): SeedConsent;
}

export interface SeedResult {
  ids: string[];
  consentEvents: number;
  seconds: number;
}

const CHUNK = 10_000;

/**
 * Inserts `count` contacts (k = 0…count-1) with email + phone, and one consent event + state per
 * topic where `consentOf(k)` is not null. One multi-row statement per table and chunk (unnest of
 * arrays); two chunks are written at a time while the next one is encrypted.
 */
export async function seedContacts(
  handle: DbHandle,
  workspaceId: string,
  count: number,
  topics: SeedTopic[],
  log: (m: string) => void,
  /**
   * Where the addresses start (default 0): contact k gets `benchEmail(first + k)` and
   * `benchPhone(first + k)`, so several sets in one database share no address; `ids` and
   * `consentOf` still count from 0.
   */
  first = 0,
): Promise<SeedResult> {
  const { BlindIndexer, PiiBatchEncryptor } = await import("@/server/services/imports");
  const { normalizePhone } = await import("@/server/lib/addresses");
  // The generator's numbers are already E.164: check a spread of them once against the app's normaliser.
  for (const k of [0, 1, 9, 6999, 7000, 12345, 4_999_999, count - 1]) {
    const normalized = normalizePhone(benchPhone(k), "US");
    if (!normalized.ok || normalized.value !== benchPhone(k))
      throw new Error(`bench phone ${k} does not normalise to itself`);
  }
  const indexer = new BlindIndexer(workspaceId);
  const encryptor = new PiiBatchEncryptor();
  const started = performance.now();
  const ids: string[] = new Array(count);
  let consentEvents = 0;
  const occurredAt = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();

  const prepare = (from: number) => {
    const to = Math.min(count, from + CHUNK);
    const cols = { id: [] as string[], ec: [] as string[], eh: [] as string[], pc: [] as string[], ph: [] as string[] };
    const consent = { contact: [] as string[], channel: [] as string[], topic: [] as string[], action: [] as string[] };
    encryptor.reserve((to - from) * 2);
    for (let k = from; k < to; k++) {
      const id = randomUUID();
      ids[k] = id;
      const email = benchEmail(first + k);
      const phone = benchPhone(first + k);
      cols.id.push(id);
      cols.ec.push(encryptor.encrypt(email, "contact.email"));
      cols.eh.push(indexer.hash("email", email));
      cols.pc.push(encryptor.encrypt(phone, "contact.phone"));
      cols.ph.push(indexer.hash("phone", phone));
      for (const topic of topics) {
        const action = topic.consentOf(k);
        if (!action) continue;
        consent.contact.push(id);
        consent.channel.push(topic.channel);
        consent.topic.push(topic.id);
        consent.action.push(action);
      }
    }
    return { cols, consent };
  };

  const write = async ({ cols, consent }: ReturnType<typeof prepare>) => {
    await handle.queryRows(
      // search_tokens and phone_country are set (a placeholder token; the seeded numbers are US
      // ones), so the app's start-up backfill (server/boot.ts) has nothing to do: filling 100k+
      // rows while the load runs would compete with the requests being measured.
      `insert into contacts (id, workspace_id, email_ciphertext, email_hash, phone_ciphertext, phone_hash, timezone, tags, search_tokens, phone_country)
       select id, $1::uuid, ec, eh, pc, ph, 'America/New_York', '{}'::text[], '{bench-seed}'::text[], 'US'
         from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) as u(id, ec, eh, pc, ph)`,
      [workspaceId, cols.id, cols.ec, cols.eh, cols.pc, cols.ph],
    );
    if (consent.contact.length === 0) return;
    await handle.queryRows(
      `with ev as (
         insert into consent_events (workspace_id, contact_id, channel, topic_id, action, source, evidence, actor_type, actor_id, occurred_at)
         select $1::uuid, c, ch::channel, t, a::consent_action, 'import', '{"note":"benchmark seed"}'::jsonb, 'system', 'bench', $6::timestamptz
           from unnest($2::uuid[], $3::text[], $4::uuid[], $5::text[]) as u(c, ch, t, a)
         returning id, contact_id, channel, topic_id, action, source, occurred_at, recorded_at)
       insert into consent_states (workspace_id, contact_id, channel, topic_id, status, source, event_id, occurred_at, recorded_at, updated_at)
       select $1::uuid, contact_id, channel, topic_id, action::text::consent_status, source, id, occurred_at, recorded_at, recorded_at from ev`,
      [workspaceId, consent.contact, consent.channel, consent.topic, consent.action, occurredAt],
    );
    consentEvents += consent.contact.length;
  };

  // Secondary indexes are dropped for the load and rebuilt once at the end (sorted builds are far
  // cheaper than a million random B-tree inserts); primary keys stay. Definitions come from the
  // catalog, so the rebuilt indexes are exactly the migrated ones.
  const indexes = await handle.queryRows<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes
      where schemaname = 'public' and tablename in ('contacts', 'consent_events', 'consent_states')
        and indexname not in (select conname from pg_constraint)`,
  );
  for (const index of indexes) await handle.queryRows(`drop index "${index.name}"`);

  // Two chunks in flight on two connections, the next one encrypted meanwhile.
  const inflight: Promise<void>[] = [];
  let lastLog = performance.now();
  for (let from = 0; from < count; from += CHUNK) {
    const chunk = prepare(from);
    if (inflight.length >= 2) await inflight.shift();
    inflight.push(write(chunk));
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      log(`  seeded ${from} / ${count} contacts (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  await Promise.all(inflight);
  log(`  rebuilding ${indexes.length} indexes…`);
  // PGlite takes one statement per query (extended protocol); PostgreSQL gets more memory for the sorts.
  for (const index of indexes)
    await handle.queryRows(handle.kind === "pglite" ? index.def : `set maintenance_work_mem = '256MB'; ${index.def}`);
  return { ids, consentEvents, seconds: (performance.now() - started) / 1000 };
}

/** Bootstraps the app's default workspace, owner and INIT_ADMIN_API_KEY through server/boot.ts. */
export async function bootstrapWorkspace(
  databaseUrl: string,
  apiKey: string,
): Promise<{ handle: DbHandle; workspaceId: string; topicIds: Map<string, string> }> {
  process.env.DATABASE_URL = databaseUrl;
  process.env.INIT_ADMIN_API_KEY = apiKey;
  const { resetEnv } = await import("@/server/lib/env");
  resetEnv();
  const { prepareDatabase } = await import("@/server/boot");
  const { getDbHandle } = await import("@/server/lib/db");
  await prepareDatabase();
  const handle = await getDbHandle();
  const [workspace] = await handle.queryRows<{ id: string }>("select id from workspaces where is_default = 'default'");
  if (!workspace) throw new Error("bootstrap created no default workspace");
  const topics = await handle.queryRows<{ id: string; key: string }>(
    "select id, key from topics where workspace_id = $1",
    [workspace.id],
  );
  return { handle, workspaceId: workspace.id, topicIds: new Map(topics.map((t) => [t.key, t.id])) };
}

/**
 * Runs set-based seed statements with the tables' secondary indexes dropped, then rebuilds them
 * (much faster than maintaining them row by row). Each statement takes the leading parameters it
 * uses ($1…$n) of `params`. Constraint-backed indexes (primary keys, unique constraints) stay.
 */
export async function seedWithoutIndexes(
  handle: DbHandle,
  input: { tables: string[]; statements: [label: string, text: string][]; params: unknown[] },
  log: (message: string) => void,
): Promise<void> {
  const indexes = await handle.queryRows<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes
      where schemaname = 'public' and tablename in (${input.tables.map((t) => `'${t}'`).join(", ")})
        and indexname not in (select conname from pg_constraint)`,
  );
  for (const index of indexes) await handle.queryRows(`drop index "${index.name}"`);
  for (const [label, text] of input.statements) {
    const started = performance.now();
    const used = Math.max(...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    await handle.queryRows(text, input.params.slice(0, used));
    log(`  ${label} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const started = performance.now();
  for (const index of indexes)
    await handle.queryRows(handle.kind === "pglite" ? index.def : `set maintenance_work_mem = '256MB'; ${index.def}`);
  log(`  ${indexes.length} indexes rebuilt in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
