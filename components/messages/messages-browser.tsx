"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import {
  ArrowDownLeftIcon,
  ArrowUpRightIcon,
  InboxIcon,
  MailWarningIcon,
  MegaphoneIcon,
  MessagesSquareIcon,
  UserIcon,
  XIcon,
} from "lucide-react";
import { ExactSearch } from "@/components/ui/exact-search";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import {
  BrowserCard,
  BrowserResults,
  ClearFiltersButton,
  fieldErrorOf,
  MaskedNotice,
  NoMatches,
  replaceUrlQuery,
  useBrowserFilters,
  useCursorPagination,
} from "@/components/ui/data-browser";
import { EmptyState } from "@/components/ui/empty-state";
import { DateFilter, FilterSelect } from "@/components/ui/filter-fields";
import { PageHeader } from "@/components/ui/page-header";
import { SelectItem } from "@/components/ui/select";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useTRPC } from "@/components/providers/trpc-provider";
import { CHANNEL_META, formatPhone, formatWhen, type Channel } from "@/components/contacts/labels";
import { ANY_FILTER, NO_MESSAGE_FILTERS, type MessageFilters } from "./filters";
import {
  formatShort,
  MESSAGE_STATUS_ORDER,
  purposeLabel,
  reasonLabel,
  recipientPhrase,
  recipientRoleWord,
  RELATION_LABELS,
  statusMeta,
  type MessageStatus,
} from "./labels";
import { MessageStatusBadge } from "./message-status-badge";
import type { MessageBrowseInput, MessageListItem } from "./types";

const ANY = ANY_FILTER;
const PAGE_SIZE = 50;
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type MessageTopicOption = { key: string; name: string };

function toBrowseInput(filters: MessageFilters): MessageBrowseInput {
  const day = (value: string) => (value ? new Date(`${value}T00:00:00.000Z`) : undefined);
  const to = day(filters.to);
  const pick = <T extends string>(value: string) => (value === ANY ? undefined : (value as T));
  return {
    status: pick<MessageStatus>(filters.status),
    channel: pick<Channel>(filters.channel),
    topic: pick(filters.topic),
    direction: pick<"outbound" | "inbound">(filters.direction),
    recipient: filters.recipient.trim() || undefined,
    contactId: UUID.test(filters.contactId) ? filters.contactId : undefined,
    campaignId: UUID.test(filters.campaignId) ? filters.campaignId : undefined,
    createdFrom: day(filters.from),
    // The "to" day is inclusive.
    createdTo: to ? new Date(to.getTime() + DAY_MS) : undefined,
  };
}

/**
 * Mirrors the filters in the address bar, so a filtered view can be bookmarked or shared.
 * Recipients are personal data: they stay out of the URL (and so out of history and logs).
 */
function syncUrl(filters: MessageFilters) {
  replaceUrlQuery("/messages", { ...filters }, { any: ANY, omit: ["recipient"] });
}

/**
 * The message history: every message sent or received, newest first, 50 per page by keyset, with
 * status chips (with counts), channel, topic, direction, date and exact-recipient filters.
 * Viewers see recipients masked and no content.
 */
