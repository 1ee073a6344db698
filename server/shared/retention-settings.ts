import { z } from "zod";
import { RETENTION_CATEGORIES, type RetentionCategory } from "./enums";

/** One retention window: whole days, or null for "keep forever" where the category allows it. */
interface RetentionRule {
  label: string;
  description: string;
  defaultDays: number;
  minDays: number;
  maxDays: number;
  /** Whether the category may be kept forever (null). */
  forever: boolean;
}

/** Longest window anyone may set (100 years): past it, "keep forever" says what is meant. */
const MAX_DAYS = 36_500;

/**
 * The retention rules, in the order Settings shows them. Minimums keep what the product itself
 * needs (webhook dedupe, a year of audit trail, etc.); the evidence left on erased contacts'
 * messages must go within a year and cannot be kept forever.
 */
export const RETENTION_RULES: Record<RetentionCategory, RetentionRule> = {
  messageBodies: {
    label: "Message bodies",
    description:
      "Subject, text and HTML of sent and received messages are cleared; status, times and the recipient stay.",
    defaultDays: 30,
    minDays: 1,
    maxDays: MAX_DAYS,
    forever: true,
  },
  messages: {
    label: "Messages",
    description:
      "Messages are deleted with their timeline, links and opens/clicks. The consent ledger and suppressions are never touched.",
    defaultDays: 730,
    minDays: 30,
    maxDays: MAX_DAYS,
    forever: true,
  },
  webhookEvents: {
    label: "Webhook and inbound events",
    description: "Raw delivery reports and inbound events from the email and SMS providers.",
    defaultDays: 30,
    minDays: 7,
    maxDays: MAX_DAYS,
    forever: true,
  },
  imports: {
    label: "Import files and rejection reports",
    description: "The uploaded CSV file and the list of rejected lines; the import's counts stay.",
    defaultDays: 30,
    minDays: 1,
    maxDays: MAX_DAYS,
    forever: true,
  },
  notifications: {
    label: "Notifications",
    description: "In-app notifications of every member, read or not.",
    defaultDays: 90,
    minDays: 7,
    maxDays: MAX_DAYS,
    forever: true,
  },
  auditLog: {
    label: "Audit log",
    description: "Audit entries older than this are deleted; the hash chain stays verifiable from a checkpoint.",
    defaultDays: 2555,
    minDays: 365,
    maxDays: MAX_DAYS,
    forever: true,
  },
  erasedContactEvidence: {
    label: "Evidence of erased contacts",
    description: "Address and content left on the messages of erased contacts, counted from the erasure.",
    defaultDays: 30,
    minDays: 1,
    maxDays: 365,
    forever: false,
  },
};

function daysSchema(category: RetentionCategory) {
  const rule = RETENTION_RULES[category];
  const days = z
    .number({ error: `${category} must be a whole number of days` })
    .int(`${category} must be a whole number of days`)
    .min(rule.minDays, `${category} must be at least ${rule.minDays} days`)
    .max(rule.maxDays, `${category} must be at most ${rule.maxDays} days`);
  const described = `${rule.label}: days kept (default ${rule.defaultDays}, minimum ${rule.minDays}${
    rule.forever ? "; null keeps them forever" : ""
  })`;
  return (rule.forever ? days.nullable() : days).default(rule.defaultDays).describe(described);
}

/**
 * A workspace's retention windows in days, stored in `workspaces.settings.retention`
 * (Settings → Data retention) and applied by the nightly `purge-retention` job.
 */
export const ZRetentionSettings = z.object({
  messageBodies: daysSchema("messageBodies"),
  messages: daysSchema("messages"),
  webhookEvents: daysSchema("webhookEvents"),
  imports: daysSchema("imports"),
  notifications: daysSchema("notifications"),
  auditLog: daysSchema("auditLog"),
  erasedContactEvidence: daysSchema("erasedContactEvidence"),
});

export type RetentionSettings = z.infer<typeof ZRetentionSettings>;

export const DEFAULT_RETENTION_SETTINGS = Object.fromEntries(
  RETENTION_CATEGORIES.map((category) => [category, RETENTION_RULES[category].defaultDays]),
) as RetentionSettings;

/** The stored windows over the defaults (an unreadable stored value is its default). */
export function readRetentionSettings(settings: Record<string, unknown> | null | undefined): RetentionSettings {
  const stored = settings?.retention;
  const result = { ...DEFAULT_RETENTION_SETTINGS };
  if (!stored || typeof stored !== "object") return result;
  for (const category of RETENTION_CATEGORIES) {
    const parsed = ZRetentionSettings.shape[category].safeParse((stored as Record<string, unknown>)[category]);
    if (parsed.success) (result as Record<RetentionCategory, number | null>)[category] = parsed.data;
  }
  return result;
}
