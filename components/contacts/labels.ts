import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import { MailIcon, MessageSquareTextIcon, type LucideIcon } from "lucide-react";
import type { BadgeProps } from "@/components/ui/badge";
import { CHANNELS, type Channel, type ConsentStatus } from "@/server/shared/enums";

export type { Channel, ConsentStatus } from "@/server/shared/enums";

export const CHANNEL_META: Record<Channel, { label: string; icon: LucideIcon }> = {
  email: { label: "Email", icon: MailIcon },
  sms: { label: "SMS", icon: MessageSquareTextIcon },
};

export const STATUS_META: Record<
  ConsentStatus | "none",
  { label: string; variant: NonNullable<BadgeProps["variant"]> }
> = {
  opted_in: { label: "Opted in", variant: "success" },
  pending: { label: "Pending", variant: "warning" },
  opted_out: { label: "Opted out", variant: "destructive" },
  none: { label: "No consent", variant: "muted" },
};

export const SOURCE_LABELS: Record<string, string> = {
  api: "API",
  form: "Signup form",
  preference_center: "Preference center",
  one_click: "One-click unsubscribe",
  sms_keyword: "SMS keyword",
  import: "Import",
  admin: "Admin entry",
  provider: "Provider",
  address_changed: "Address changed",
};

export const ACTION_LABELS: Record<string, string> = {
  opted_in: "Opted in",
  opted_out: "Opted out",
  confirmed: "Confirmed",
  expired: "Confirmation expired",
};

export const EVIDENCE_LABELS: Record<string, string> = {
  note: "Note",
  ip: "IP address",
  userAgent: "User agent",
  url: "Page",
  formVersion: "Form version",
  providerMessageId: "Provider message ID",
  textHash: "Consent text SHA-256",
  confirmationIp: "Confirmed from IP",
  confirmationUserAgent: "Confirmed with user agent",
};

export const SUPPRESSION_REASON_LABELS: Record<string, string> = {
  hard_bounce: "Hard bounce",
  complaint: "Spam complaint",
  sms_stop: "Replied STOP",
  provider_opt_out: "Opted out at the provider",
  manual: "Added by hand",
  erased: "Contact erased",
};

const dateTime = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});
const day = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

/** `3 Mar 2025, 14:02 UTC`: UTC so server and browser render the same text. */
export function formatWhen(value: Date | string): string {
  return `${dateTime.format(new Date(value))} UTC`;
}

/** `3 Mar 2025` (UTC). */
export function formatDay(value: Date | string): string {
  return day.format(new Date(value));
}

export function displayName(contact: {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
}): string {
  const name = [contact.firstName, contact.lastName].filter(Boolean).join(" ");
  return name || contact.email || contact.phone || "Unnamed contact";
}

export function hasName(contact: { firstName: string | null; lastName: string | null }): boolean {
  return Boolean(contact.firstName || contact.lastName);
}

/** `+14155552671` → `+1 415 555 2671`; masked or unparsable values are shown as they are. */
export function formatPhone(phone: string | null): string | null {
  if (!phone || phone.includes("•")) return phone;
  return parsePhoneNumberFromString(phone)?.formatInternational() ?? phone;
}

/** The channels as select options. */
export const CHANNEL_OPTIONS: ReadonlyArray<{ value: Channel; label: string }> = CHANNELS.map((c) => ({
  value: c,
  label: CHANNEL_META[c].label,
}));
