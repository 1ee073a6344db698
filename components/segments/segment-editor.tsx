"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { InfoIcon, UsersIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { ArchiveButton } from "@/components/ui/archive-button";
import { BackLink } from "@/components/ui/back-link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { CursorPager } from "@/components/ui/cursor-pager";
import { cursorStack, FIRST_PAGE, type CursorPagination, type CursorStack } from "@/components/ui/data-browser";
import { EmptyState } from "@/components/ui/empty-state";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC, useTRPCClient } from "@/components/providers/trpc-provider";
import { LoadError } from "@/components/settings/table-states";
import { displayName, formatDay, formatPhone, hasName } from "@/components/contacts/labels";
import { EMPTY_SEGMENT_FILTER, type SegmentFilter } from "@/server/shared/segment-filter";
import type { BuilderOptions } from "./condition-row";
import { FilterBuilder } from "./filter-builder";
import { draftFromFilter, draftIssues, filterFromDraft, nodeAtPath, type DraftGroup } from "./filter-draft";

const PREVIEW_PAGE_SIZE = 20;
const DEBOUNCE_MS = 400;

interface ErrorData {
  issues?: { path: (string | number)[]; message: string }[];
  field?: string;
}

/** A refusal's messages placed on the builder: by node for filter paths, `name` / `description` otherwise. */
function placeErrors(error: unknown, root: DraftGroup): { nodes: Map<string, string>; fields: Record<string, string> } {
  const data = (error as { data?: ErrorData } | null)?.data;
  const nodes = new Map<string, string>();
  const fields: Record<string, string> = {};
  const place = (path: readonly (string | number)[] | string, message: string) => {
    const parts = typeof path === "string" ? path.split(".") : path.map(String);
    if (parts[0] === "filter") {
      const node = nodeAtPath(root, parts);
      if (node && !nodes.has(node.id)) nodes.set(node.id, message);
    } else if (parts[0]) {
      fields[parts[0]] ??= message;
    }
  };
  if (data?.issues?.length) for (const issue of data.issues) place(issue.path, issue.message);
  else if (data?.field) place(data.field, errorMessage(error));
  return { nodes, fields };
}

