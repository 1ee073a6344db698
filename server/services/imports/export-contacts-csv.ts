import { and, asc, arrayContains, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import { contacts } from "@/db/schema";
import { decryptOptional } from "@/server/lib/crypto";
import { forbidden } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { hasRole, hasScope, type ServiceContext } from "../context";
import { csvLine } from "./csv-values";

const PAGE = 2_000;

export const ZExportContactsFilter = z.object({ tag: z.string().trim().min(1).max(64).optional() }).optional();

export const EXPORT_COLUMNS = [
  "id",
  "email",
  "phone",
  "first_name",
  "last_name",
  "locale",
  "timezone",
  "tags",
  "attributes",
  "created_at",
  "updated_at",
];

/**
 * The workspace's contacts (not erased) as CSV, decrypted, streamed in pages of 2,000 by id.
 * Admins only (a member with the admin role, or an API key with the `admin` scope): it is the
 * full PII of the workspace. Every cell goes through `escapeFormula` (formula-injection
 * protection: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'`). Audited once when the stream
 * ends — completed or abandoned — as `contacts.exported` with the row count (no PII).
 */
export async function exportContactsCsv({
  ctx,
  input: filter,
}: {
  ctx: ServiceContext;
  input?: z.input<typeof ZExportContactsFilter>;
}): Promise<AsyncIterable<string>> {
  const actor = ctx.actor;
  const allowed =
    (actor.type === "user" && hasRole(actor.role, "admin")) ||
    (actor.type === "apiKey" && hasScope(actor.scopes, "admin"));
  if (!allowed) throw forbidden("Exporting contacts needs the admin role");
  const parsed = ZExportContactsFilter.parse(filter);

  return (async function* () {
    let rows = 0;
    let completed = false;
    try {
      yield csvLine(EXPORT_COLUMNS);
      let after: string | undefined;
      for (;;) {
        const page = await ctx.db
          .select()
          .from(contacts)
          .where(
            and(
              eq(contacts.workspaceId, ctx.workspaceId),
              isNull(contacts.erasedAt),
              after ? gt(contacts.id, after) : undefined,
              parsed?.tag ? arrayContains(contacts.tags, [parsed.tag]) : undefined,
            ),
          )
          .orderBy(asc(contacts.id))
          .limit(PAGE);
        let chunk = "";
        for (const c of page) {
          chunk += csvLine([
            c.id,
            decryptOptional(c.emailCiphertext, "contact.email"),
            decryptOptional(c.phoneCiphertext, "contact.phone"),
            decryptOptional(c.firstNameCiphertext, "contact.first_name"),
            decryptOptional(c.lastNameCiphertext, "contact.last_name"),
            c.locale,
            c.timezone,
            c.tags.join(","),
            Object.keys(c.attributes).length ? JSON.stringify(c.attributes) : "",
            c.createdAt.toISOString(),
            c.updatedAt.toISOString(),
          ]);
        }
        rows += page.length;
        if (chunk) yield chunk;
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.id;
      }
      completed = true;
    } finally {
      await writeAudit(ctx.db, ctx, {
        action: "contacts.exported",
        targetType: "contact",
        after: { rows, completed, ...(parsed?.tag ? { filter: "tag" } : {}) },
      });
    }
  })();
}
