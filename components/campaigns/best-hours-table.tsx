import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * The hours a best-hour send chose (or would choose): one row per local hour with its
 * recipients, and a bar for the eye (the numbers are the table's; the bar is hidden from
 * assistive technology). `pending` adds the recipients still waiting for their hour.
 */
export function BestHoursTable({
  caption,
  rows,
  testId,
}: {
  caption: string;
  rows: { hour: number; recipients: number; pending?: number }[];
  testId?: string;
}) {
  const max = Math.max(1, ...rows.map((row) => row.recipients));
  const showPending = rows.some((row) => row.pending !== undefined);
  return (
    <Table data-testid={testId}>
      <TableCaption className="mt-0 mb-2 text-left">{caption}</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead scope="col">Local hour</TableHead>
          <TableHead scope="col" className="text-right">
            Recipients
          </TableHead>
          {showPending ? (
            <TableHead scope="col" className="text-right">
              Waiting
            </TableHead>
          ) : null}
          <TableHead scope="col" className="w-1/2">
            <span className="sr-only">Share</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.hour}>
            <TableCell className="tabular-nums">
              {pad(row.hour)}:00–{pad((row.hour + 1) % 24)}:00
            </TableCell>
            <TableCell className="text-right tabular-nums">{row.recipients.toLocaleString("en-US")}</TableCell>
            {showPending ? (
              <TableCell className="text-right tabular-nums">{(row.pending ?? 0).toLocaleString("en-US")}</TableCell>
            ) : null}
            <TableCell>
              <div
                aria-hidden="true"
                className="h-2 rounded-sm bg-primary"
                style={{ width: `${(row.recipients / max) * 100}%` }}
              />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