/** The builder's live count and preview of the filter as it stands (after a short pause in typing). */
function useLiveFilter(filter: SegmentFilter, enabled: boolean, segmentId: string | undefined) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const key = JSON.stringify(filter);
  const [settled, setSettled] = React.useState(key);
  React.useEffect(() => {
    const timer = setTimeout(() => setSettled(key), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [key]);
  const live = React.useMemo(() => JSON.parse(settled) as SegmentFilter, [settled]);
  const typing = settled !== key;
  // Only the filter on screen is sent: a settled one may be an earlier, incomplete state.
  const ready = enabled && !typing;
  // Pages of the preview belong to one filter: another filter starts again from the first page.
  const [pages, setPages] = React.useState<{ filter: string; stack: CursorStack }>({
    filter: settled,
    stack: FIRST_PAGE,
  });
  const stack = pages.filter === settled ? pages.stack : FIRST_PAGE;
  const pagination: CursorPagination = {
    cursor: cursorStack.current(stack),
    pageIndex: cursorStack.pageIndex(stack),
    first: cursorStack.firstRow(stack, PREVIEW_PAGE_SIZE),
    previous: () => setPages({ filter: settled, stack: cursorStack.previous(stack) }),
    next: (cursor) => setPages({ filter: settled, stack: cursorStack.next(stack, cursor) }),
    reset: () => setPages({ filter: settled, stack: FIRST_PAGE }),
  };

  const count = useQuery({
    queryKey: [...trpc.segments.pathKey(), "liveCount", { filter: settled, segmentId }],
    queryFn: () => client.segments.countFilter.mutate({ filter: live, segmentId }),
    enabled: ready,
    staleTime: 30_000,
    retry: false,
  });
  const preview = useQuery({
    queryKey: [...trpc.segments.pathKey(), "livePreview", { filter: settled, segmentId, cursor: pagination.cursor }],
    queryFn: () =>
      client.segments.previewFilter.mutate({
        filter: live,
        segmentId,
        cursor: pagination.cursor,
        limit: PREVIEW_PAGE_SIZE,
      }),
    enabled: ready,
    staleTime: 30_000,
    retry: false,
    placeholderData: keepPreviousData,
  });
  return { count, preview, pagination, typing };
}

export function SegmentEditor({ segmentId, canEdit }: { segmentId?: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const segment = useQuery({ ...trpc.segments.get.queryOptions({ id: segmentId ?? "" }), enabled: Boolean(segmentId) });
  const topics = useQuery(trpc.topics.list.queryOptions());
  const segments = useQuery(trpc.segments.list.queryOptions());
  const attributeKeys = useQuery(trpc.segments.attributeKeys.queryOptions());
  const tags = useQuery(trpc.contacts.tags.queryOptions());

  const [name, setName] = React.useState("");
  const [description, setDescription] = React.useState("");
  const [root, setRoot] = React.useState<DraftGroup | null>(segmentId ? null : draftFromFilter(EMPTY_SEGMENT_FILTER));
  const [showIssues, setShowIssues] = React.useState(false);
  const [refused, setRefused] = React.useState<{ nodes: Map<string, string>; fields: Record<string, string> }>({
    nodes: new Map(),
    fields: {},
  });

  // Load the saved segment once per version (again after a save, so the builder shows what was stored).
  const loaded = React.useRef<string | null>(null);
  React.useEffect(() => {
    const data = segment.data;
    if (!data) return;
    const marker = `${data.id}@${data.version}@${data.name}@${data.description ?? ""}`;
    if (loaded.current === marker) return;
    loaded.current = marker;
    setName(data.name);
    setDescription(data.description ?? "");
    setRoot(draftFromFilter(data.filter));
  }, [segment.data]);

  const filter = React.useMemo(() => (root ? filterFromDraft(root) : EMPTY_SEGMENT_FILTER), [root]);
  const local = React.useMemo(() => (root ? draftIssues(root) : new Map<string, string>()), [root]);
  const { count, preview, pagination, typing } = useLiveFilter(filter, root !== null && local.size === 0, segmentId);
  const liveRefusal = count.error ?? preview.error;
  const livePlaced = React.useMemo(
    () => (liveRefusal && root ? placeErrors(liveRefusal, root) : null),
    [liveRefusal, root],
  );

  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.segments.pathKey() });
  const onError = (error: unknown) => {
    if (root) setRefused(placeErrors(error, root));
    toast.error(errorMessage(error));
  };
  const create = useMutation(
    trpc.segments.create.mutationOptions({
      onSuccess: (created) => {
        toast.success("Segment created");
        void invalidate();
        router.push(`/segments/${created.id}`);
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.segments.update.mutationOptions({
      onSuccess: (saved) => {
        toast.success(saved.version === segment.data?.version ? "Saved" : `Saved as version ${saved.version}`);
        queryClient.setQueryData(trpc.segments.get.queryKey({ id: saved.id }), saved);
        void invalidate();
      },
      onError,
    }),
  );
  const archive = useMutation(
    trpc.segments.archive.mutationOptions({
      onSuccess: (saved) => {
        toast.success(saved.archived ? "Segment archived" : "Segment restored");
        queryClient.setQueryData(trpc.segments.get.queryKey({ id: saved.id }), saved);
        void invalidate();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  if (segmentId && segment.isError) {
    return (
      <>
        <PageHeader eyebrow={<BackLink href="/segments">Segments</BackLink>} title="Segment" />
        <LoadError message={errorMessage(segment.error)} onRetry={() => void segment.refetch()} />
      </>
    );
  }
  if (!root) return <EditorSkeleton />;

  const saved = segment.data;
  const archived = saved?.archived ?? false;
  const readOnly = !canEdit || archived;
  const saving = create.isPending || update.isPending;
  const options: BuilderOptions = {
    topics: (topics.data?.items ?? [])
      .filter((t) => !t.archived)
      .map((t) => ({ key: t.key, name: t.name, channels: t.channels })),
    attributeKeys: attributeKeys.data?.keys ?? [],
    tags: (tags.data ?? []).map((t) => t.tag),
    segments: (segments.data?.items ?? []).filter((s) => s.id !== segmentId).map((s) => ({ id: s.id, name: s.name })),
  };
  // What to show next to each node: the server's refusal of the last save, else the live count's,
  // else (after a first attempt to save) the builder's own check.
  const errors = new Map<string, string>([
    ...(showIssues ? local : new Map<string, string>()),
    ...(livePlaced?.nodes ?? new Map<string, string>()),
    ...refused.nodes,
  ]);

  const edit = (next: DraftGroup) => {
    setRoot(next);
    setRefused({ nodes: new Map(), fields: {} });
  };
  const save = (event: React.FormEvent) => {
    event.preventDefault();
    setShowIssues(true);
    setRefused({ nodes: new Map(), fields: name.trim() ? {} : { name: "Name the segment" } });
    if (!name.trim()) return;
    if (local.size > 0) {
      toast.error("Complete the highlighted conditions before saving");
      return;
    }
    const values = { name: name.trim(), description: description.trim(), filter };
    if (segmentId) update.mutate({ id: segmentId, ...values, description: values.description || null });
    else create.mutate({ ...values, description: values.description || undefined });
  };

  return (
    <form onSubmit={save} className="grid gap-6" aria-busy={saving} noValidate>
      <PageHeader
        eyebrow={<BackLink href="/segments">Segments</BackLink>}
        title={
          <span className="flex flex-wrap items-center gap-2">
            {segmentId ? saved?.name || "Segment" : "New segment"}
            {saved ? <Badge variant="muted">v{saved.version}</Badge> : null}
            {archived ? <Badge variant="warning">Archived</Badge> : null}
          </span>
        }
        description="Describe who belongs with conditions on their profile, consent, activity and attributes. Membership is worked out whenever the segment is used, so it follows your contacts as they change."
        actions={
          <>
            {saved && canEdit ? (
              <ArchiveButton
                archived={saved.archived}
                pending={archive.isPending}
                onConfirm={() => archive.mutate({ id: saved.id, archived: !saved.archived })}
                noun="segment"
                restoreLabel="Unarchive"
                consequences="It leaves the list and can no longer be used inside other segments. Its filter and history are kept; you can unarchive it later."
              />
            ) : null}
            {canEdit && !archived ? (
              <Button type="submit" disabled={saving}>
                {saving ? <Spinner className="text-current" /> : null}
                {segmentId ? "Save changes" : "Create segment"}
              </Button>
            ) : null}
          </>
        }
      />

      {!canEdit ? (
        <Alert>
          <InfoIcon />
          <AlertTitle>View only</AlertTitle>
          <AlertDescription>Marketers, admins and owners can change segments.</AlertDescription>
        </Alert>
      ) : archived ? (
        <Alert>
          <InfoIcon />
          <AlertTitle>Archived</AlertTitle>
          <AlertDescription>Unarchive this segment to change it.</AlertDescription>
        </Alert>
      ) : null}

      <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_24rem]">
        <fieldset disabled={readOnly || saving} className="grid min-w-0 gap-6">
          <Card>
            <CardHeader>
              <CardTitle>Basics</CardTitle>
              <CardDescription>The name is how your team and the API find the segment.</CardDescription>
            </CardHeader>
            <CardContent className="grid gap-4 sm:grid-cols-2">
              <FormField label="Name" required error={refused.fields.name}>
                <Input
                  value={name}
                  maxLength={120}
                  placeholder="VIPs in North America"
                  onChange={(e) => setName(e.target.value)}
                />
              </FormField>
              <FormField label="Description" error={refused.fields.description}>
                <Textarea
                  value={description}
                  maxLength={500}
                  rows={1}
                  placeholder="What the segment is for"
                  onChange={(e) => setDescription(e.target.value)}
                />
              </FormField>
            </CardContent>
          </Card>

          <Card>
            <CardHeader>
              <CardTitle>Filter</CardTitle>
              <CardDescription>
                Conditions combine with ALL (every one must match) or ANY (one is enough); add a group to mix them. Text
                comparisons ignore case; erased contacts never match.
              </CardDescription>
            </CardHeader>
            <CardContent>
              <FilterBuilder root={root} onChange={edit} readOnly={readOnly} options={options} errors={errors} />
            </CardContent>
          </Card>
        </fieldset>

        <LiveCount
          valid={local.size === 0}
          typing={typing}
          count={count}
          refusal={livePlaced && livePlaced.nodes.size === 0 ? errorMessage(liveRefusal) : null}
        />
      </div>

      <PreviewTable
        preview={preview}
        pagination={pagination}
        total={count.data?.count ?? null}
        valid={local.size === 0}
      />
    </form>
  );
}

function LiveCount({
  valid,
  typing,
  count,
  refusal,
}: {
  valid: boolean;
  typing: boolean;
  count: ReturnType<typeof useLiveFilter>["count"];
  refusal: string | null;
}) {
  const counting = valid && (typing || count.isFetching);
  let body: React.ReactNode;
  if (!valid) body = <p className="text-sm text-muted-foreground">Complete the conditions to see who matches.</p>;
  else if (counting)
    body = (
      <p className="flex items-center gap-2 text-sm text-muted-foreground">
        <Spinner label="Counting" />
        Counting…
      </p>
    );
  else if (count.isError)
    body = (
      <p className="text-sm text-destructive" role="alert">
        {refusal ?? "This filter cannot be counted: see the highlighted condition."}
      </p>
    );
  else if (count.data?.status === "timed_out")
    body = (
      <p className="text-sm text-muted-foreground">
        Too many contacts to count while you edit. Save the segment: its count runs in the background.
      </p>
    );
  else if (count.data)
    body = (
      <p className="text-3xl font-semibold tracking-tight tabular-nums" data-testid="segment-live-count">
        {count.data.count?.toLocaleString("en-US")}{" "}
        <span className="text-sm font-normal text-muted-foreground">
          {count.data.count === 1 ? "contact matches" : "contacts match"}
        </span>
      </p>
    );
  return (
    <Card className="gap-3 xl:sticky xl:top-6">
      <CardHeader>
        <CardTitle>Audience</CardTitle>
        <CardDescription>Who matches the filter as it stands, counted as you edit.</CardDescription>
      </CardHeader>
      <CardContent aria-live="polite" aria-busy={counting}>
        {body}
      </CardContent>
    </Card>
  );
}

function PreviewTable({
  preview,
  pagination,
  total,
  valid,
}: {
  preview: ReturnType<typeof useLiveFilter>["preview"];
  pagination: ReturnType<typeof useLiveFilter>["pagination"];
  total: number | null;
  valid: boolean;
}) {
  const page = preview.data;
  return (
    <Card className="gap-0 overflow-hidden py-0">
      <CardHeader className="border-b py-4">
        <CardTitle>Matching contacts</CardTitle>
        <CardDescription>
          Newest first.
          {page?.masked ? " Email, phone and names are masked for your role." : ""}
        </CardDescription>
      </CardHeader>
      {preview.isPending && !valid ? (
        <p className="px-6 py-8 text-sm text-muted-foreground">The preview appears once the conditions are complete.</p>
      ) : preview.isPending ? (
        <div className="grid gap-2 p-4" role="status" aria-label="Loading the preview">
          {Array.from({ length: 4 }, (_, i) => (
            <Skeleton key={i} className="h-9 w-full" />
          ))}
        </div>
      ) : preview.isError ? (
        <p className="px-6 py-8 text-sm text-muted-foreground">No preview: {errorMessage(preview.error)}</p>
      ) : !page || page.items.length === 0 ? (
        <EmptyState
          bare
          className="py-12"
          icon={UsersIcon}
          title="No contacts match"
          description="Loosen a condition, or switch a group from ALL to ANY."
        />
      ) : (
        <>
          <Table aria-busy={preview.isFetching} aria-label="Matching contacts">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead>Contact</TableHead>
                <TableHead className="hidden md:table-cell">Phone</TableHead>
                <TableHead className="hidden lg:table-cell">Tags</TableHead>
                <TableHead className="hidden sm:table-cell">Created</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {page.items.map((item) => (
                <TableRow key={item.id} data-testid="segment-preview-row">
                  <TableCell className="max-w-0 min-w-0 whitespace-normal sm:max-w-none">
                    <div className="grid min-w-0 gap-0.5">
                      <Link href={`/contacts/${item.id}`} className="truncate font-medium hover:underline">
                        {hasName(item) ? displayName(item) : <span className="text-muted-foreground">No name</span>}
                      </Link>
                      <span className="truncate text-xs text-muted-foreground">{item.email ?? "No email"}</span>
                    </div>
                  </TableCell>
                  <TableCell className="hidden text-muted-foreground tabular-nums md:table-cell">
                    {formatPhone(item.phone) ?? "—"}
                  </TableCell>
                  <TableCell className="hidden lg:table-cell">
                    <div className="flex flex-wrap gap-1">
                      {item.tags.slice(0, 4).map((tag) => (
                        <Badge key={tag} variant="outline">
                          {tag}
                        </Badge>
                      ))}
                      {item.tags.length > 4 ? <Badge variant="muted">+{item.tags.length - 4}</Badge> : null}
                    </div>
                  </TableCell>
                  <TableCell className="hidden text-muted-foreground sm:table-cell">
                    {formatDay(item.createdAt)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <CursorPager
            first={pagination.first}
            shown={page.items.length}
            total={Math.max(total ?? 0, pagination.first - 1 + page.items.length)}
            canGoBack={pagination.pageIndex > 0 && !preview.isFetching}
            canGoForward={Boolean(page.nextCursor) && !preview.isFetching}
            onPrevious={pagination.previous}
            onNext={() => pagination.next(page.nextCursor)}
          />
        </>
      )}
    </Card>
  );
}

function EditorSkeleton() {
  return (
    <div className="grid gap-6" role="status" aria-label="Loading the segment">
      <Skeleton className="h-10 w-64" />
      <Skeleton className="h-40 w-full" />
      <Skeleton className="h-64 w-full" />
    </div>
  );
}
