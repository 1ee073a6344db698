import { and, eq, inArray, sql } from "drizzle-orm";
import { topics, workspaces } from "@/db/schema";
import { forbidden, invalid, notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { countryTimeZone } from "./recipient-timezone";
import { readMessagingSettings, ZMessagingSettings, type TMessagingSettings } from "@/server/shared/messaging-settings";
import type { MessagingSettings } from "./types";
import { hasRole, hasScope, inTransaction, type ServiceContext } from "../context";
import { invalidateSendContext } from "../messages/send-context-cache";

export const ZUpdateMessagingSettingsInput = ZMessagingSettings;
export type TUpdateMessagingSettingsInput = TMessagingSettings;

function canUpdate(ctx: ServiceContext): boolean {
  switch (ctx.actor.type) {
    case "user":
      return hasRole(ctx.actor.role, "admin");
    case "apiKey":
      return hasScope(ctx.actor.scopes, "admin");
    case "system":
      return true;
    default:
      return false;
  }
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
  if (!canUpdate(ctx)) throw forbidden("Only admins and owners can change messaging settings");
  const values = ZUpdateMessagingSettingsInput.parse(input);
  const saved = await inTransaction(ctx.db, async (tx) => {
    const [before] = await tx
      .select({ settings: workspaces.settings, defaultRegion: workspaces.defaultRegion })
      .from(workspaces)
      .where(eq(workspaces.id, ctx.workspaceId))
      .for("update");
    if (!before) throw notFound("Workspace");

    const topicKeys = [
      ...new Set(values.frequencyCaps.map((cap) => cap.topicKey).filter((key): key is string => key !== null)),
    ];
    if (topicKeys.length > 0) {
      const found = await tx
        .select({ key: topics.key })
        .from(topics)
        .where(and(eq(topics.workspaceId, ctx.workspaceId), inArray(topics.key, topicKeys)));
      const known = new Set(found.map((row) => row.key));
      const index = values.frequencyCaps.findIndex((cap) => cap.topicKey !== null && !known.has(cap.topicKey));
      if (index >= 0)
        throw invalid(`Unknown topic "${values.frequencyCaps[index]!.topicKey}"`, `frequencyCaps.${index}.topicKey`);
    }

    const previous = readMessagingSettings(before.settings, countryTimeZone(before.defaultRegion));
    await tx
      .update(workspaces)
      .set({
        settings: sql`${workspaces.settings} || jsonb_build_object('messaging', ${JSON.stringify(values)}::jsonb)`,
        updatedAt: ctx.now(),
      })
      .where(eq(workspaces.id, ctx.workspaceId));
    await writeAudit(tx, ctx, {
      action: "workspace.messaging_settings_updated",
      targetType: "workspace",
      targetId: ctx.workspaceId,
      before: { ...previous },
      after: { ...values },
    });
    return values;
  });
  invalidateSendContext(ctx.workspaceId);
  return saved;
}
