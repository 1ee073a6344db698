"use client";

import * as React from "react";
import { SearchIcon, ShieldIcon, XIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { CursorPager } from "@/components/ui/cursor-pager";
import { EmptyState } from "@/components/ui/empty-state";
import { Table } from "@/components/ui/table";
import { errorMessage } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";

/**
 * The shell of a filtered, keyset-paginated list page (contacts, messages): filters kept in state
 * (and, where the page wants it, mirrored in the address bar), a stack of cursors, the card with
 * its filter panel, and the results: loading rows, a load error, an empty state, or the total
 * ("Updating…" while a new page loads), the table (`aria-busy` while fetching) and the pager.
 * Each page brings its own filters, columns, rows and empty states.
 */

// ─── State ───────────────────────────────────────────────────────────────────────────────────

/** A stack of page cursors: the last entry is the current page's (`undefined` = the first page). */
export type CursorStack = readonly (string | undefined)[];

export const FIRST_PAGE: CursorStack = [undefined];

/** Moves over a cursor stack (pure, so the hook and its tests share it). */
export const cursorStack = {
  current: (stack: CursorStack) => stack[stack.length - 1],
  pageIndex: (stack: CursorStack) => stack.length - 1,
  /** 1-based position of the first row of the current page. */
  firstRow: (stack: CursorStack, pageSize: number) => (stack.length - 1) * pageSize + 1,
  previous: (stack: CursorStack): CursorStack => stack.slice(0, -1),
  next: (stack: CursorStack, cursor: string | null | undefined): CursorStack => [...stack, cursor ?? undefined],
};

export interface CursorPagination {
  /** The cursor of the current page, for the list query. */
  cursor: string | undefined;
  pageIndex: number;
  /** 1-based position of the first row on this page. */
  first: number;
  previous: () => void;
  next: (cursor: string | null | undefined) => void;
  /** Back to the first page (the filters changed). */
  reset: () => void;
}

/** Keyset pagination over a list query: Previous pops a cursor, Next pushes the page's `nextCursor`. */
export function useCursorPagination(pageSize: number): CursorPagination {
  const [stack, setStack] = React.useState<CursorStack>(FIRST_PAGE);
  return {
    cursor: cursorStack.current(stack),
    pageIndex: cursorStack.pageIndex(stack),
    first: cursorStack.firstRow(stack, pageSize),
    previous: () => setStack(cursorStack.previous),
    next: (cursor) => setStack((current) => cursorStack.next(current, cursor)),
    reset: () => setStack(FIRST_PAGE),
  };
}

export interface BrowserFilters<F> {
  filters: F;
  /** Changes some filters and goes back to the first page. */
  apply: (patch: Partial<F>) => void;
  /** Whether any filter differs from "no filters". */
  filtered: boolean;
}

/**
 * Filters of a list page. `apply` goes back to the first page (`pagination.reset`) and hands the
 * new filters to `onChange` (e.g. `replaceUrlQuery`, so the view can be bookmarked).
 */
export function useBrowserFilters<F extends object>({
  initial,
  none,
  pagination,
  onChange,
}: {
  initial: F;
  /** The filters of the unfiltered list. */
  none: F;
  pagination: Pick<CursorPagination, "reset">;
  onChange?: (filters: F) => void;
}): BrowserFilters<F> {
  const [filters, setFilters] = React.useState<F>(initial);
  const apply = (patch: Partial<F>) => {
    setFilters((current) => {
      const next = { ...current, ...patch };
      onChange?.(next);
      return next;
    });
    pagination.reset();
  };
  return { filters, apply, filtered: JSON.stringify(filters) !== JSON.stringify(none) };
}

/**
 * The query string of a filtered view: every filter that is set (not empty, not `any`), except
 * those in `omit` (personal data such as a recipient address stays out of the URL, and so out of
 * history and logs).
 */
export function filtersQuery(
  filters: Record<string, string>,
  { any, omit = [] }: { any: string; omit?: readonly string[] },
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (omit.includes(key)) continue;
    if (value && value !== any) params.set(key, value);
  }
  return params.toString();
}

/** Mirrors the filters in the address bar (no navigation, no history entry). */
export function replaceUrlQuery(
  path: string,
  filters: Record<string, string>,
  options: { any: string; omit?: readonly string[] },
): void {
  const query = filtersQuery(filters, options);
  window.history.replaceState(null, "", query ? `${path}?${query}` : path);
}

/** The field a list query refused (`error.data.field`): its message goes next to that field, not in a load error. */
export function fieldErrorOf(
  list: Pick<BrowserQuery<unknown>, "isError" | "error">,
  field: string,
): string | undefined {
  const refused = (list.error as { data?: { field?: string } } | null | undefined)?.data?.field;
  return list.isError && refused === field ? errorMessage(list.error) : undefined;
}

// ─── Layout ──────────────────────────────────────────────────────────────────────────────────

