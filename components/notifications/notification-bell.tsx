"use client";

import * as React from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BellIcon } from "lucide-react";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Popover, PopoverContent, PopoverTrigger } from "@/components/ui/popover";
import { Spinner } from "@/components/ui/spinner";
import { toast } from "@/components/ui/toaster";
import { NOTIFICATION_POLL_MS } from "@/server/shared/notifications";
import { NotificationItem } from "./notification-item";

/** Notifications shown in the bell's list; the page has the rest. */
const LATEST = 8;

/**
 * The bell: the unread count (polled every 30 s, so it moves without a reload) as a badge and in
 * the button's name ("Notifications, 3 unread"); opening it shows the latest notifications, each
 * marked read when opened, with "Mark all as read" and a link to the full list. Focus moves into
 * the list on open and back to the bell on close (Escape or a click outside).
 */
export function NotificationBell({ className }: { className?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const headingId = React.useId();

  const unread = useQuery({
    ...trpc.notifications.unreadCount.queryOptions(),
    refetchInterval: NOTIFICATION_POLL_MS,
  });
  const count = unread.data?.unread ?? 0;
  const latest = useQuery({
    ...trpc.notifications.list.queryOptions({ limit: LATEST }),
    enabled: open,
  });
  // The count moved (a new notification, or read elsewhere): the list is out of date. An open list
  // refetches now, a closed one when it opens.
  const seen = React.useRef(count);
  React.useEffect(() => {
    if (seen.current === count) return;
    seen.current = count;
    void queryClient.invalidateQueries({ queryKey: trpc.notifications.list.pathKey() });
  }, [count, queryClient, trpc]);

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.notifications.pathKey() });
  const markRead = useMutation(trpc.notifications.markRead.mutationOptions({ onSuccess: refresh }));
  const markAll = useMutation(
    trpc.notifications.markAllRead.mutationOptions({
      onSuccess: refresh,
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  const label = `Notifications, ${count} unread`;
  const items = latest.data?.items ?? [];

  return (
    <Popover open={open} onOpenChange={setOpen}>
      <PopoverTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={label} title={label} className={cn("relative", className)}>
          <BellIcon className="size-5" aria-hidden="true" />
          {count > 0 ? (
            <span
              aria-hidden="true"
              className="absolute -top-0.5 -right-0.5 flex h-4 min-w-4 items-center justify-center rounded-full bg-primary px-1 text-[10px] leading-none font-semibold text-primary-foreground tabular-nums"
            >
              {count > 99 ? "99+" : count}
            </span>
          ) : null}
        </Button>
      </PopoverTrigger>
      <PopoverContent align="end" className="w-[22rem] max-w-[calc(100vw-1.5rem)] p-0" aria-labelledby={headingId}>
        <div className="flex items-center justify-between gap-2 border-b px-3 py-2">
          <h2 id={headingId} className="text-sm font-semibold">
            Notifications
          </h2>
          <Button
            variant="ghost"
            size="sm"
            disabled={count === 0 || markAll.isPending}
            onClick={() => markAll.mutate()}
          >
            Mark all as read
          </Button>
        </div>
        <div className="max-h-[min(26rem,60vh)] overflow-y-auto">
          {latest.isPending ? (
            <div className="flex justify-center p-6" role="status" aria-label="Loading notifications">
              <Spinner />
            </div>
          ) : latest.isError ? (
            <p className="p-4 text-sm text-destructive">{errorMessage(latest.error)}</p>
          ) : items.length === 0 ? (
            <p className="p-6 text-center text-sm text-muted-foreground">You have no notifications.</p>
          ) : (
            <ul aria-label="Latest notifications" className="divide-y">
              {items.map((n) => (
                <li key={n.id}>
                  <NotificationItem
                    compact
                    notification={n}
                    onOpen={(opened) => {
                      if (opened.readAt === null) markRead.mutate({ ids: [opened.id] });
                      setOpen(false);
                    }}
                  />
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="border-t p-1">
          <Button asChild variant="ghost" size="sm" className="w-full">
            <Link href="/notifications" onClick={() => setOpen(false)}>
              View all notifications
            </Link>
          </Button>
        </div>
      </PopoverContent>
    </Popover>
  );
}
