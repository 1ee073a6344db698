-- Page counters (db/schema/counters.ts): statement-level triggers append one delta row per
-- counter a statement changed; the fold job moves deltas into counter_totals. Inserts only, so
-- concurrent writers never wait on a shared row.
CREATE FUNCTION counters_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO counter_deltas (workspace_id, kind, key, delta)
    SELECT workspace_id, kind, key, sum(d) FROM (
      SELECT n.workspace_id, 'contacts' AS kind, '' AS key, 1 AS d FROM new_rows n
      UNION ALL
      SELECT n.workspace_id, 'tag', t.tag, 1 FROM new_rows n CROSS JOIN LATERAL (SELECT DISTINCT unnest(n.tags) AS tag) t
    ) x GROUP BY workspace_id, kind, key;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO counter_deltas (workspace_id, kind, key, delta)
    SELECT workspace_id, kind, key, sum(d) FROM (
      SELECT o.workspace_id, 'contacts' AS kind, '' AS key, -1 AS d FROM old_rows o
      UNION ALL
      SELECT o.workspace_id, 'tag', t.tag, -1 FROM old_rows o CROSS JOIN LATERAL (SELECT DISTINCT unnest(o.tags) AS tag) t
    ) x GROUP BY workspace_id, kind, key;
  ELSE
    -- Only rows whose tags changed (ids and workspaces never change).
    INSERT INTO counter_deltas (workspace_id, kind, key, delta)
    SELECT workspace_id, 'tag', tag, sum(d) FROM (
      SELECT n.workspace_id, t.tag, 1 AS d
        FROM new_rows n JOIN old_rows o ON o.id = n.id AND o.tags IS DISTINCT FROM n.tags
       CROSS JOIN LATERAL (SELECT DISTINCT unnest(n.tags) AS tag) t
      UNION ALL
      SELECT o.workspace_id, t.tag, -1
        FROM new_rows n JOIN old_rows o ON o.id = n.id AND o.tags IS DISTINCT FROM n.tags
       CROSS JOIN LATERAL (SELECT DISTINCT unnest(o.tags) AS tag) t
    ) x GROUP BY workspace_id, tag HAVING sum(d) <> 0;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER counters_contacts_insert AFTER INSERT ON contacts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counters_contacts();
--> statement-breakpoint
CREATE TRIGGER counters_contacts_update AFTER UPDATE ON contacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counters_contacts();
--> statement-breakpoint
CREATE TRIGGER counters_contacts_delete AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counters_contacts();
--> statement-breakpoint
CREATE FUNCTION counters_consent_states() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO counter_deltas (workspace_id, kind, key, delta)
    SELECT n.workspace_id, 'consent', n.topic_id::text || ':' || n.channel::text || ':' || n.status::text, count(*)
      FROM new_rows n GROUP BY n.workspace_id, n.topic_id, n.channel, n.status;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO counter_deltas (workspace_id, kind, key, delta)
    SELECT o.workspace_id, 'consent', o.topic_id::text || ':' || o.channel::text || ':' || o.status::text, -count(*)
      FROM old_rows o GROUP BY o.workspace_id, o.topic_id, o.channel, o.status;
  ELSE
    INSERT INTO counter_deltas (workspace_id, kind, key, delta)
    SELECT workspace_id, 'consent', key, sum(d) FROM (
      SELECT n.workspace_id, n.topic_id::text || ':' || n.channel::text || ':' || n.status::text AS key, 1 AS d FROM new_rows n
      UNION ALL
      SELECT o.workspace_id, o.topic_id::text || ':' || o.channel::text || ':' || o.status::text, -1 FROM old_rows o
    ) x GROUP BY workspace_id, key HAVING sum(d) <> 0;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER counters_consent_states_insert AFTER INSERT ON consent_states REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counters_consent_states();
--> statement-breakpoint
CREATE TRIGGER counters_consent_states_update AFTER UPDATE ON consent_states REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counters_consent_states();
--> statement-breakpoint
CREATE TRIGGER counters_consent_states_delete AFTER DELETE ON consent_states REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counters_consent_states();
--> statement-breakpoint
CREATE FUNCTION counters_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO counter_deltas (workspace_id, kind, key, delta)
    SELECT n.workspace_id, 'messages', n.status::text, count(*) FROM new_rows n GROUP BY n.workspace_id, n.status;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO counter_deltas (workspace_id, kind, key, delta)
    SELECT o.workspace_id, 'messages', o.status::text, -count(*) FROM old_rows o GROUP BY o.workspace_id, o.status;
  ELSE
    -- Only status moves count (most updates of a message touch other columns).
    INSERT INTO counter_deltas (workspace_id, kind, key, delta)
    SELECT o.workspace_id, 'messages', v.status::text, sum(v.d)
      FROM old_rows o JOIN new_rows n ON n.id = o.id AND n.status <> o.status
     CROSS JOIN LATERAL (VALUES (o.status, -1), (n.status, 1)) AS v(status, d)
     GROUP BY o.workspace_id, v.status HAVING sum(v.d) <> 0;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER counters_messages_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counters_messages();
--> statement-breakpoint
CREATE TRIGGER counters_messages_update AFTER UPDATE ON messages REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counters_messages();
--> statement-breakpoint
CREATE TRIGGER counters_messages_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counters_messages();
--> statement-breakpoint
-- The totals of the rows already there (the triggers above see every later change).
INSERT INTO counter_totals (workspace_id, kind, key, n)
SELECT workspace_id, 'contacts', '', count(*) FROM contacts GROUP BY workspace_id
UNION ALL
SELECT c.workspace_id, 'tag', t.tag, count(*)
  FROM contacts c CROSS JOIN LATERAL (SELECT DISTINCT unnest(c.tags) AS tag) t GROUP BY c.workspace_id, t.tag
UNION ALL
SELECT workspace_id, 'consent', topic_id::text || ':' || channel::text || ':' || status::text, count(*)
  FROM consent_states GROUP BY workspace_id, topic_id, channel, status
UNION ALL
SELECT workspace_id, 'messages', status::text, count(*) FROM messages GROUP BY workspace_id, status;
