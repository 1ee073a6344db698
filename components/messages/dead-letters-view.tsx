"use client";

import * as React from "react";
import Link from "next/link";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { InboxIcon, MailWarningIcon, RotateCcwIcon } from "lucide-react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { BackLink } from "@/components/ui/back-link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  BrowserCard,
  BrowserResults,
  ClearFiltersButton,
  FilterRow,
  MaskedNotice,
  NoMatches,
  replaceUrlQuery,
  useBrowserFilters,
  useCursorPagination,
} from "@/components/ui/data-browser";
import { EmptyState } from "@/components/ui/empty-state";
import { FilterSelect } from "@/components/ui/filter-fields";
import { PageHeader } from "@/components/ui/page-header";
import { SelectItem } from "@/components/ui/select";
import { TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { CHANNEL_META, formatPhone, formatWhen, type Channel } from "@/components/contacts/labels";
import { formatShort, purposeLabel, reasonLabel } from "./labels";
import { MessageStatusBadge } from "./message-status-badge";
import type { DeadLetter } from "./types";

const ANY = "any";
const PAGE_SIZE = 50;
/** Roles that may send, and so retry. */
const SENDERS = ["owner", "admin", "marketer"];

export interface DeadLetterFilters {
  channel: string;
  campaignId: string;
}

export const NO_DEAD_LETTER_FILTERS: DeadLetterFilters = { channel: ANY, campaignId: "" };

/**
 * Messages → Dead letters: outbound messages that will not be delivered unless someone acts
 * (retries ran out, the provider refused them for good, a deferral expired, the carrier did not
 * deliver), newest first, with the last error. Marketers and up retry a row in place (the
 * `messages.retry` mutation: a new message, consent decided again); the row then leaves the
 * list. Viewers see recipients masked.
 */
export function DeadLettersView({
  role,
  initialFilters,
  campaignName,
}: {
  role: string;
  initialFilters: DeadLetterFilters;
  /** The name of the campaign filtered on (opened from a campaign), if any. */
  campaignName: string | null;
}) {
  const trpc = useTRPC();
  const pagination = useCursorPagination(PAGE_SIZE);
  const { filters, apply, filtered } = useBrowserFilters({
    initial: initialFilters,
    none: NO_DEAD_LETTER_FILTERS,
    pagination,
    onChange: (next) => replaceUrlQuery("/messages/dead-letters", { ...next }, { any: ANY }),
  });
  const input = React.useMemo(
    () => ({
      channel: filters.channel === ANY ? undefined : (filters.channel as Channel),
      campaignId: filters.campaignId || undefined,
      cursor: pagination.cursor,
      limit: PAGE_SIZE,
    }),
    [filters, pagination.cursor],
  );
  const list = useQuery({ ...trpc.messageHistory.deadLetters.queryOptions(input), placeholderData: keepPreviousData });
  const canRetry = SENDERS.includes(role);

  return (
    <div className="grid gap-6">
      <PageHeader
        className="mb-0 sm:mb-0"
        eyebrow={<BackLink href="/messages">Messages</BackLink>}
        title="Dead letters"
        description="Messages that will not be delivered unless someone acts: their retries ran out, the provider refused them for good, a quiet-hours deferral expired, or the carrier could not deliver them. Retrying sends a new message after checking consent again."
        actions={
          <Button variant="outline" asChild>
            <Link href="/messages/outbox">
              <InboxIcon />
              Outbox
            </Link>
          </Button>
        }
      />

      {list.data?.masked ? (
        <MaskedNotice title={`Recipients are masked for the ${role} role`}>
          Full addresses are shown to marketers, admins and owners.
        </MaskedNotice>
      ) : null}

      <BrowserCard
        filters={
          <FilterRow>
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
            {filters.campaignId ? (
              <Badge variant="secondary" className="h-9 self-end font-normal">
                Campaign: {campaignName ?? "this campaign"}
              </Badge>
            ) : null}
            {filtered ? <ClearFiltersButton onClick={() => apply(NO_DEAD_LETTER_FILTERS)} /> : null}
          </FilterRow>
        }
      >
        <BrowserResults
          list={list}
          pagination={pagination}
          loadingLabel="Loading dead letters"
          noun={["dead letter", "dead letters"]}
          filtered={filtered}
          totalTestId="dead-letter-total"
          empty={
            filtered ? (
              <NoMatches
                title="No dead letters match"
                description="No message of this channel or campaign is waiting for a decision."
                onClear={() => apply(NO_DEAD_LETTER_FILTERS)}
              />
            ) : (
              <EmptyState
                bare
                className="py-16"
                icon={MailWarningIcon}
                title="No dead letters"
                description="Every message was delivered, is still on its way, or was retried. Messages whose retries run out appear here."
              />
            )
          }
        >
          {(page) => (
            <>
              <TableCaption className="sr-only">
                Dead letters, newest first: recipient, channel, campaign, attempts, last error and when each failed.
              </TableCaption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">To</TableHead>
                  <TableHead scope="col" className="w-24">
                    Channel
                  </TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Campaign
                  </TableHead>
                  <TableHead scope="col" className="w-24 text-right">
                    Attempts
                  </TableHead>
                  <TableHead scope="col">Last error</TableHead>
                  <TableHead scope="col" className="hidden w-32 sm:table-cell">
                    Failed at
                  </TableHead>
                  <TableHead scope="col" className="w-28">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {page.items.map((item) => (
                  <DeadLetterRow key={item.id} item={item} canRetry={canRetry} />
                ))}
              </TableBody>
            </>
          )}
        </BrowserResults>
      </BrowserCard>
    </div>
  );
}

function DeadLetterRow({ item, canRetry }: { item: DeadLetter; canRetry: boolean }) {
  const channel = CHANNEL_META[item.channel];
  const to = (item.channel === "sms" ? formatPhone(item.to) : item.to) ?? "Unknown recipient";
  const failedAt = item.failedAt ?? item.createdAt;
  const error = item.lastError ?? reasonLabel(item.reason) ?? "No error was reported";
  return (
    <TableRow data-testid="dead-letter-row" data-status={item.status}>
      <TableCell className="max-w-0 min-w-40 whitespace-normal">
        <div className="grid min-w-0 gap-0.5">
          <Link href={`/messages/${item.id}`} className="truncate font-medium hover:underline">
            {to}
          </Link>
          <span className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
            <MessageStatusBadge status={item.status} />
            {purposeLabel(item.purpose) ?? item.topic}
          </span>
        </div>
      </TableCell>
      <TableCell>
        <span className="inline-flex items-center gap-1.5">
          <channel.icon className="size-4 text-muted-foreground" aria-hidden />
          {channel.label}
        </span>
      </TableCell>
      <TableCell className="hidden md:table-cell">
        {item.campaignId ? (
          <Link href={`/campaigns/${item.campaignId}`} className="hover:underline">
            {item.campaignName ?? "A campaign"}
          </Link>
        ) : (
          <span className="text-muted-foreground">—</span>
        )}
      </TableCell>
      <TableCell className="text-right tabular-nums">
        {item.attempts}
        {item.exhausted ? <span className="block text-xs text-muted-foreground">retries ran out</span> : null}
      </TableCell>
      <TableCell className="max-w-0 min-w-48 whitespace-normal">
        <span className="line-clamp-2 text-sm" title={error}>
          {error}
        </span>
        {item.reason && item.lastError ? (
          <span className="block truncate text-xs text-muted-foreground">{reasonLabel(item.reason)}</span>
        ) : null}
      </TableCell>
      <TableCell className="hidden text-muted-foreground tabular-nums sm:table-cell">
        <time dateTime={new Date(failedAt).toISOString()} title={formatWhen(failedAt)}>
          {formatShort(failedAt)}
        </time>
      </TableCell>
      <TableCell>
        {canRetry && item.retryable ? <RetryButton item={item} recipient={to} channelLabel={channel.label} /> : null}
      </TableCell>
    </TableRow>
  );
}

/** Retry one dead letter (after confirming): a new message through the pipeline; the row then leaves the list. */
function RetryButton({ item, recipient, channelLabel }: { item: DeadLetter; recipient: string; channelLabel: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const retry = useMutation(
    trpc.messages.retry.mutationOptions({
      onSuccess: (answer) => {
        void queryClient.invalidateQueries({ queryKey: trpc.messageHistory.pathKey() });
        if (answer.status === "blocked")
          toast.error(`Retry blocked: ${reasonLabel(answer.reason) ?? "not allowed"}. It is recorded in the history.`);
        else toast.success(`Retry of the ${channelLabel} to ${recipient} queued as a new message.`);
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button
          size="sm"
          variant="outline"
          loading={retry.isPending}
          disabled={retry.isPending}
          aria-label={`Retry the ${channelLabel} to ${recipient}`}
        >
          {retry.isPending ? null : <RotateCcwIcon />}
          Retry
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Retry this message now?</AlertDialogTitle>
          <AlertDialogDescription>
            This sends the {channelLabel} to {recipient} again now, as a new message linked to this one. A message can
            be retried once.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <p className="text-sm text-muted-foreground">
          Consent, suppressions and frequency caps are checked again first. If they no longer allow it, nothing is sent:
          the new message is recorded as blocked, with the reason.
        </p>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction onClick={() => retry.mutate({ id: item.id })}>Retry now</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
