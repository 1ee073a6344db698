import {
  AlertTriangleIcon,
  BanIcon,
  CheckCheckIcon,
  CheckIcon,
  ClockIcon,
  EyeIcon,
  InboxIcon,
  MailWarningIcon,
  MousePointerClickIcon,
  SendIcon,
  ShieldCheckIcon,
  TimerIcon,
  XCircleIcon,
  type LucideIcon,
} from "lucide-react";
import type { BadgeProps } from "@/components/ui/badge";
import type { MessageStatus } from "@/server/shared/enums";

export type { MessageStatus };

type Variant = NonNullable<BadgeProps["variant"]>;

/** Every message status (MESSAGE_STATUSES of server/shared/enums.ts) in the order the status chips show them. */
export const MESSAGE_STATUS_ORDER = [
  "queued",
  "sending",
  "sent",
  "delivered",
  "deferred",
  "blocked",
  "undelivered",
  "failed",
  "bounced",
  "complained",
  "received",
] as const satisfies readonly MessageStatus[];

export const MESSAGE_STATUS_META: Record<MessageStatus, { label: string; variant: Variant; description: string }> = {
  queued: { label: "Queued", variant: "info", description: "Accepted and waiting for the transport" },
  sending: { label: "Sending", variant: "info", description: "Being handed to the provider" },
  sent: { label: "Sent", variant: "info", description: "Accepted by the provider" },
  delivered: { label: "Delivered", variant: "success", description: "The provider reported delivery" },
  deferred: { label: "Deferred", variant: "warning", description: "Held back until sending is allowed (quiet hours)" },
  blocked: { label: "Blocked", variant: "destructive", description: "Refused by the consent policy; never sent" },
  undelivered: { label: "Undelivered", variant: "destructive", description: "The carrier could not deliver it" },
  failed: { label: "Failed", variant: "destructive", description: "The provider refused it or every attempt failed" },
  bounced: { label: "Bounced", variant: "destructive", description: "The receiving server rejected it" },
  complained: { label: "Spam complaint", variant: "destructive", description: "The recipient marked it as spam" },
  received: { label: "Received", variant: "muted", description: "An inbound message from the contact" },
};

export function statusMeta(status: string) {
  return (
    MESSAGE_STATUS_META[status as MessageStatus] ?? { label: status, variant: "muted" as Variant, description: "" }
  );
}

export const REASON_LABELS: Record<string, string> = {
  no_consent: "No consent",
  opted_out: "Opted out",
  suppressed: "Address suppressed",
  quiet_hours: "Quiet hours",
  frequency_cap: "Frequency cap reached",
  invalid_address: "Invalid address",
  erased: "Contact erased",
  expired: "Expired before it could be sent",
};

export function reasonLabel(reason: string | null | undefined): string | null {
  if (!reason) return null;
  return REASON_LABELS[reason] ?? reason;
}

export const RELATION_LABELS: Record<string, { parent: string; child: string }> = {
  retry: { parent: "Retry of", child: "Retried as" },
  resend: { parent: "Resend of", child: "Resent as" },
  fallback: { parent: "Fallback for", child: "Fell back to" },
  keyword_reply: { parent: "Reply to", child: "Answered by" },
};

export function relationLabel(relation: string | null, side: "parent" | "child"): string {
  return (relation && RELATION_LABELS[relation]?.[side]) ?? (side === "parent" ? "Follows" : "Followed by");
}

/** Titles and icons of timeline steps (statuses and pipeline steps). */
export const EVENT_META: Record<
  string,
  { label: string; icon: LucideIcon; tone: "success" | "danger" | "warning" | "info" | "muted" }
