CREATE INDEX "webhook_events_pending_effect_idx" ON "webhook_events" USING btree ("provider","provider_message_id") WHERE "webhook_events"."applied_at" is null and ("webhook_events"."payload"->>'effect') is not null;
--> statement-breakpoint
-- send_decision_reads (0034) also reads, as suppressions, the bounces, complaints and provider
-- opt-outs acknowledged but not applied yet (webhook_events_pending_effect_idx above, a handful of
-- rows): the webhook route answers before the drain applies them, and the next send to that
-- address must already be blocked, as it will be once the suppression is written.
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
                                               WHERE c.workspace_id = p_workspace_id AND c.id = ANY (p_contact_ids::uuid[]) AND h IS NOT NULL))
                    || (SELECT coalesce(jsonb_agg(jsonb_build_object('channel', m.channel, 'hash', m.address_hash, 'reason', w.payload->>'effect')), '[]'::jsonb)
                          FROM webhook_events w
                          JOIN messages m ON m.transport = w.provider AND m.provider_message_id = w.provider_message_id
                                         AND m.direction = 'outbound'
                         WHERE w.applied_at IS NULL AND (w.payload->>'effect') IS NOT NULL
                           AND m.workspace_id = p_workspace_id AND m.contact_id = ANY (p_contact_ids::uuid[])
                           AND m.address_hash IS NOT NULL),
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
