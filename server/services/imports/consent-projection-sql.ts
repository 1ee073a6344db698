/**
 * The consent projection rule of `applyConsentEvent` (../consent/fold.ts), expressed in SQL for
 * set-based writers (imports). For the actions a bulk writer records — `opted_in` without
 * confirmation and `opted_out` — the fold says:
 *
 * - an opt-out always replaces the state;
 * - an opt-in replaces it unless the state is an opt-out recorded at or after the moment the
 *   opt-in happened (`occurredAt <= optOut.recordedAt` keeps the opt-out).
 *
 * `ON CONFLICT … DO UPDATE … WHERE` evaluates the condition against the latest committed version
 * of the row, under its row lock, so the rule holds against any concurrent writer of the same key.
 * tests/unit/import-consent-fold-sql.test.ts runs this exact text against every case of the fold.
 */
export const CONSENT_FOLD_WHERE = `excluded.status = 'opted_out'
      or consent_states.status <> 'opted_out'
      or excluded.occurred_at > consent_states.recorded_at`;

export const CONSENT_STATE_COLUMNS =
  "workspace_id, contact_id, channel, topic_id, status, source, event_id, occurred_at, recorded_at, updated_at";

export const CONSENT_PROJECTION_CONFLICT = `on conflict (workspace_id, contact_id, channel, topic_id) do update set
    status = excluded.status,
    source = excluded.source,
    event_id = excluded.event_id,
    occurred_at = excluded.occurred_at,
    recorded_at = excluded.recorded_at,
    updated_at = excluded.updated_at
  where ${CONSENT_FOLD_WHERE}`;