/** Above the card: personal data is masked for this role. */
export function MaskedNotice({ title, children }: { title: React.ReactNode; children: React.ReactNode }) {
  return (
    <Alert>
      <ShieldIcon />
      <AlertTitle>{title}</AlertTitle>
      <AlertDescription>{children}</AlertDescription>
    </Alert>
  );
}

/** The card: the filter panel, an optional toolbar under it (e.g. status chips), then the results. */
export function BrowserCard({
  filters,
  toolbar,
  children,
}: {
  filters: React.ReactNode;
  toolbar?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <Card className="gap-0 overflow-hidden py-0">
      <div className="grid gap-3 border-b bg-muted/30 p-4 sm:px-6">{filters}</div>
      {toolbar}
      {children}
    </Card>
  );
}

/** The row of filter fields in the panel (two columns on small screens, one wrapping line from md). */
export function FilterRow({ children }: { children: React.ReactNode }) {
  return <div className="grid grid-cols-2 gap-2 md:flex md:flex-wrap md:items-end">{children}</div>;
}

/** "Clear filters" at the end of the filter row, shown while any filter is set. */
export function ClearFiltersButton({ onClick }: { onClick: () => void }) {
  return (
    <Button variant="ghost" size="sm" className="col-span-2 h-9 justify-self-start md:col-span-1" onClick={onClick}>
      <XIcon />
      Clear filters
    </Button>
  );
}

/** The empty state of a filtered list that matched nothing. */
export function NoMatches({
  title,
  description,
  onClear,
}: {
  title: string;
  description: string;
  onClear: () => void;
}) {
  return (
    <EmptyState
      bare
      className="py-16"
      icon={SearchIcon}
      title={title}
      description={description}
      action={
        <Button variant="outline" onClick={onClear}>
          Clear filters
        </Button>
      }
    />
  );
}

/** What the results need of a list query (a TanStack Query result). */
export interface BrowserQuery<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  isError: boolean;
  isFetching: boolean;
  refetch: () => unknown;
}

/** A page of a keyset-paginated list. */
export interface BrowserPage {
  items: readonly unknown[];
  /** Null on later pages: the list keeps the first page's figure (pages never recount). */
  total: number | null;
  /** `total` is a lower bound: more rows match than the server counted (shown as "10,000+"). */
  totalCapped?: boolean;
  nextCursor?: string | null;
}

/**
 * The results part of the card: loading rows on the first load; a load error (with Try again)
 * unless the error belongs to a field (`fieldError`, shown by that field); the empty state when
 * there is nothing to show; otherwise the total ("matching …" while filtered, "Updating…" while a
 * new page loads), the table (`aria-busy` while fetching) with the page's rows, and the pager.
 */
export function BrowserResults<T extends BrowserPage>({
  list,
  pagination,
  loadingLabel,
  fieldError,
  empty,
  noun,
  filtered,
  totalTestId,
  children,
}: {
  list: BrowserQuery<T>;
  pagination: CursorPagination;
  loadingLabel: string;
  fieldError?: string;
  empty: React.ReactNode;
  /** Singular and plural, e.g. `["contact", "contacts"]`. */
  noun: readonly [string, string];
  filtered: boolean;
  totalTestId?: string;
  /** The table's header and body for this page. */
  children: (data: T) => React.ReactNode;
}) {
  const data = list.data;
  // The first page brings the total; later pages bring none and the last one known stands.
  const fresh = data && data.total !== null ? { total: data.total, capped: Boolean(data.totalCapped) } : null;
  const [kept, setKept] = React.useState(fresh);
  if (fresh && (fresh.total !== kept?.total || fresh.capped !== kept.capped)) setKept(fresh);
  const counted = fresh ?? kept;
  if (list.isPending) return <LoadingRows rows={8} label={loadingLabel} />;
  if (list.isError && !fieldError)
    return <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />;
  if (!data || data.items.length === 0 || fieldError) return <>{empty}</>;
  const total = counted?.total ?? data.items.length;
  const word = total === 1 && !counted?.capped ? noun[0] : noun[1];
  return (
    <>
      <div className="flex items-center justify-between gap-2 border-b px-4 py-2.5 text-xs text-muted-foreground sm:px-6">
        <span aria-live="polite" data-testid={totalTestId}>
          <span className="font-medium text-foreground tabular-nums">
            {total.toLocaleString("en-US")}
            {counted?.capped ? "+" : ""}
          </span>{" "}
          {filtered ? `matching ${word}` : word}
          {counted?.capped ? <span> (more than this match; not counted exactly)</span> : null}
        </span>
        {list.isFetching ? <span>Updating…</span> : null}
      </div>
      <Table aria-busy={list.isFetching}>{children(data)}</Table>
      <CursorPager
        first={pagination.first}
        shown={data.items.length}
        total={total}
        capped={counted?.capped}
        canGoBack={pagination.pageIndex > 0 && !list.isFetching}
        canGoForward={Boolean(data.nextCursor) && !list.isFetching}
        onPrevious={pagination.previous}
        onNext={() => pagination.next(data.nextCursor)}
      />
    </>
  );
}
