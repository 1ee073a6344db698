import { createHash } from "node:crypto";
import { and, countDistinct, eq, inArray, isNull, like, sql } from "drizzle-orm";
import { consentEvents, consentTexts, formVersions, type forms, topics, type FormDefinition } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { invalid } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import type { TFormSummary } from "./schemas";

/** The same hash `recordConsentChange` gives the consent text, so ledger and form versions match. */
export function consentTextHash(text: string): string {
  return createHash("sha256").update(text.normalize("NFC")).digest("hex");
}

/** Topics must belong to the workspace, be live, and reach a channel the form asks an address for. */
export async function checkTopics(tx: Queryable, workspaceId: string, definition: FormDefinition): Promise<void> {
  const rows = await tx
    .select()
    .from(topics)
    .where(
      and(eq(topics.workspaceId, workspaceId), inArray(topics.id, definition.topicIds), isNull(topics.archivedAt)),
    );
  if (rows.length !== new Set(definition.topicIds).size)
    throw invalid("Choose topics of this workspace that are not archived", "definition.topicIds");
  const channels = new Set(
    definition.fields.map((f) => (f.name === "email" ? "email" : f.name === "phone" ? "sms" : null)),
  );
  const unreachable = rows.filter((t) => !t.channels.some((c) => channels.has(c)));
  if (unreachable.length > 0) {
    const names = unreachable.map((t) => `"${t.name}"`).join(", ");
    throw invalid(
      `${names} is sent by ${unreachable[0]!.channels.join("/")}: add the matching field (email or phone)`,
      "definition.topicIds",
    );
  }
}

/** Appends an immutable version and stores its consent text once (consent_texts, by hash). */
export async function insertVersion(
  tx: Queryable,
  ctx: ServiceContext,
  formId: string,
  version: number,
  definition: FormDefinition,
) {
  const hash = consentTextHash(definition.consentText);
  const now = ctx.now();
  await tx
    .insert(consentTexts)
    .values({ workspaceId: ctx.workspaceId, hash, text: definition.consentText, createdAt: now })
    .onConflictDoNothing();
  const [row] = await tx
    .insert(formVersions)
    .values({
      workspaceId: ctx.workspaceId,
      formId,
      version,
      definition,
      consentTextHash: hash,
      createdByUserId: ctx.actor.type === "user" ? ctx.actor.userId : null,
      createdAt: now,
    })
    .returning();
  return row!;
}

type FormRow = typeof forms.$inferSelect;

/** Distinct contacts per form who submitted it (any version), from the ledger evidence. */
export async function signupCounts(
  db: Queryable,
  workspaceId: string,
  formIds: string[],
): Promise<Map<string, number>> {
  if (formIds.length === 0) return new Map();
  const formId = sql<string>`split_part(${consentEvents.evidence}->>'formVersion', '@', 1)`;
  const rows = await db
    .select({ formId, n: countDistinct(consentEvents.contactId) })
    .from(consentEvents)
    .where(
      and(
        eq(consentEvents.workspaceId, workspaceId),
        eq(consentEvents.action, "opted_in"),
        eq(consentEvents.source, "form"),
        like(sql`${consentEvents.evidence}->>'formVersion'`, "%@v%"),
        inArray(formId, formIds),
      ),
    )
    .groupBy(formId);
  return new Map(rows.map((r) => [r.formId, Number(r.n)]));
}

export function toSummary(form: FormRow, definition: FormDefinition, signups: number): TFormSummary {
  return {
    id: form.id,
    key: form.key,
    name: form.name,
    title: definition.title,
    currentVersion: form.currentVersion,
    doubleOptIn: definition.doubleOptIn,
    topicIds: definition.topicIds,
    archived: form.archivedAt !== null,
    signups,
    createdAt: form.createdAt,
    updatedAt: form.updatedAt,
  };
}
