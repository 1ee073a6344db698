"use client";

import type * as React from "react";
import { ActivityIcon, EyeIcon, PencilIcon, ShieldOffIcon, UserPlusIcon, type LucideIcon } from "lucide-react";
import { describeAction } from "@/components/audit/describe-action";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { actionIcon, ActorName, HistoryLinkText } from "./consent-history";
import {
  ACTION_LABELS,
  CHANNEL_META,
  formatWhen,
  SOURCE_LABELS,
  SUPPRESSION_REASON_LABELS,
  type Channel,
} from "./labels";
import type { ActivityEntry } from "./types";

const FIELD_LABELS: Record<string, string> = {
  email: "email",
  phone: "phone",
  firstName: "first name",
  lastName: "last name",
  locale: "locale",
  timezone: "time zone",
  attributes: "attributes",
  tags: "tags",
};

function fieldList(after: Record<string, unknown> | null): string {
  const fields = Array.isArray(after?.fields) ? (after.fields as string[]) : [];
  return fields.map((f) => FIELD_LABELS[f] ?? f).join(", ");
}

function describeAudit(entry: Extract<ActivityEntry, { kind: "audit" }>): { title: string; Icon: LucideIcon } {
  switch (entry.action) {
    case "contact.created":
      return { title: "Contact created", Icon: UserPlusIcon };
    case "contact.updated":
      return {
        title: `Profile updated${fieldList(entry.after) ? `: ${fieldList(entry.after)}` : ""}`,
        Icon: PencilIcon,
      };
    case "contact.revealed":
      return { title: "Personal data revealed", Icon: EyeIcon };
    case "suppression.added": {
      const channel = entry.after?.channel as Channel | undefined;
      const reason = SUPPRESSION_REASON_LABELS[String(entry.after?.reason)] ?? String(entry.after?.reason ?? "");
      return {
        title: `Suppressed on ${channel ? CHANNEL_META[channel].label : "a channel"}${reason ? `: ${reason}` : ""}`,
        Icon: ShieldOffIcon,
      };
    }
    default: {
      const text = describeAction(entry.action);
      return { title: text.charAt(0).toUpperCase() + text.slice(1), Icon: ActivityIcon };
    }
  }
}

/** Consent events and audit rows about the contact, newest first, on one vertical line. */
export function ActivityTimeline({ entries }: { entries: ActivityEntry[] }) {
  if (entries.length === 0) {
    return (
      <EmptyState
        bare
        className="py-10"
        icon={ActivityIcon}
        title="No activity yet"
        description="Changes to this contact will show up here."
      />
    );
  }
  return (
    <ol className="relative grid gap-0 px-4 py-4 sm:px-6" data-testid="activity-timeline">
      {entries.map((entry, index) => {
        const isLast = index === entries.length - 1;
        let title: string;
        let detail: React.ReactNode;
        let Icon: LucideIcon;
        let tone = "bg-muted text-muted-foreground ring-border";
        if (entry.kind === "consent") {
          const e = entry.event;
          const pending = e.action === "opted_in" && e.needsConfirmation;
          ({ Icon, tone } = actionIcon(e.action, pending));
          title = `${pending ? "Opt-in awaiting confirmation" : (ACTION_LABELS[e.action] ?? e.action)}: ${e.topicName} (${CHANNEL_META[e.channel].label})`;
          detail = (
            <>
              {e.origin ? (
                <HistoryLinkText label={e.origin.label} href={e.origin.href} />
              ) : (
                (SOURCE_LABELS[e.source] ?? e.source)
              )}{" "}
              · by <ActorName entry={e} />
            </>
          );
        } else {
          ({ title, Icon } = describeAudit(entry));
          detail = (
            <>
              By <ActorName entry={entry} />
            </>
          );
        }
        return (
          <li key={entry.kind === "consent" ? entry.event.id : entry.id} className="relative flex gap-3 pb-5 last:pb-0">
            {!isLast ? <span aria-hidden className="absolute top-8 bottom-0 left-[15px] w-px bg-border" /> : null}
            <span
              className={cn(
                "relative flex size-8 shrink-0 items-center justify-center rounded-full ring-1 ring-inset",
                tone,
              )}
            >
              <Icon className="size-3.5" aria-hidden />
            </span>
            <div className="grid min-w-0 gap-0.5 pt-1">
              <span className="text-sm font-medium">{title}</span>
              <span className="text-xs text-muted-foreground">
                {detail} · <time dateTime={new Date(entry.at).toISOString()}>{formatWhen(entry.at)}</time>
              </span>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
