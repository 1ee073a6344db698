-- What a send's decision reads, in ONE statement (server/services/messages/record-steps.ts,
-- `lockAndRead`): the per-contact consent locks first (the key `recordConsentChange` and every
-- send take, in sorted order like `lockKeysInOrder`), then, each in a snapshot taken after the
-- locks were granted (a VOLATILE plpgsql function starts a new snapshot per statement), the
-- messages already recorded under the idempotency keys, the contacts, their consent states for
-- the topics, the suppressions of their addresses and their recent outbound sends. An opt-out that
-- committed while the send waited for the lock is seen, exactly as with separate statements.
-- Answers one jsonb object of row arrays (column names as in the tables).
CREATE OR REPLACE FUNCTION "send_decision_reads"(
  p_workspace_id uuid,
  p_contact_ids text[],
  p_topic_ids uuid[],
  p_keys text[],
  p_window_start timestamptz,
  p_cap_statuses text[]
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  answer jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(x, 0))
     FROM (SELECT DISTINCT x FROM unnest(p_contact_ids) AS x ORDER BY x) AS ordered;
  SELECT jsonb_build_object(
    'earlier', (SELECT coalesce(jsonb_agg(to_jsonb(m)), '[]'::jsonb) FROM messages m
                 WHERE m.workspace_id = p_workspace_id AND m.idempotency_key = ANY (p_keys)),
    'contacts', (SELECT coalesce(jsonb_agg(to_jsonb(c)), '[]'::jsonb) FROM contacts c
                  WHERE c.workspace_id = p_workspace_id AND c.id = ANY (p_contact_ids::uuid[])),
    'consents', (SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]'::jsonb) FROM consent_states s
                  WHERE s.workspace_id = p_workspace_id AND s.contact_id = ANY (p_contact_ids::uuid[])
                    AND s.topic_id = ANY (p_topic_ids)),
    'suppressions', (SELECT coalesce(jsonb_agg(jsonb_build_object('channel', p.channel, 'hash', p.address_hash, 'reason', p.reason)), '[]'::jsonb)
                      FROM suppressions p
                     WHERE p.workspace_id = p_workspace_id
                       AND p.address_hash IN (SELECT h FROM contacts c CROSS JOIN LATERAL (VALUES (c.email_hash), (c.phone_hash)) AS v(h)
                                               WHERE c.workspace_id = p_workspace_id AND c.id = ANY (p_contact_ids::uuid[]) AND h IS NOT NULL)),
    'recent', (SELECT coalesce(jsonb_agg(jsonb_build_object('contactId', r.contact_id, 'at', r.created_at, 'channel', r.channel,
                                                            'topicKey', r.topic_key, 'kind', r.kind, 'countsTowardCaps', r.counts_toward_caps)
                                         ORDER BY r.created_at DESC), '[]'::jsonb)
                 FROM messages r
                WHERE r.workspace_id = p_workspace_id AND r.contact_id = ANY (p_contact_ids::uuid[])
                  AND r.direction = 'outbound' AND r.created_at > p_window_start
                  AND r.status = ANY (p_cap_statuses::message_status[]))
  ) INTO answer;
  RETURN answer;
END;
$$;
