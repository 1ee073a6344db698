"use client";

import Link from "next/link";
import { cn } from "@/components/ui/cn";
import { formatDateTime, formatRelative } from "@/components/settings/format";
import type { TNotification } from "@/server/services/notifications";

/**
 * One notification: title, body, relative time and, while unread, a dot (named "Unread" for
 * screen readers). With a link the title opens it; `onOpen` runs first (marks it read).
 */
export function NotificationItem({
  notification: n,
  onOpen,
  compact = false,
}: {
  notification: TNotification;
  onOpen?: (n: TNotification) => void;
  compact?: boolean;
}) {
  const unread = n.readAt === null;
  const title = <span className={cn("text-sm", unread ? "font-semibold" : "font-medium")}>{n.title}</span>;
  return (
    <div className={cn("flex gap-3", compact ? "px-3 py-2.5" : "py-3")} data-unread={unread || undefined}>
      <span className="mt-1.5 flex size-2 shrink-0 items-center justify-center">
        {unread ? (
          <>
            <span aria-hidden="true" className="size-2 rounded-full bg-primary" />
            <span className="sr-only">Unread:</span>
          </>
        ) : null}
      </span>
      <div className="min-w-0 flex-1 space-y-0.5">
        {n.link ? (
          <Link
            href={n.link}
            onClick={() => onOpen?.(n)}
            className="block rounded-sm outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50"
          >
            {title}
          </Link>
        ) : (
          <p>{title}</p>
        )}
        {n.body ? <p className={cn("text-sm text-muted-foreground", compact && "line-clamp-2")}>{n.body}</p> : null}
        <p className="text-xs text-muted-foreground">
          <time dateTime={new Date(n.createdAt).toISOString()} title={formatDateTime(n.createdAt)}>
            {formatRelative(n.createdAt)}
          </time>
        </p>
      </div>
    </div>
  );
}
