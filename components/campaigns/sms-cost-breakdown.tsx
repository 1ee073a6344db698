import type { TDryRun } from "@/server/services/campaigns";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { countryName } from "@/server/shared/sms-pricing";

/** Countries listed one by one; the rest are summed in one row. */
export const TOP_COUNTRIES = 8;

type Estimate = NonNullable<TDryRun["estimatedCost"]>;
type CountryRow = NonNullable<Estimate["byCountry"]>[number];

export function formatUsd(amount: number): string {
  return `${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 5 })} USD`;
}

/** The summed rows' cost like the total: whole 1/100,000 USD, rounded to 4 decimals once. */
function restCost(rows: CountryRow[]): number {
  const units = rows.reduce((sum, row) => sum + row.segments * Math.round(row.price * 100_000), 0);
  return Math.round(units / 10) / 10_000;
}

function label(row: CountryRow): string {
  return row.country === null ? "Unknown country" : `${countryName(row.country)} (${row.country})`;
}

/**
 * The dry run's SMS cost by destination country: the costliest countries with their recipients,
 * segments, price per segment and cost, the others summed, and how many recipients were priced at
 * the workspace's default price (no price for their country, or country unknown).
 */
export function SmsCostBreakdown({ estimate }: { estimate: Estimate }) {
  if (!estimate.byCountry) {
    return (
      <p className="text-xs text-muted-foreground">
        This dry run predates prices per country: run it again to see the cost by destination country.
      </p>
    );
  }
  if (estimate.byCountry.length === 0) {
    return <p className="text-xs text-muted-foreground">No sendable recipients: nothing to price.</p>;
  }
  const top = estimate.byCountry.slice(0, TOP_COUNTRIES);
  const rest = estimate.byCountry.slice(TOP_COUNTRIES);
  const restTotals = rest.reduce(
    (sum, row) => ({ recipients: sum.recipients + row.recipients, segments: sum.segments + row.segments }),
    { recipients: 0, segments: 0 },
  );
  const defaultPriced = estimate.defaultPriced ?? 0;
  return (
    <div className="grid gap-2" data-testid="sms-cost-breakdown">
      <Table>
        <TableCaption className="mt-0 mb-2 caption-top text-left text-sm font-medium text-foreground">
          Estimated cost by destination country
        </TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead scope="col">Country</TableHead>
            <TableHead scope="col" className="text-right">
              Recipients
            </TableHead>
            <TableHead scope="col" className="text-right">
              Segments
            </TableHead>
            <TableHead scope="col" className="text-right">
              Price per segment
            </TableHead>
            <TableHead scope="col" className="text-right">
              Cost
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {top.map((row) => (
            <TableRow key={row.country ?? "unknown"}>
              <TableHead scope="row" className="font-normal">
                {label(row)}
              </TableHead>
              <TableCell className="text-right tabular-nums">{row.recipients.toLocaleString("en-US")}</TableCell>
              <TableCell className="text-right tabular-nums">{row.segments.toLocaleString("en-US")}</TableCell>
              <TableCell className="text-right tabular-nums">
                {formatUsd(row.price)}
                {row.defaultPrice ? <span className="text-muted-foreground"> (default)</span> : null}
              </TableCell>
              <TableCell className="text-right tabular-nums">{formatUsd(row.cost)}</TableCell>
            </TableRow>
          ))}
          {rest.length > 0 ? (
            <TableRow>
              <TableHead scope="row" className="font-normal">
                {rest.length} other {rest.length === 1 ? "country" : "countries"}
              </TableHead>
              <TableCell className="text-right tabular-nums">{restTotals.recipients.toLocaleString("en-US")}</TableCell>
              <TableCell className="text-right tabular-nums">{restTotals.segments.toLocaleString("en-US")}</TableCell>
              <TableCell className="text-right text-muted-foreground">various</TableCell>
              <TableCell className="text-right tabular-nums">{formatUsd(restCost(rest))}</TableCell>
            </TableRow>
          ) : null}
        </TableBody>
      </Table>
      <p className="text-xs text-muted-foreground">
        {defaultPriced === 0
          ? "Every recipient is priced at their country's price."
          : `${defaultPriced.toLocaleString("en-US")} ${defaultPriced === 1 ? "recipient" : "recipients"} at the default price (no price set for their country, or the country of the number is unknown).`}{" "}
        Prices are set in Settings → Messaging.
      </p>
    </div>
  );
}
