import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

const n = (value: number) => value.toLocaleString("en-US");

/** A campaign's most clicked links (most unique clicks first, as given), or "No clicks yet.". */
export function TopLinksTable({
  links,
  testId,
}: {
  links: ReadonlyArray<{ url: string; uniqueClicks: number; totalClicks: number }>;
  testId?: string;
}) {
  if (links.length === 0) return <p className="text-sm text-muted-foreground">No clicks yet.</p>;
  return (
    <Table data-testid={testId}>
      <TableCaption className="sr-only">Top links</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead scope="col">Link</TableHead>
          <TableHead scope="col" className="text-right">
            Unique clicks
          </TableHead>
          <TableHead scope="col" className="text-right">
            Clicks
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {links.map((link) => (
          <TableRow key={link.url}>
            <TableCell className="max-w-md truncate font-mono text-xs" title={link.url}>
              {link.url}
            </TableCell>
            <TableCell className="text-right tabular-nums">{n(link.uniqueClicks)}</TableCell>
            <TableCell className="text-right tabular-nums">{n(link.totalClicks)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
