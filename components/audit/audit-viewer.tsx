"use client";

import * as React from "react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { ChevronRightIcon, ScrollTextIcon, ShieldAlertIcon, ShieldCheckIcon, ShieldXIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC, useTRPCClient } from "@/components/providers/trpc-provider";
import { formatDateTime } from "@/components/settings/format";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import type { AppRouter } from "@/server/api/root";
import { describeAction, describeActor, KNOWN_AUDIT_ACTIONS } from "./describe-action";

const PAGE_SIZE = 50;
const ALL = "all";
/** A filter field's one column never grows past its cell: a long choice (an action and its code) truncates. */
const FIELD_CLASS = "min-w-0 grid-cols-1";

const ACTOR_TYPES = [
  { value: "user", label: "Member" },
  { value: "apiKey", label: "API key" },
  { value: "contact", label: "Contact" },
  { value: "provider", label: "Provider" },
  { value: "system", label: "System" },
] as const;
type ActorType = (typeof ACTOR_TYPES)[number]["value"];

/** The form's fields as typed; `ALL` means no filter. Dates are `YYYY-MM-DD`, read as UTC days. */
interface Filters {
  actorType: ActorType | typeof ALL;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { actorType: ALL, actor: "", action: ALL, targetType: "", targetId: "", from: "", to: "" };

const DAY_MS = 86_400_000;

/** Filters → `audit.list` input; the "to" day is inclusive, so the bound is the next midnight. */
function toListInput(filters: Filters) {
  const text = (value: string) => value.trim() || undefined;
  const day = (value: string) => (value ? new Date(`${value}T00:00:00.000Z`) : undefined);
  const to = day(filters.to);
  return {
    actorType: filters.actorType === ALL ? undefined : filters.actorType,
    actor: text(filters.actor),
    action: filters.action === ALL ? undefined : filters.action,
    targetType: text(filters.targetType),
    targetId: text(filters.targetId),
    from: day(filters.from),
    to: to ? new Date(to.getTime() + DAY_MS) : undefined,
  };
}

function isFiltered(filters: Filters): boolean {
  return (Object.keys(NO_FILTERS) as (keyof Filters)[]).some((key) => filters[key] !== NO_FILTERS[key]);
}

/**
 * The workspace's audit log for admins: filters, newest-first rows loaded 50 at a time by `seq`,
 * each row expandable to its before/after, and an on-demand check of the workspace's hash chain.
 */
export function AuditViewer({ canView }: { canView: boolean }) {
  if (!canView) {
    return (
      <Alert>
        <ShieldAlertIcon />
        <AlertTitle>Admins only</AlertTitle>
        <AlertDescription>The audit log is visible to admins and owners of this workspace.</AlertDescription>
      </Alert>
    );
  }
  // One column that never grows past the page (minmax(0, 1fr)): a long value truncates instead
  // of widening the page.
  return (
    <div className="grid min-w-0 grid-cols-1 gap-4">
      <ChainCheck />
      <AuditLog />
    </div>
  );
}

function AuditLog() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [draft, setDraft] = React.useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = React.useState<Filters>(NO_FILTERS);
  const input = React.useMemo(() => toListInput(applied), [applied]);

