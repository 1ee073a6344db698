"use client";

import * as React from "react";
import Link from "next/link";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BellIcon } from "lucide-react";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { FormField } from "@/components/ui/form-field";
import { PageHeader } from "@/components/ui/page-header";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { toast } from "@/components/ui/toaster";
import {
  NOTIFICATION_CATALOGUE,
  NOTIFICATION_KINDS,
  NOTIFICATION_POLL_MS,
  type NotificationKind,
} from "@/server/shared/notifications";
import { NotificationItem } from "./notification-item";

const PAGE_SIZE = 20;
const ALL = "all";

/**
 * Every notification of the signed-in member, newest first, 20 at a time ("Load more"), filtered
 * by read state and kind; each unread one can be marked read, or all at once. Refreshed every
 * 30 s like the bell.
 */
export function NotificationsList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [show, setShow] = React.useState<"all" | "unread">("all");
  const [kind, setKind] = React.useState<NotificationKind | typeof ALL>(ALL);

  const input = { limit: PAGE_SIZE, unreadOnly: show === "unread", ...(kind === ALL ? {} : { kind }) };
  const list = useInfiniteQuery({
    ...trpc.notifications.list.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor }),
    refetchInterval: NOTIFICATION_POLL_MS,
  });
  const unread = useQuery({ ...trpc.notifications.unreadCount.queryOptions(), refetchInterval: NOTIFICATION_POLL_MS });
  const count = unread.data?.unread ?? 0;

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.notifications.pathKey() });
  const onError = (error: unknown) => toast.error(errorMessage(error));
  const markRead = useMutation(trpc.notifications.markRead.mutationOptions({ onSuccess: refresh, onError }));
  const markAll = useMutation(
    trpc.notifications.markAllRead.mutationOptions({
      onSuccess: (result) => {
        toast.success(
          result.marked === 1 ? "1 notification marked as read" : `${result.marked} notifications marked as read`,
        );
        return refresh();
      },
      onError,
    }),
  );

  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeader
        title="Notifications"
        description={
          <>
            Campaigns that finished, failed or paused, imports, and failing webhooks. Choose what reaches you, and how,
            in{" "}
            <Link href="/settings/account#notifications" className="underline underline-offset-4">
              your account settings
            </Link>
            .
          </>
        }
        actions={
          <Button variant="outline" disabled={count === 0 || markAll.isPending} onClick={() => markAll.mutate()}>
            {markAll.isPending ? <Spinner /> : null}
            Mark all as read
          </Button>
        }
      />
      <div className="mb-4 flex flex-wrap gap-4">
        <FormField className="w-44" label="Show" id="notifications-show">
          <Select value={show} onValueChange={(value) => setShow(value as "all" | "unread")}>
            <SelectTrigger id="notifications-show">
              <SelectValue />
            </SelectTrigger>
            <SelectContent aria-label="Show">
              <SelectItem value="all">All</SelectItem>
              <SelectItem value="unread">Unread only</SelectItem>
            </SelectContent>
          </Select>
        </FormField>
        <FormField className="w-64" label="Kind" id="notifications-kind">
          <Select value={kind} onValueChange={(value) => setKind(value as NotificationKind | typeof ALL)}>
            <SelectTrigger id="notifications-kind">
              <SelectValue />
            </SelectTrigger>
            <SelectContent aria-label="Kind">
              <SelectItem value={ALL}>Every kind</SelectItem>
              {NOTIFICATION_KINDS.map((k) => (
                <SelectItem key={k} value={k}>
                  {NOTIFICATION_CATALOGUE[k].label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </FormField>
      </div>
      <Card className="py-0">
        <CardContent className="px-0">
          {list.isPending ? (
            <LoadingRows label="Loading notifications" />
          ) : list.isError ? (
            <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
          ) : items.length === 0 ? (
            <EmptyState
              bare
              icon={BellIcon}
              title={show === "unread" ? "Nothing unread" : "No notifications"}
              description="When a campaign finishes, fails or pauses, or an import ends, you will see it here."
            />
          ) : (
            <ul aria-label="Notifications" className="divide-y">
              {items.map((n) => (
                <li key={n.id} className="flex items-start gap-3 px-4 sm:px-6">
                  <div className="min-w-0 flex-1">
                    <NotificationItem
                      notification={n}
                      onOpen={(opened) => {
                        if (opened.readAt === null) markRead.mutate({ ids: [opened.id] });
                      }}
                    />
                  </div>
                  {n.readAt === null ? (
                    <Button
                      variant="ghost"
                      size="sm"
                      className="mt-2"
                      disabled={markRead.isPending}
                      onClick={() => markRead.mutate({ ids: [n.id] })}
                      aria-label={`Mark "${n.title}" as read`}
                    >
                      Mark as read
                    </Button>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {list.hasNextPage ? (
            <div className="flex justify-center border-t p-3">
              <Button variant="outline" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                {list.isFetchingNextPage ? <Spinner /> : null}
                Load more
              </Button>
            </div>
          ) : null}
        </CardContent>
      </Card>
    </>
  );
}
