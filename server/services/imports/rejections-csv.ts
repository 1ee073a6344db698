import { and, asc, eq, gt } from "drizzle-orm";
import { importRejections, imports } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { csvLine } from "./csv-values";

const PAGE = 5_000;

/**
 * The rejection report of an import as CSV lines (`line,column,reason`), streamed page by page.
 * Holds no raw values (none are stored). Another workspace's import → NOT_FOUND, checked before
 * the first line is produced.
 */
export async function rejectionsCsv({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { importId: string };
}): Promise<AsyncIterable<string>> {
  const { importId } = input;
  const [row] = await ctx.db
    .select({ id: imports.id })
    .from(imports)
    .where(and(eq(imports.id, importId), eq(imports.workspaceId, ctx.workspaceId)));
  if (!row) throw notFound("Import");
  return (async function* () {
    yield csvLine(["line", "column", "reason"]);
    let after = 0;
    for (;;) {
      const page = await ctx.db
        .select({ line: importRejections.line, column: importRejections.column, reason: importRejections.reason })
        .from(importRejections)
        .where(and(eq(importRejections.importId, importId), gt(importRejections.line, after)))
        .orderBy(asc(importRejections.line))
        .limit(PAGE);
      // A full page may end in the middle of a line's rejections: keep only whole lines.
      const complete = page.length < PAGE ? page : page.filter((r) => r.line < page[page.length - 1]!.line);
      if (complete.length === 0 && page.length === PAGE) {
        // One line with a page worth of rejections cannot happen (one per column); stop rather than loop.
        break;
      }
      let chunk = "";
      for (const r of complete) chunk += csvLine([r.line, r.column, r.reason]);
      if (chunk) yield chunk;
      if (page.length < PAGE) break;
      after = complete[complete.length - 1]!.line;
    }
  })();
}
