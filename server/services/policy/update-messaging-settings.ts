import { and, eq, inArray } from "drizzle-orm";
import { topics } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import { countryTimeZone } from "./recipient-timezone";
import { readMessagingSettings, ZMessagingSettings, type TMessagingSettings } from "@/server/shared/messaging-settings";
import type { MessagingSettings } from "./types";
import { requireAccess, type Queryable, type ServiceContext } from "../context";
import { writeSettingsSection } from "../workspaces/write-settings-section";

export const ZUpdateMessagingSettingsInput = ZMessagingSettings;
export type TUpdateMessagingSettingsInput = TMessagingSettings;

/** Every cap's topic must be a topic of this workspace: INVALID naming the first that is not. */
async function checkCapTopics(tx: Queryable, workspaceId: string, values: TMessagingSettings): Promise<void> {
  const topicKeys = [
    ...new Set(values.frequencyCaps.map((cap) => cap.topicKey).filter((key): key is string => key !== null)),
  ];
  if (topicKeys.length === 0) return;
  const found = await tx
    .select({ key: topics.key })
    .from(topics)
    .where(and(eq(topics.workspaceId, workspaceId), inArray(topics.key, topicKeys)));
  const known = new Set(found.map((row) => row.key));
  const index = values.frequencyCaps.findIndex((cap) => cap.topicKey !== null && !known.has(cap.topicKey));
  if (index >= 0)
    throw invalid(`Unknown topic "${values.frequencyCaps[index]!.topicKey}"`, `frequencyCaps.${index}.topicKey`);
}

/**
 * Replaces the workspace's messaging policy (quiet hours, statutory rules, frequency caps, sending
 * limits, zone).
 * Admins and owners only. Every cap's topic must be a topic of this workspace. Only the
 * `messaging` key of `workspaces.settings` is written (a JSON merge, so other settings written
 * concurrently survive); audited as `workspace.messaging_settings_updated` with before and after.
 * Idempotent: saving the same policy again writes an audit row but changes nothing else.
 */
export async function updateMessagingSettings({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateMessagingSettingsInput;
}): Promise<MessagingSettings> {
  requireAccess(ctx, { scope: "admin", role: "admin", what: "messaging settings" });
  const values = ZUpdateMessagingSettingsInput.parse(input);
  return writeSettingsSection(ctx, {
    key: "messaging",
    value: values,
    action: "workspace.messaging_settings_updated",
    before: (row) => readMessagingSettings(row.settings, countryTimeZone(row.defaultRegion)),
    check: (tx) => checkCapTopics(tx, ctx.workspaceId, values),
  });
}
