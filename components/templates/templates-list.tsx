"use client";

import * as React from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import {
  CheckCircle2Icon,
  FileTextIcon,
  MailIcon,
  MessageSquareIcon,
  PlusIcon,
  SearchIcon,
  TriangleAlertIcon,
} from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatRelative } from "@/components/settings/format";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import type { Channel, TemplateCategory } from "@/server/shared/enums";
import { CATEGORY_LABELS, CATEGORY_ORDER, CHANNEL_LABELS } from "./labels";

const ALL = "all";

/** The workspace's templates with channel/category filters and a name search. */
export function TemplatesList({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const [channel, setChannel] = React.useState<Channel | typeof ALL>(ALL);
  const [category, setCategory] = React.useState<TemplateCategory | typeof ALL>(ALL);
  const [search, setSearch] = React.useState("");
  const [debounced, setDebounced] = React.useState("");
  const [includeArchived, setIncludeArchived] = React.useState(false);
  React.useEffect(() => {
    const timer = setTimeout(() => setDebounced(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);

  const list = useQuery(
    trpc.templates.list.queryOptions({
      channel: channel === ALL ? undefined : channel,
      category: category === ALL ? undefined : category,
      search: debounced || undefined,
      includeArchived,
    }),
  );
  const items = list.data?.items ?? [];
  const filtered = channel !== ALL || category !== ALL || debounced !== "";

  return (
    <div className="grid gap-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:flex-wrap sm:items-center">
        <div className="relative sm:w-64">
          <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" />
          <Input
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Search name or key"
            aria-label="Search templates"
            className="pl-8"
          />
        </div>
        <div className="grid grid-cols-2 gap-3 sm:flex">
          <Select value={channel} onValueChange={(v) => setChannel(v as Channel | typeof ALL)}>
            <SelectTrigger aria-label="Channel" className="w-full sm:w-36">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ALL}>All channels</SelectItem>
              <SelectItem value="email">Email</SelectItem>
              <SelectItem value="sms">SMS</SelectItem>
            </SelectContent>
          </Select>
          <Select value={category} onValueChange={(v) => setCategory(v as TemplateCategory | typeof ALL)}>
            <SelectTrigger aria-label="Category" className="w-full sm:w-44">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ALL}>All categories</SelectItem>
              {CATEGORY_ORDER.map((c) => (
                <SelectItem key={c} value={c}>
                  {CATEGORY_LABELS[c]}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <div className="flex items-center gap-2 sm:ml-auto">
          <Switch id="templates-archived" checked={includeArchived} onCheckedChange={setIncludeArchived} />
          <Label htmlFor="templates-archived" className="text-sm font-normal text-muted-foreground">
            Show archived
          </Label>
        </div>
      </div>
      <Card className="py-0">
        {list.isPending ? (
          <LoadingRows label="Loading templates" />
        ) : list.isError ? (
          <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState
            bare
            className="py-14"
            icon={FileTextIcon}
            title={filtered ? "No templates match" : "No templates yet"}
            description={
              filtered
                ? "Try another channel, category or search."
                : "Templates are reusable emails and text messages with personalisation, translations and a compliance check on every save."
            }
            action={
              canEdit && !filtered ? (
                <Button asChild>
                  <Link href="/templates/new">
                    <PlusIcon />
                    Create a template
                  </Link>
                </Button>
              ) : null
            }
          />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Template</TableHead>
                <TableHead className="hidden sm:table-cell">Category</TableHead>
                <TableHead className="hidden md:table-cell">Locales</TableHead>
                <TableHead>Check</TableHead>
                <TableHead className="hidden lg:table-cell">Updated</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((t) => {
                const Icon = t.channel === "email" ? MailIcon : MessageSquareIcon;
                return (
                  <TableRow
                    key={t.id}
                    data-testid="template-row"
                    data-archived={t.archived ? "" : undefined}
                    className={t.archived ? "bg-muted/40" : undefined}
                  >
                    <TableCell>
                      <div className="flex items-start gap-2.5">
                        <span
                          className="mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-md border bg-muted/50 text-muted-foreground"
                          title={CHANNEL_LABELS[t.channel]}
                        >
                          <Icon className="size-3.5" aria-label={CHANNEL_LABELS[t.channel]} />
                        </span>
                        <div className="min-w-0">
                          <Link href={`/templates/${t.id}`} className="font-medium underline-offset-4 hover:underline">
                            {t.name}
                          </Link>
                          <div className="mt-0.5 flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
                            <code className="max-w-[12rem] truncate">{t.key}</code>
                            <span>· v{t.currentVersion}</span>
                            {t.systemKey ? <Badge variant="muted">Default</Badge> : null}
                            {t.archived ? <Badge variant="muted">Archived</Badge> : null}
                          </div>
                        </div>
                      </div>
                    </TableCell>
                    <TableCell className="hidden sm:table-cell">
                      <Badge variant={t.category === "promotional" ? "info" : "outline"}>
                        {CATEGORY_LABELS[t.category]}
                      </Badge>
                    </TableCell>
                    <TableCell className="hidden text-muted-foreground md:table-cell">{t.locales.join(", ")}</TableCell>
                    <TableCell>
                      {t.compliance?.ok ? (
                        <Badge variant="success">
                          <CheckCircle2Icon />
                          Passes
                        </Badge>
                      ) : (
                        <Badge variant="warning" title={t.compliance?.problems.map((p) => p.message).join("\n")}>
                          <TriangleAlertIcon />
                          Needs attention
                        </Badge>
                      )}
                    </TableCell>
                    <TableCell className="hidden text-muted-foreground lg:table-cell">
                      {formatRelative(t.updatedAt)}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