> = {
  decided: { label: "Consent checked", icon: ShieldCheckIcon, tone: "info" },
  queued: { label: "Queued", icon: ClockIcon, tone: "muted" },
  sending: { label: "Handed to the provider", icon: SendIcon, tone: "info" },
  sent: { label: "Sent", icon: CheckIcon, tone: "info" },
  delivered: { label: "Delivered", icon: CheckCheckIcon, tone: "success" },
  deferred: { label: "Deferred", icon: TimerIcon, tone: "warning" },
  delayed: { label: "Waiting to send", icon: TimerIcon, tone: "warning" },
  blocked: { label: "Blocked", icon: BanIcon, tone: "danger" },
  undelivered: { label: "Undelivered", icon: MailWarningIcon, tone: "danger" },
  failed: { label: "Failed", icon: XCircleIcon, tone: "danger" },
  bounced: { label: "Bounced", icon: MailWarningIcon, tone: "danger" },
  complained: { label: "Marked as spam", icon: AlertTriangleIcon, tone: "danger" },
  received: { label: "Received", icon: InboxIcon, tone: "muted" },
  opened: { label: "Opened", icon: EyeIcon, tone: "success" },
  clicked: { label: "Link clicked", icon: MousePointerClickIcon, tone: "success" },
};

export const TONE_CLASSES: Record<"success" | "danger" | "warning" | "info" | "muted", string> = {
  success: "bg-success/10 text-success ring-success/20",
  danger: "bg-destructive/10 text-destructive ring-destructive/20",
  warning: "bg-warning/10 text-warning ring-warning/20",
  info: "bg-info/10 text-info ring-info/20",
  muted: "bg-muted text-muted-foreground ring-border",
};

export const EVENT_SOURCE_LABELS: Record<string, string> = {
  pipeline: "Pipeline",
  provider: "Provider",
  webhook: "Provider webhook",
  admin: "Admin",
};

export const TRANSPORT_LABELS: Record<string, string> = {
  log: "Log transport (not sent)",
  resend: "Resend",
  twilio: "Twilio",
  twiml: "Twilio, in the webhook's TwiML answer",
};

/** Messages the product sends of its own (`purpose`), named for the tables and the Outbox. */
export const PURPOSE_LABELS: Record<string, string> = {
  double_opt_in: "Double opt-in confirmation",
  invitation: "Invitation",
  magic_link: "Sign-in link",
  notification: "Notification",
};

export function purposeLabel(purpose: string | null | undefined): string | null {
  return purpose ? (PURPOSE_LABELS[purpose] ?? purpose) : null;
}

/** Who a system message went to: "member" (a sign-in link), "invitee" (an invitation); empty for contacts. */
export function recipientRoleWord(kind: string, purpose: string | null | undefined): string {
  if (kind !== "system") return "";
  return purpose === "invitation" ? "invitee" : "member";
}

/** "Email to member a•••@example.com" for a system message, "Email to a•••@example.com" otherwise. */
export function recipientPhrase(
  channelLabel: string,
  kind: string,
  purpose: string | null | undefined,
  address: string | null,
): string {
  const word = recipientRoleWord(kind, purpose);
  return `${channelLabel} to ${word ? `${word} ` : ""}${address ?? "an unknown recipient"}`;
}

/** `3 Mar, 14:02` in UTC, for dense tables. */
const short = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});
const precise = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZone: "UTC",
});

export function formatShort(value: Date | string): string {
  return short.format(new Date(value));
}

/** `3 Mar 2025, 14:02:09 UTC` for timelines, where seconds matter. */
export function formatPrecise(value: Date | string): string {
  return `${precise.format(new Date(value))} UTC`;
}

/** Detail values of a timeline event as short strings (objects as compact JSON). */
export function detailEntries(detail: Record<string, unknown> | null): [string, string][] {
  if (!detail) return [];
  return (
    Object.entries(detail)
      // `checks` belong to the consent proof panel, `applied` is shown as "arrived late".
      .filter(
        ([key, value]) =>
          key !== "applied" && key !== "checks" && value !== null && value !== undefined && value !== "",
      )
      .map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])
  );
}

const DETAIL_LABELS: Record<string, string> = {
  code: "Error code",
  errorCode: "Error code",
  error: "Error",
  message: "Message",
  providerMessageId: "Provider ID",
  transport: "Transport",
  segments: "Segments",
  attempt: "Attempt",
  reason: "Reason",
  retryAt: "Retry at",
  deliverAt: "Deliver at",
  bounceType: "Bounce type",
  url: "Link",
};

export function detailLabel(key: string): string {
  return DETAIL_LABELS[key] ?? key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());
}
