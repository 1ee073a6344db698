"use client";

import * as React from "react";
import Link from "next/link";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import {
  ChevronLeftIcon,
  ChevronRightIcon,
  ExternalLinkIcon,
  InboxIcon,
  MailWarningIcon,
  ShieldIcon,
} from "lucide-react";
import { BackLink } from "@/components/ui/back-link";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import { CHANNEL_META, formatPhone, formatWhen, type Channel } from "@/components/contacts/labels";
import { EmailPreview } from "./email-preview";
import { purposeLabel, recipientRoleWord } from "./labels";
import { MessageStatusBadge } from "./message-status-badge";
import { SmsBubble } from "./sms-bubble";
import type { OutboxItem } from "./types";

type Tab = "all" | Channel;

/**
 * The log transport's outbox: what would have been delivered if a provider were configured, shown
 * as the recipient would see it. 20 per page, newest first.
 */
export function OutboxView() {
  const trpc = useTRPC();
  const [tab, setTab] = React.useState<Tab>("all");
  const [cursors, setCursors] = React.useState<(string | undefined)[]>([undefined]);
  const input = { channel: tab === "all" ? undefined : tab, cursor: cursors[cursors.length - 1] };
  const outbox = useQuery({ ...trpc.messageHistory.outbox.queryOptions(input), placeholderData: keepPreviousData });
  const data = outbox.data;
  const choose = (next: Tab) => {
    setTab(next);
    setCursors([undefined]);
  };
  const transports = data?.transports;
  const live = transports ? (["email", "sms"] as const).filter((c) => transports[c] !== "log") : [];

  return (
    <div className="grid gap-6">
      <PageHeader
        className="mb-0 sm:mb-0"
        eyebrow={<BackLink href="/messages">Messages</BackLink>}
        title="Outbox"
        description="With no provider configured, messages are recorded by the log transport instead of being sent: sends, double opt-in confirmations, invitations and sign-in links. Here they are as each recipient would have received them."
        actions={
          <Button variant="outline" asChild>
            <Link href="/messages/dead-letters">
              <MailWarningIcon />
              Dead letters
            </Link>
          </Button>
        }
      />

      {live.length ? (
        <Alert>
          <InboxIcon />
          <AlertTitle>
            {live.map((c) => CHANNEL_META[c].label).join(" and ")} {live.length === 1 ? "goes" : "go"} through a real
            provider
          </AlertTitle>
          <AlertDescription>
            Only messages recorded by the log transport appear here. Messages sent with{" "}
            {live.map((c) => transports?.[c]).join(" and ")} are in the message history.
          </AlertDescription>
        </Alert>
      ) : null}
      {data?.masked ? (
        <Alert>
          <ShieldIcon />
          <AlertTitle>Recipients and content are hidden for your role</AlertTitle>
          <AlertDescription>
            Marketers, admins and owners can read the messages in the outbox; invitations and sign-in links only admins
            and owners.
          </AlertDescription>
        </Alert>
      ) : null}

      <div
        role="tablist"
        aria-label="Channel"
        className="inline-flex h-9 w-fit items-center rounded-lg bg-muted p-[3px] text-muted-foreground"
      >
        {(["all", "email", "sms"] as const).map((value) => {
          const count = data ? (value === "all" ? data.counts.email + data.counts.sms : data.counts[value]) : undefined;
          return (
            <button
              key={value}
              type="button"
              role="tab"
              aria-selected={tab === value}
              onClick={() => choose(value)}
              className={cn(
                "inline-flex h-full items-center gap-1.5 rounded-md px-3 text-sm font-medium whitespace-nowrap transition-colors outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50",
                tab === value ? "bg-background text-foreground shadow-sm" : "hover:text-foreground",
              )}
            >
              {value === "all" ? "All" : CHANNEL_META[value].label}
              {count !== undefined ? <span className="text-xs text-muted-foreground tabular-nums">{count}</span> : null}
            </button>
          );
        })}
      </div>

      {outbox.isPending ? (
        <Card className="py-0">
          <LoadingRows rows={4} label="Loading the outbox" />
        </Card>
      ) : outbox.isError ? (
        <Card className="py-0">
          <LoadError message={errorMessage(outbox.error)} onRetry={() => void outbox.refetch()} />
        </Card>
      ) : !data || data.items.length === 0 ? (
        <EmptyState
          icon={InboxIcon}
          title={
            tab === "all" ? "The outbox is empty" : `No ${tab === "sms" ? "text messages" : "emails"} in the outbox`
          }
          description="Messages recorded by the log transport appear here, exactly as they would have been delivered, including the unsubscribe headers and links."
        />
      ) : (
        <>
          <ol className="grid gap-4" aria-busy={outbox.isFetching} data-testid="outbox">
            {data.items.map((item) => (
              <li key={item.id}>
                <OutboxCard item={item} />
              </li>
            ))}
          </ol>
          {cursors.length > 1 || data.nextCursor ? (
            <nav aria-label="Pagination" className="flex justify-end gap-2">
              <Button
                variant="outline"
                size="sm"
                disabled={cursors.length === 1 || outbox.isFetching}
                onClick={() => setCursors((c) => c.slice(0, -1))}
              >
                <ChevronLeftIcon />
                Newer
              </Button>
              <Button
                variant="outline"
                size="sm"
                disabled={!data.nextCursor || outbox.isFetching}
                onClick={() => setCursors((c) => [...c, data.nextCursor ?? undefined])}
              >
                Older
                <ChevronRightIcon />
              </Button>
            </nav>
          ) : null}
        </>
      )}
    </div>
  );
}