export function MessagesBrowser({
  topics,
  initialFilters,
  contactLabel,
  campaignLabel = null,
  role,
}: {
  topics: MessageTopicOption[];
  initialFilters: MessageFilters;
  /** Shown on the "contact" filter chip when the page was opened from a contact. */
  contactLabel: string | null;
  /** Shown on the "campaign" filter chip when the page was opened from a campaign. */
  campaignLabel?: string | null;
  role: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const pagination = useCursorPagination(PAGE_SIZE);
  const { filters, apply, filtered } = useBrowserFilters({
    initial: initialFilters,
    none: NO_MESSAGE_FILTERS,
    pagination,
    onChange: syncUrl,
  });
  const [recipientDraft, setRecipientDraft] = React.useState(initialFilters.recipient);

  const input = React.useMemo(
    () => ({ ...toBrowseInput(filters), cursor: pagination.cursor, limit: PAGE_SIZE }),
    [filters, pagination.cursor],
  );
  const list = useQuery({ ...trpc.messageHistory.browse.queryOptions(input), placeholderData: keepPreviousData });

  const clearAll = () => {
    setRecipientDraft("");
    apply(NO_MESSAGE_FILTERS);
  };
  const recipientError = fieldErrorOf(list, "recipient");

  const data = list.data;
  // The first page brings the chips' figures; later pages bring none and the last ones stand.
  const fresh = data?.statusCounts
    ? { counts: data.statusCounts, capped: data.totalCapped, total: data.total ?? 0 }
    : null;
  const [kept, setKept] = React.useState(fresh);
  if (fresh && (fresh.counts !== kept?.counts || fresh.capped !== kept.capped)) setKept(fresh);
  const counts = (fresh ?? kept)?.counts ?? {};
  // More than COUNT_CAP match the filters: only that lower bound is known, no per-status figure.
  const capped = (fresh ?? kept)?.capped ?? false;
  const cappedTotal = (fresh ?? kept)?.total ?? 0;
  const allCount = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const chips = MESSAGE_STATUS_ORDER.filter(
    (status) => capped || (counts[status] ?? 0) > 0 || filters.status === status,
  );

  return (
    <div className="grid gap-6">
      <PageHeader
        className="mb-0 sm:mb-0"
        title="Messages"
        description="Every email and text message sent or received, with the consent each send relied on."
        actions={
          <>
            <Button variant="outline" asChild>
              <Link href="/messages/dead-letters">
                <MailWarningIcon />
                Dead letters
              </Link>
            </Button>
            <Button variant="outline" asChild>
              <Link href="/messages/outbox">
                <InboxIcon />
                Outbox
              </Link>
            </Button>
          </>
        }
      />

      {data?.masked ? (
        <MaskedNotice title={`Recipients are masked for the ${role} role`}>
          Message content and full addresses are shown to marketers, admins and owners.
        </MaskedNotice>
      ) : null}

      <BrowserCard
        filters={
          <>
            <ExactSearch
              id="message-recipient"
              label="Find messages by recipient"
              placeholder="Recipient: exact email or phone"
              hint="Addresses are encrypted, so search matches a whole email address or phone number."
              draft={recipientDraft}
              onDraftChange={setRecipientDraft}
              applied={Boolean(filters.recipient)}
              onApply={(recipient) => apply({ recipient })}
              error={recipientError}
            />

            {/* Wider gaps than the shared filter row: the selects here sit side by side on one line. */}
            <div className="grid grid-cols-2 gap-3 md:flex md:flex-wrap md:items-end md:gap-x-4 md:gap-y-3">
              <FilterSelect
                label="Channel"
                value={filters.channel}
                onChange={(channel) => apply({ channel })}
                className="md:w-36"
              >
                <SelectItem value={ANY}>Any channel</SelectItem>
                <SelectItem value="email">Email</SelectItem>
                <SelectItem value="sms">SMS</SelectItem>
              </FilterSelect>
              <FilterSelect
                label="Topic"
                value={filters.topic}
                onChange={(topic) => apply({ topic })}
                className="md:w-44"
              >
                <SelectItem value={ANY}>Any topic</SelectItem>
                {topics.map((topic) => (
                  <SelectItem key={topic.key} value={topic.key}>
                    {topic.name}
                  </SelectItem>
                ))}
              </FilterSelect>
              <DateFilter label="From" value={filters.from} onChange={(from) => apply({ from })} />
              <DateFilter label="To" value={filters.to} onChange={(to) => apply({ to })} />
              <FilterSelect
                label="Direction"
                value={filters.direction}
                onChange={(direction) => apply({ direction })}
                className="md:w-36"
              >
                <SelectItem value={ANY}>Both ways</SelectItem>
                <SelectItem value="outbound">Outbound</SelectItem>
                <SelectItem value="inbound">Inbound</SelectItem>
              </FilterSelect>
              {filtered ? <ClearFiltersButton onClick={clearAll} /> : null}
            </div>

            {filters.contactId || filters.campaignId ? (
              <div className="flex flex-wrap items-center gap-2 text-sm">
                {filters.contactId ? (
                  <Badge variant="secondary" className="gap-1.5 py-1 pr-1 font-normal">
                    <UserIcon aria-hidden />
                    Contact:{" "}
                    <Link href={`/contacts/${filters.contactId}`} className="font-medium hover:underline">
                      {contactLabel ?? "this contact"}
                    </Link>
                    <button
                      type="button"
                      onClick={() => apply({ contactId: "" })}
                      className="ml-0.5 rounded-sm p-0.5 text-muted-foreground outline-none hover:bg-background hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
                      aria-label="Show every contact's messages"
                    >
                      <XIcon className="size-3" aria-hidden />
                    </button>
                  </Badge>
                ) : null}
                {filters.campaignId ? (
                  <Badge variant="secondary" className="gap-1.5 py-1 pr-1 font-normal" data-testid="campaign-filter">
                    <MegaphoneIcon aria-hidden />
                    Campaign:{" "}
                    <Link href={`/campaigns/${filters.campaignId}`} className="font-medium hover:underline">
                      {campaignLabel ?? "this campaign"}
                    </Link>
                    <button
                      type="button"
                      onClick={() => apply({ campaignId: "" })}
                      className="ml-0.5 rounded-sm p-0.5 text-muted-foreground outline-none hover:bg-background hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
                      aria-label="Show every campaign's messages"
                    >
                      <XIcon className="size-3" aria-hidden />
                    </button>
                  </Badge>
                ) : null}
              </div>
            ) : null}
          </>
        }
        toolbar={
          <div
            role="group"
            aria-label="Filter by status"
            className="flex [scrollbar-width:none] gap-1.5 overflow-x-auto border-b px-4 py-2.5 sm:flex-wrap sm:px-6"
            data-testid="status-chips"
          >
            <StatusChip
              label="All"
              count={data ? (capped ? `${cappedTotal.toLocaleString("en-US")}+` : allCount) : undefined}
              active={filters.status === ANY}
              onClick={() => apply({ status: ANY })}
            />
            {chips.map((status) => (
              <StatusChip
                key={status}
                status={status}
                label={statusMeta(status).label}
                count={capped ? undefined : (counts[status] ?? 0)}
                active={filters.status === status}
                onClick={() => apply({ status: filters.status === status ? ANY : status })}
              />
            ))}
          </div>
        }
      >
        <BrowserResults
          list={list}
          pagination={pagination}
          loadingLabel="Loading messages"
          fieldError={recipientError}
          noun={["message", "messages"]}
          filtered={filtered}
          totalTestId="message-total"
          empty={
            filtered ? (
              <NoMatches
                title="No messages match"
                description={
                  filters.recipient
                    ? "No message went to or came from exactly this address."
                    : "Try other filters, or clear them."
                }
                onClear={clearAll}
              />
            ) : (
              <EmptyState
                bare
                className="py-16"
                icon={MessagesSquareIcon}
                title="No messages yet"
                description="Messages sent with the API or from the outbox appear here, each with the consent it relied on. Text replies from contacts appear too."
              />
            )
          }
        >
          {(page) => (
            <>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead>Message</TableHead>
                  <TableHead className="hidden lg:table-cell">Topic</TableHead>
                  <TableHead className="hidden w-36 sm:table-cell">Status</TableHead>
                  <TableHead className="hidden w-32 md:table-cell">When</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {page.items.map((item) => (
                  <MessageRow key={item.id} item={item} onOpen={(href) => router.push(href)} />
                ))}
              </TableBody>
            </>
          )}
        </BrowserResults>
      </BrowserCard>
    </div>
  );
}

function MessageRow({ item, onOpen }: { item: MessageListItem; onOpen: (href: string) => void }) {
  const href = `/messages/${item.id}`;
  const channel = CHANNEL_META[item.channel as Channel];
  const inbound = item.direction === "inbound";
  const DirectionIcon = inbound ? ArrowDownLeftIcon : ArrowUpRightIcon;
  const address = item.channel === "sms" ? formatPhone(item.address) : item.address;
  const member = item.kind === "system";
  const title =
    item.preview ??
    (inbound
      ? `${channel.label} from ${address ?? "an unknown sender"}`
      : recipientPhrase(channel.label, item.kind, item.purpose, address));
  const why = reasonLabel(item.reason);
  const what = purposeLabel(item.purpose);
  // The topic has its own column on wide screens; here only where that column is hidden.
  const subtitle = [
    item.preview
      ? `${inbound ? "From" : member ? `To ${recipientRoleWord(item.kind, item.purpose)}` : "To"} ${address ?? "unknown"}`
      : null,
    inbound && !item.topicName ? "Reply from a contact" : null,
    what,
    item.relation ? (RELATION_LABELS[item.relation]?.parent ?? item.relation) : null,
    item.templateName ? `${item.templateName}${item.templateVersion ? ` v${item.templateVersion}` : ""}` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  return (
    <TableRow
      data-testid="message-row"
      data-status={item.status}
      className="cursor-pointer"
      onClick={() => onOpen(href)}
    >
      <TableCell className="max-w-0 min-w-0 whitespace-normal sm:min-w-72">
        <div className="flex min-w-0 items-start gap-3">
          <span
            className={cn(
              "relative mt-0.5 flex size-9 shrink-0 items-center justify-center rounded-lg ring-1 ring-inset",
              inbound ? "bg-muted text-muted-foreground ring-border" : "bg-primary/8 text-primary ring-primary/15",
            )}
            title={`${inbound ? "Inbound" : "Outbound"} ${channel.label}`}
          >
            <channel.icon className="size-4" aria-hidden />
            <DirectionIcon
              className="absolute -right-1 -bottom-1 size-3.5 rounded-full bg-background p-px ring-1 ring-border"
              aria-hidden
            />
            <span className="sr-only">
              {inbound ? "Inbound" : "Outbound"} {channel.label}
            </span>
          </span>
          <div className="grid min-w-0 gap-0.5">
            <Link href={href} className="truncate font-medium hover:underline" onClick={(e) => e.stopPropagation()}>
              {title}
            </Link>
            <span className="truncate text-xs text-muted-foreground">
              {subtitle}
              {item.topicName ? (
                <span className="lg:hidden">
                  {subtitle ? " · " : ""}
                  {item.topicName}
                </span>
              ) : null}
            </span>
            <div className="flex flex-wrap items-center gap-x-2 gap-y-1 md:hidden">
              <span className="sm:hidden">
                <MessageStatusBadge status={item.status} reason={item.reason} showReason />
              </span>
              <time className="text-xs text-muted-foreground" dateTime={new Date(item.createdAt).toISOString()}>
                {formatShort(item.createdAt)}
              </time>
            </div>
          </div>
        </div>
      </TableCell>
      <TableCell className="hidden text-muted-foreground lg:table-cell">
        {item.topicName ?? item.topic ?? what ?? "—"}
      </TableCell>
      <TableCell className="hidden sm:table-cell">
        <div className="grid justify-items-start gap-1">
          <MessageStatusBadge status={item.status} />
          {why ? <span className="max-w-40 truncate text-xs text-muted-foreground">{why}</span> : null}
        </div>
      </TableCell>
      <TableCell className="hidden text-muted-foreground tabular-nums md:table-cell">
        <time dateTime={new Date(item.createdAt).toISOString()} title={formatWhen(item.createdAt)}>
          {formatShort(item.createdAt)}
        </time>
      </TableCell>
    </TableRow>
  );
}

function StatusChip({
  label,
  count,
  active,
  status,
  onClick,
}: {
  label: string;
  /** A figure, a lower bound already formatted ("10,000+"), or none. */
  count: number | string | undefined;
  active: boolean;
  status?: string;
  onClick: () => void;
}) {
  const tone = status ? statusMeta(status).variant : null;
  return (
    <button
      type="button"
      onClick={onClick}
      aria-pressed={active}
      data-testid="status-chip"
      data-status={status ?? "all"}
      className={cn(
        "inline-flex h-7 shrink-0 items-center gap-1.5 rounded-full border px-3 text-xs font-medium transition-colors outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50",
        active ? "border-primary bg-primary text-primary-foreground" : "bg-background text-foreground hover:bg-accent",
      )}
    >
      {tone ? (
        <span
          aria-hidden
          className={cn(
            "size-1.5 rounded-full",
            active
              ? "bg-current"
              : tone === "success"
                ? "bg-success"
                : tone === "destructive"
                  ? "bg-destructive"
                  : tone === "warning"
                    ? "bg-warning"
                    : tone === "info"
                      ? "bg-info"
                      : "bg-muted-foreground",
          )}
        />
      ) : null}
      {label}
      {count !== undefined ? (
        <span className={cn("tabular-nums", active ? "opacity-80" : "text-muted-foreground")}>
          {typeof count === "number" ? count.toLocaleString("en-US") : count}
        </span>
      ) : null}
    </button>
  );
}
