import { eq, sql } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { emailLookupKey, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { invalid, notFound } from "@/server/lib/errors";
import { readSeedList, seedChannelOf } from "@/server/shared/seed-list";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, requireAccess, type ServiceContext } from "../context";
import { getSeedList } from "./get-seed-list";
import { ZUpdateSeedListInput, type TSeedList, type TUpdateSeedListInput } from "./seed-list-schemas";

/**
 * Replaces the workspace's seed list: up to 20 email addresses and phone numbers (national numbers
 * read in the workspace's default region), each normalised as contacts' addresses are; the same
 * address given twice is kept once. A malformed one is INVALID naming its position
 * (`addresses.<i>`). Admins and owners (or a key with `admin`). Only `settings.campaigns.seedList`
 * is written (a JSON merge, so other settings survive). Audited with the counts only: the
 * addresses stay out of the audit log. Takes effect from the next campaign run.
 */
export async function updateSeedList({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateSeedListInput;
}): Promise<TSeedList> {
  requireAccess(ctx, { scope: "admin", role: "admin", what: "the seed list" });
  const { addresses } = ZUpdateSeedListInput.parse(input);
  await inTransaction(ctx.db, async (tx) => {
    const [before] = await tx
      .select({ settings: workspaces.settings, region: workspaces.defaultRegion })
      .from(workspaces)
      .where(eq(workspaces.id, ctx.workspaceId))
      .for("update");
    if (!before) throw notFound("Workspace");
    const seen = new Set<string>();
    const list: string[] = [];
    addresses.forEach((given, index) => {
      const normalized =
        seedChannelOf(given) === "email" ? normalizeEmail(given) : normalizePhone(given, before.region);
      if (!normalized.ok) {
        throw invalid(
          seedChannelOf(given) === "email"
            ? `Seed ${index + 1} is not a valid email address`
            : `Seed ${index + 1} is not a valid phone number (use the international format, e.g. +14155550100)`,
          `addresses.${index}`,
        );
      }
      const key = seedChannelOf(normalized.value) === "email" ? emailLookupKey(normalized.value) : normalized.value;
      if (seen.has(key)) return;
      seen.add(key);
      list.push(normalized.value);
    });
    await tx
      .update(workspaces)
      .set({
        settings: sql`${workspaces.settings} || jsonb_build_object('campaigns',
          coalesce(${workspaces.settings} -> 'campaigns', '{}'::jsonb) || jsonb_build_object('seedList', ${JSON.stringify(list)}::jsonb))`,
        updatedAt: ctx.now(),
      })
      .where(eq(workspaces.id, ctx.workspaceId));
    const counts = (values: string[]) => ({
      emails: values.filter((v) => seedChannelOf(v) === "email").length,
      phones: values.filter((v) => seedChannelOf(v) === "sms").length,
    });
    await writeAudit(tx, ctx, {
      action: "workspace.seed_list_updated",
      targetType: "workspace",
      targetId: ctx.workspaceId,
      before: counts(readSeedList(before.settings)),
      after: counts(list),
    });
  });
  return getSeedList({ ctx });
}