function OutboxCard({ item }: { item: OutboxItem }) {
  const channel = CHANNEL_META[item.channel as Channel];
  const to = item.channel === "sms" ? formatPhone(item.to) : item.to;
  const member = item.kind === "system";
  const who = recipientRoleWord(item.kind, item.purpose);
  const what = purposeLabel(item.purpose);
  return (
    <Card className="gap-4" data-testid="outbox-item" data-channel={item.channel} data-purpose={item.purpose ?? "send"}>
      <CardHeader className="flex flex-wrap items-center gap-3">
        <div className="flex min-w-0 flex-1 basis-56 items-center gap-3">
          <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-primary/10 text-primary ring-1 ring-primary/15 ring-inset">
            <channel.icon className="size-4" aria-hidden />
          </span>
          <div className="grid min-w-0 gap-0.5">
            <p className="truncate text-sm font-medium">
              {channel.label} to {who ? `${who} ` : ""}
              <span className={cn(item.channel === "sms" && "tabular-nums")}>{to ?? "unknown"}</span>
            </p>
            <p className="truncate text-xs text-muted-foreground">
              <time dateTime={new Date(item.sentAt ?? item.createdAt).toISOString()}>
                {formatWhen(item.sentAt ?? item.createdAt)}
              </time>
              {what ? ` · ${what}` : ""}
              {item.topic ? ` · ${item.topic}` : ""}
            </p>
          </div>
        </div>
        <div className="ml-auto flex items-center gap-2">
          <MessageStatusBadge status={item.status} />
          <Button variant="ghost" size="sm" asChild>
            <Link href={`/messages/${item.id}`}>
              Details
              <ExternalLinkIcon />
            </Link>
          </Button>
        </div>
      </CardHeader>
      <CardContent>
        {item.content === null ? (
          <p className="rounded-md border border-dashed px-4 py-6 text-center text-sm text-muted-foreground">
            {member
              ? `Hidden for your role: this link acts for the ${who} it was sent to`
              : "Content hidden for your role"}
          </p>
        ) : item.channel === "email" ? (
          <EmailPreview
            from={item.from}
            to={item.to}
            subject={item.content.subject}
            html={item.content.html}
            text={item.content.text}
            headers={item.headers}
          />
        ) : (
          <SmsBubble
            text={item.content.text ?? ""}
            direction="outbound"
            party={to}
            segments={item.segments}
            at={formatWhen(item.sentAt ?? item.createdAt)}
            className="sm:mx-0"
          />
        )}
      </CardContent>
    </Card>
  );
}
