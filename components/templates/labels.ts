import type { Channel, TemplateCategory } from "@/db/schema";

export const CHANNEL_LABELS: Record<Channel, string> = { email: "Email", sms: "SMS" };

export const CATEGORY_LABELS: Record<TemplateCategory, string> = {
  promotional: "Promotional",
  transactional: "Transactional",
  notification: "Notification",
  confirmation: "Confirmation",
  system: "System",
};

/** In the order the pickers show them (kept here so client bundles need no schema import). */
export const CATEGORY_ORDER: TemplateCategory[] = ["promotional", "transactional", "notification", "confirmation", "system"];

export const CATEGORY_HINTS: Record<TemplateCategory, string> = {
  promotional: "Marketing: needs consent; SMS carry opt-out wording, email the unsubscribe link and postal address.",
  transactional: "Receipts, shipping, account changes the person asked for.",
  notification: "Alerts and reminders about something the person set up.",
  confirmation: "Opt-in and double opt-in confirmations.",
  system: "Automatic replies such as HELP and opt-out confirmations.",
};

/** Names Liquid provides without declaring them. */
export const BUILT_IN_VARIABLES = [
  { name: "contact.first_name", hint: "First name (may be empty: add | default: \"there\")" },
  { name: "contact.last_name", hint: "Last name" },
  { name: "contact.email", hint: "Email address" },
  { name: "contact.phone", hint: "Phone number" },
  { name: "workspace.name", hint: "Your brand" },
  { name: "unsubscribe_url", hint: "One-click unsubscribe link" },
  { name: "preferences_url", hint: "Preference center link" },
] as const;

export function slugifyKey(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
}
