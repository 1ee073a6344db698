"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { ArrowDownLeftIcon, ArrowRightIcon, ArrowUpRightIcon, InboxIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import { CHANNEL_META, type Channel } from "@/components/contacts/labels";
import { formatShort, reasonLabel } from "./labels";
import { MessageStatusBadge } from "./message-status-badge";

const SHOWN = 8;

/** The contact page's Messages card: the latest inbound and outbound messages, linking to each and to the full history. */
export function ContactMessages({ contactId }: { contactId: string }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.messageHistory.browse.queryOptions({ contactId, limit: SHOWN }));
  const data = list.data;
  return (
    <Card className="gap-0 py-0">
      <CardHeader className="border-b py-4 [.border-b]:pb-4">
        <CardTitle>Messages</CardTitle>
        <CardDescription>Emails and text messages sent to or received from this contact.</CardDescription>
        {data?.total ? (
          <CardAction>
            <Button variant="ghost" size="sm" asChild>
              <Link href={`/messages?contactId=${contactId}`}>
                View all
                <span className="text-muted-foreground tabular-nums">
                  {data.total}
                  {data.totalCapped ? "+" : ""}
                </span>
                <ArrowRightIcon />
              </Link>
            </Button>
          </CardAction>
        ) : null}
      </CardHeader>
      {list.isPending ? (
        <LoadingRows rows={3} label="Loading messages" />
      ) : list.isError ? (
        <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
      ) : !data || data.items.length === 0 ? (
        <EmptyState
          bare
          className="py-12"
          icon={InboxIcon}
          title="No messages yet"
          description="Messages sent to this contact, and text replies from them, appear here with the consent each send relied on."
        />
      ) : (
        <ul className="divide-y" data-testid="contact-messages">
          {(data?.items ?? []).map((item) => {
            const channel = CHANNEL_META[item.channel as Channel];
            const inbound = item.direction === "inbound";
            const DirectionIcon = inbound ? ArrowDownLeftIcon : ArrowUpRightIcon;
            const why = reasonLabel(item.reason);
            return (
              <li key={item.id}>
                <Link
                  href={`/messages/${item.id}`}
                  className="flex items-center gap-3 px-4 py-3 text-sm outline-none hover:bg-muted/40 focus-visible:bg-muted/40 sm:px-6"
                  data-testid="contact-message"
                >
                  <span
                    className={cn(
                      "relative flex size-8 shrink-0 items-center justify-center rounded-lg ring-1 ring-inset",
                      inbound
                        ? "bg-muted text-muted-foreground ring-border"
                        : "bg-primary/8 text-primary ring-primary/15",
                    )}
                  >
                    <channel.icon className="size-3.5" aria-hidden />
                    <DirectionIcon
                      className="absolute -right-1 -bottom-1 size-3 rounded-full bg-background ring-1 ring-border"
                      aria-hidden
                    />
                    <span className="sr-only">
                      {inbound ? "Inbound" : "Outbound"} {channel.label}
                    </span>
                  </span>
                  <div className="grid min-w-0 flex-1 gap-0.5">
                    <span className="truncate font-medium">
                      {item.preview ?? item.topicName ?? (inbound ? "Text from the contact" : channel.label)}
                    </span>
                    <span className="truncate text-xs text-muted-foreground">
                      {formatShort(item.createdAt)}
                      {item.preview && item.topicName ? ` · ${item.topicName}` : ""}
                      {why ? ` · ${why}` : ""}
                    </span>
                  </div>
                  <MessageStatusBadge status={item.status} />
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
