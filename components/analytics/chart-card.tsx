"use client";

import { useId, useState } from "react";
import { DownloadIcon, TableIcon, BarChart3Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

export interface TableView {
  columns: string[];
  rows: (string | number)[][];
}

/**
 * One dashboard section: a chart (an image to assistive technology, named by its summary), the
 * same numbers as a table (toggled, with column headers and a caption), and a CSV download.
 */
export function ChartCard({
  title,
  description,
  summary,
  table,
  csvHref,
  testId,
  empty,
  children,
}: {
  title: string;
  description: string;
  /** One sentence saying what the chart shows: its accessible name. */
  summary: string;
  table: TableView;
  csvHref: string;
  testId: string;
  /** Shown instead of the chart and table when there is nothing to show. */
  empty?: React.ReactNode;
  children: React.ReactNode;
}) {
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  const headingId = useId();
  return (
    <Card data-testid={testId} aria-labelledby={headingId} role="region">
      <CardHeader className="flex flex-wrap items-start justify-between gap-2">
        <div className="grid gap-1">
          <CardTitle id={headingId} className="text-base">
            {title}
          </CardTitle>
          <CardDescription>{description}</CardDescription>
        </div>
        {empty ? null : (
          <div className="flex flex-wrap gap-2">
            <Button
              type="button"
              variant="outline"
              size="sm"
              aria-expanded={showTable}
              aria-controls={tableId}
              onClick={() => setShowTable((v) => !v)}
            >
              {showTable ? <BarChart3Icon aria-hidden /> : <TableIcon aria-hidden />}
              {showTable ? "Show chart" : "Show table"}
            </Button>
            <Button asChild variant="outline" size="sm">
              <a href={csvHref} download>
                <DownloadIcon aria-hidden />
                Download CSV<span className="sr-only"> of {title.toLowerCase()}</span>
              </a>
            </Button>
          </div>
        )}
      </CardHeader>
      <CardContent>
        {empty ?? (
          <>
            <div id={tableId} hidden={!showTable}>
              <Table containerClassName="max-h-96 overflow-y-auto" scrollLabel={`${title}, table`}>
                <TableCaption className="sr-only">{title}</TableCaption>
                <TableHeader>
                  <TableRow>
                    {table.columns.map((c) => (
                      <TableHead key={c} scope="col">
                        {c}
                      </TableHead>
                    ))}
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {table.rows.map((row, i) => (
                    <TableRow key={i}>
                      {row.map((cell, j) =>
                        j === 0 ? (
                          <TableHead key={j} scope="row" className="font-normal">
                            {cell}
                          </TableHead>
                        ) : (
                          <TableCell key={j} className="tabular-nums">
                            {cell}
                          </TableCell>
                        ),
                      )}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
            {showTable ? null : (
              <div role="img" aria-label={summary} className="h-64 w-full">
                {children}
              </div>
            )}
          </>
        )}
      </CardContent>
    </Card>
  );
}