  const log = useInfiniteQuery({
    queryKey: [...trpc.audit.list.pathKey(), { viewer: input }],
    queryFn: ({ pageParam }) => client.audit.list.query({ ...input, limit: PAGE_SIZE, beforeSeq: pageParam }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (page) => (page.length === PAGE_SIZE ? page[page.length - 1]!.seq : undefined),
  });
  const entries = log.data?.pages.flat() ?? [];
  const set =
    <K extends keyof Filters>(key: K) =>
    (value: Filters[K]) =>
      setDraft((current) => ({ ...current, [key]: value }));

  return (
    <>
      <Card className="p-4">
        <form
          className="grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-4"
          aria-label="Filter the audit log"
          onSubmit={(e) => {
            e.preventDefault();
            setApplied(draft);
          }}
        >
          <FormField className={FIELD_CLASS} label="Actor type" id="audit-actor-type">
            <Select value={draft.actorType} onValueChange={(value) => set("actorType")(value as Filters["actorType"])}>
              <SelectTrigger id="audit-actor-type">
                <SelectValue />
              </SelectTrigger>
              <SelectContent aria-label="Actor type">
                <SelectItem value={ALL}>Anyone</SelectItem>
                {ACTOR_TYPES.map((type) => (
                  <SelectItem key={type.value} value={type.value}>
                    {type.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
          <FormField className={FIELD_CLASS} label="Actor" description="An id, or part of a member's email or name.">
            <Input
              value={draft.actor}
              onChange={(e) => set("actor")(e.target.value)}
              placeholder="e.g. ana@example.com"
              maxLength={200}
            />
          </FormField>
          <FormField className={FIELD_CLASS} label="Action" id="audit-action">
            <Select value={draft.action} onValueChange={set("action")}>
              <SelectTrigger id="audit-action">
                <SelectValue />
              </SelectTrigger>
              <SelectContent aria-label="Action">
                <SelectItem value={ALL}>Any action</SelectItem>
                {KNOWN_AUDIT_ACTIONS.map(({ action, label }) => (
                  <SelectItem key={action} value={action}>
                    {label} <code className="text-xs text-muted-foreground">{action}</code>
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
          <div className="grid min-w-0 grid-cols-2 gap-3">
            <FormField className={FIELD_CLASS} label="Target type">
              <Input
                value={draft.targetType}
                onChange={(e) => set("targetType")(e.target.value)}
                placeholder="e.g. api_key"
                maxLength={100}
              />
            </FormField>
            <FormField className={FIELD_CLASS} label="Target id">
              <Input value={draft.targetId} onChange={(e) => set("targetId")(e.target.value)} maxLength={200} />
            </FormField>
          </div>
          <FormField className={FIELD_CLASS} label="From (UTC)">
            <Input
              type="date"
              value={draft.from}
              onChange={(e) => set("from")(e.target.value)}
              max={draft.to || undefined}
            />
          </FormField>
          <FormField className={FIELD_CLASS} label="To (UTC, inclusive)">
            <Input
              type="date"
              value={draft.to}
              onChange={(e) => set("to")(e.target.value)}
              min={draft.from || undefined}
            />
          </FormField>
          <div className="flex flex-wrap items-end gap-2 sm:col-span-2">
            <Button type="submit" disabled={log.isFetching && !log.isFetchingNextPage}>
              {log.isFetching && !log.isFetchingNextPage ? <Spinner /> : null}
              Apply filters
            </Button>
            <Button
              type="button"
              variant="outline"
              disabled={!isFiltered(draft) && !isFiltered(applied)}
              onClick={() => {
                setDraft(NO_FILTERS);
                setApplied(NO_FILTERS);
              }}
            >
              Clear
            </Button>
          </div>
        </form>
      </Card>

      <Card className="py-0">
        {log.isPending ? (
          <LoadingRows rows={5} label="Loading the audit log" />
        ) : log.isError ? (
          <LoadError message={errorMessage(log.error)} onRetry={() => void log.refetch()} />
        ) : entries.length === 0 ? (
          <EmptyState
            bare
            className="py-12"
            icon={ScrollTextIcon}
            title={isFiltered(applied) ? "No entries match these filters" : "Nothing recorded yet"}
            description={
              isFiltered(applied)
                ? "Widen the time range or clear a filter."
                : "Consent changes and admin actions appear here as they happen."
            }
          />
        ) : (
          // Fixed layout: the columns share the card's width, and long actors, actions and targets
          // truncate (the full text in their title) rather than widening the page.
          <Table className="table-fixed">
            <TableHeader>
              <TableRow>
                <TableHead className="w-12 sm:w-14">
                  <span className="sr-only">Details</span>
                </TableHead>
                <TableHead className="w-28 sm:w-40">When (UTC)</TableHead>
                <TableHead>Actor</TableHead>
                <TableHead>Action</TableHead>
                <TableHead className="hidden w-[28%] md:table-cell">Target</TableHead>
                <TableHead className="hidden w-16 text-right sm:table-cell">#</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {entries.map((entry) => (
                <AuditRow key={entry.id} entry={entry} />
              ))}
            </TableBody>
          </Table>
        )}
      </Card>

      {log.hasNextPage ? (
        <div className="flex justify-center">
          <Button variant="outline" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
            {log.isFetchingNextPage ? <Spinner /> : null}
            Load more
          </Button>
        </div>
      ) : null}
    </>
  );
}

type Entry = inferRouterOutputs<AppRouter>["audit"]["list"][number];

function AuditRow({ entry }: { entry: Entry }) {
  const [isOpen, setIsOpen] = React.useState(false);
  const detailsId = `audit-${entry.id}`;
  const actor = describeActor(entry);
  const actorType = ACTOR_TYPES.find((type) => type.value === entry.actorType)?.label ?? entry.actorType;
  return (
    <>
      <TableRow data-testid="audit-row" data-state={isOpen ? "selected" : undefined}>
        <TableCell>
          <Button
            variant="ghost"
            size="icon"
            className="size-7"
            aria-expanded={isOpen}
            aria-controls={detailsId}
            aria-label={isOpen ? "Hide details" : "Show details"}
            onClick={() => setIsOpen((open) => !open)}
          >
            <ChevronRightIcon className={isOpen ? "rotate-90 transition-transform" : "transition-transform"} />
          </Button>
        </TableCell>
        <TableCell className="whitespace-normal text-muted-foreground tabular-nums sm:whitespace-nowrap">
          {formatDateTime(entry.createdAt)}
        </TableCell>
        <TableCell>
          <div className="flex min-w-0 items-center gap-2">
            <span className="truncate font-medium" title={actor}>
              {actor}
            </span>
            <Badge variant="muted" className="hidden shrink-0 lg:inline-flex">
              {actorType}
            </Badge>
          </div>
        </TableCell>
        <TableCell>
          <div className="truncate" title={`${describeAction(entry.action)} (${entry.action})`}>
            {describeAction(entry.action)}
            <code className="ml-2 hidden text-xs text-muted-foreground xl:inline">{entry.action}</code>
          </div>
        </TableCell>
        <TableCell className="hidden md:table-cell">
          {entry.targetType ? (
            <div
              className="truncate text-muted-foreground"
              title={entry.targetId ? `${entry.targetType} ${entry.targetId}` : entry.targetType}
            >
              {entry.targetType}
              {entry.targetId ? <code className="ml-1 text-xs">{entry.targetId}</code> : null}
            </div>
          ) : (
            "—"
          )}
        </TableCell>
        <TableCell className="hidden text-right text-muted-foreground tabular-nums sm:table-cell">
          {entry.seq}
        </TableCell>
      </TableRow>
      {isOpen ? (
        <TableRow id={detailsId} className="hover:bg-transparent">
          <TableCell colSpan={6} className="bg-muted/30 whitespace-normal">
            <div className="grid gap-3 py-2 md:grid-cols-2">
              <JsonBlock title="Before" value={entry.before} />
              <JsonBlock title="After" value={entry.after} />
            </div>
            <dl className="grid grid-cols-1 gap-x-4 gap-y-1 pb-2 text-xs text-muted-foreground sm:grid-cols-[auto_minmax(0,1fr)]">
              <dt>Sequence</dt>
              <dd className="tabular-nums">{entry.seq}</dd>
              <dt>Actor</dt>
              <dd className="wrap-anywhere">
                {actor} ({actorType})
              </dd>
              <dt>Target</dt>
              <dd className="break-all">
                {entry.targetType ? `${entry.targetType}${entry.targetId ? ` ${entry.targetId}` : ""}` : "—"}
              </dd>
              <dt>Actor id</dt>
              <dd className="break-all">{entry.actorId ?? "—"}</dd>
              <dt>Request id</dt>
              <dd className="break-all">{entry.requestId ?? "—"}</dd>
              <dt>Chain hash</dt>
              <dd className="font-mono break-all">{entry.hash ?? "— (older than the hash chain)"}</dd>
            </dl>
          </TableCell>
        </TableRow>
      ) : null}
    </>
  );
}

function JsonBlock({ title, value }: { title: string; value: Record<string, unknown> | null }) {
  return (
    <div className="min-w-0">
      <p className="mb-1 text-xs font-medium text-muted-foreground">{title}</p>
      {value ? (
        <pre className="max-h-72 overflow-auto rounded-md border bg-background p-2 text-xs">
          {JSON.stringify(value, null, 2)}
        </pre>
      ) : (
        <p className="text-xs text-muted-foreground">Nothing recorded.</p>
      )}
    </div>
  );
}

const BREAK_REASONS = {
  hash_mismatch: "this entry was changed after it was written",
  prev_hash_mismatch: "an entry just before it was removed, inserted or changed",
  unknown_key: "it is signed with a key this server no longer has (keep retired keys in ENCRYPTION_KEYS)",
} as const;

/** Runs `audit.verify` only when asked: it reads the whole chain. */
function ChainCheck() {
  const trpc = useTRPC();
  const check = useQuery({
    ...trpc.audit.verify.queryOptions(undefined, { enabled: false, staleTime: 0, gcTime: 60_000, retry: false }),
  });
  const result = check.data;
  return (
    <Card className="gap-3 p-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-2xl min-w-0 flex-1 basis-72 text-sm text-muted-foreground">
          Every entry stores a hash of the previous one, and the database refuses edits and deletions. Verifying
          recomputes the chain to show that no entry was altered or removed behind its back.
        </p>
        <Button variant="outline" className="shrink-0" onClick={() => void check.refetch()} disabled={check.isFetching}>
          {check.isFetching ? <Spinner /> : <ShieldCheckIcon />}
          {check.isFetching ? "Verifying…" : "Verify chain"}
        </Button>
      </div>
      {check.isFetching ? null : check.isError ? (
        <Alert variant="destructive">
          <ShieldXIcon />
          <AlertTitle>Could not verify the chain</AlertTitle>
          <AlertDescription>{errorMessage(check.error)}</AlertDescription>
        </Alert>
      ) : !result ? null : result.ok ? (
        <Alert variant="success" data-testid="audit-chain-result">
          <ShieldCheckIcon />
          <AlertTitle>Chain intact</AlertTitle>
          <AlertDescription>
            {result.rows === 0
              ? "No entries yet."
              : `${result.rows - result.legacyRows} entries verified${result.legacyRows ? ` (${result.legacyRows} older entries predate the chain)` : ""}; latest #${result.lastSeq}.`}
          </AlertDescription>
        </Alert>
      ) : (
        <Alert variant="destructive" data-testid="audit-chain-result">
          <ShieldXIcon />
          <AlertTitle>Chain broken at entry #{result.brokenAtSeq}</AlertTitle>
          <AlertDescription>
            The first broken link: {BREAK_REASONS[result.reason]}. {result.rows} earlier entries verified. Compare this
            entry with your backups before relying on the entries after it.
          </AlertDescription>
        </Alert>
      )}
    </Card>
  );
}
