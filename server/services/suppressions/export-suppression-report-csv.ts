import type { ServiceContext } from "../context";
import { csvLine } from "../imports/csv-values";
import { getSuppressionReport } from "./get-suppression-report";
import type { TSuppressionReportInput } from "./schemas";

/**
 * The opt-out report as CSV (RFC 4180, formula-escaped): one row per day × kind × channel ×
 * group, `kind` = `opt_out` (group: topic key and consent source) or `suppression` (group: reason),
 * the same numbers as the report's chart and table.
 */
export async function exportSuppressionReportCsv({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TSuppressionReportInput;
}): Promise<string> {
  const report = await getSuppressionReport({ ctx, input });
  const rows = [
    ...report.optOuts.map((r) => ({ day: r.day, cells: [r.day, "opt_out", r.channel, r.topic, r.source, r.count] })),
    ...report.suppressions.map((r) => ({
      day: r.day,
      cells: [r.day, "suppression", r.channel, "", r.reason, r.count],
    })),
  ].sort((a, b) => a.day.localeCompare(b.day));
  return (
    csvLine(["day", "kind", "channel", "topic", "source_or_reason", "count"]) +
    rows.map((r) => csvLine(r.cells)).join("")
  );
}
