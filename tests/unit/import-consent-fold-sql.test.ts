import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyConsentEvent, type LedgerEvent, type ProjectedState } from "@/server/services/consent/fold";
import { CONSENT_PROJECTION_CONFLICT, CONSENT_STATE_COLUMNS } from "@/server/services/imports/consent-projection-sql";

/**
 * The import's set-based projection (`INSERT … ON CONFLICT DO UPDATE … WHERE <fold rule>`) must
 * give exactly what `applyConsentEvent` gives, for every current state and every event an import
 * can record (opt-in or opt-out, before / at / after the current state's recorded time).
 */
let db: PGlite;
const WS = "00000000-0000-4000-8000-000000000001";
const TOPIC = "00000000-0000-4000-8000-000000000002";

beforeAll(async () => {
  db = await PGlite.create();
  await db.exec(`
    create type consent_status as enum ('opted_in', 'opted_out', 'pending');
    create type consent_source as enum ('api', 'form', 'preference_center', 'one_click', 'sms_keyword', 'import', 'admin', 'provider');
    create type channel as enum ('email', 'sms');
    create table consent_states (
      workspace_id uuid not null, contact_id uuid not null, channel channel not null, topic_id uuid not null,
      status consent_status not null, source consent_source not null, event_id uuid not null,
      occurred_at timestamptz not null, recorded_at timestamptz not null, updated_at timestamptz not null,
      primary key (workspace_id, contact_id, channel, topic_id));`);
}, 120_000);
afterAll(async () => {
  await db?.close();
});

const T = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes));
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

const currents: (ProjectedState | null)[] = [
  null,
  ...(["opted_in", "opted_out", "pending"] as const).map((status, i) => ({
    status,
    source: "form" as const,
    eventId: uuid(100 + i),
    occurredAt: T(0),
    recordedAt: T(10),
  })),
];
const events: LedgerEvent[] = [];
let n = 200;
for (const action of ["opted_in", "opted_out"] as const) {
  for (const occurred of [5, 10, 15]) {
    events.push({
      id: uuid(n++),
      action,
      source: "import",
      needsConfirmation: false,
      occurredAt: T(occurred),
      recordedAt: T(20),
    });
  }
}

describe("SQL projection ≡ applyConsentEvent", () => {
  let contact = 1000;
  for (const current of currents) {
    for (const event of events) {
      const name = `${current?.status ?? "no state"} + ${event.action} occurred ${event.occurredAt.toISOString().slice(11, 16)} (state recorded 12:10)`;
      it(name, async () => {
        const contactId = uuid(contact++);
        if (current) {
          await db.query(
            `insert into consent_states (${CONSENT_STATE_COLUMNS}) values ($1, $2, 'email', $3, $4, $5, $6, $7, $8, $8)`,
            [
              WS,
              contactId,
              TOPIC,
              current.status,
              current.source,
              current.eventId,
              current.occurredAt.toISOString(),
              current.recordedAt.toISOString(),
            ],
          );
        }
        await db.query(
          `insert into consent_states (${CONSENT_STATE_COLUMNS}) values ($1, $2, 'email', $3, $4::text::consent_status, 'import', $5, $6, $7, $7) ${CONSENT_PROJECTION_CONFLICT}`,
          [
            WS,
            contactId,
            TOPIC,
            event.action,
            event.id,
            event.occurredAt.toISOString(),
            event.recordedAt.toISOString(),
          ],
        );
        const { rows } = await db.query<{
          status: string;
          source: string;
          event_id: string;
          occurred_at: Date;
          recorded_at: Date;
        }>(
          "select status::text, source::text, event_id::text, occurred_at, recorded_at from consent_states where contact_id = $1",
          [contactId],
        );
        const expected = applyConsentEvent(current, event);
        expect(
          rows[0]
            ? {
                status: rows[0].status,
                source: rows[0].source,
                eventId: rows[0].event_id,
                occurredAt: rows[0].occurred_at,
                recordedAt: rows[0].recorded_at,
              }
            : null,
        ).toEqual(expected);
      });
    }
  }
});
