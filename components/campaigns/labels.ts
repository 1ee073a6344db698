import type { CampaignStatus } from "@/server/shared/enums";

export const STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: "Draft",
  scheduled: "Scheduled",
  sending: "Sending",
  paused: "Paused",
  completed: "Completed",
  cancelled: "Cancelled",
  failed: "Failed",
  archived: "Archived",
};

export const STATUS_VARIANTS: Record<CampaignStatus, "muted" | "info" | "warning" | "success" | "destructive"> = {
  draft: "muted",
  scheduled: "info",
  sending: "info",
  paused: "warning",
  completed: "success",
  cancelled: "muted",
  failed: "destructive",
  archived: "muted",
};

export const CHANNEL_LABELS = { email: "Email", sms: "SMS" } as const;

/** Why the dry run would not send, in the order the policy checks. */
export const DRY_RUN_REASONS = [
  ["erased", "Erased"],
  ["invalid_address", "No address on the channel"],
  ["suppressed", "Suppressed"],
  ["opted_out", "Opted out"],
  ["no_consent", "No consent"],
  ["frequency_cap", "Frequency cap"],
] as const;

/** Block reasons beyond the dry run's (a run may also hold a recipient back for quiet hours). */
const BLOCK_REASON_LABELS: Record<string, string> = {
  ...Object.fromEntries(DRY_RUN_REASONS),
  quiet_hours: "Quiet hours",
};

/** A block reason as people read it; an unknown one as it is. */
export function blockReasonLabel(reason: string): string {
  return BLOCK_REASON_LABELS[reason] ?? reason.replaceAll("_", " ");
}

export const RUN_STATUS_LABELS: Record<string, string> = {
  scheduled: "Scheduled",
  materialising: "Preparing the audience",
  sending: "Sending",
  paused: "Paused",
  completed: "Completed",
  cancelled: "Cancelled",
  failed: "Failed",
};

export const RUN_STATUS_VARIANTS: Record<string, "muted" | "info" | "warning" | "success" | "destructive"> = {
  scheduled: "info",
  materialising: "info",
  sending: "info",
  paused: "warning",
  completed: "success",
  cancelled: "muted",
  failed: "destructive",
};

export const RUN_KIND_LABELS: Record<string, string> = {
  once: "One-off",
  occurrence: "Occurrence",
  follow_up: "Follow-up (the rest)",
  cap_follow_up: "Follow-up (cap-skipped)",
  ab_test: "A/B test group",
  ab_remainder: "A/B test: the rest",
};

/** Block reasons a recipients list can be filtered by, in the order the policy checks (quiet hours last). */
export const RECIPIENT_REASON_FILTERS = [...DRY_RUN_REASONS, ["quiet_hours", "Quiet hours"]] as const;

/** Outcomes of a run's recipients, in the order the filter lists them. */
export const OUTCOME_LABELS = {
  pending: "Pending",
  queued: "Queued",
  sent: "Sent",
  delivered: "Delivered",
  deferred: "Deferred",
  failed: "Failed",
  blocked: "Blocked",
  cancelled: "Cancelled",
  skipped: "Skipped",
} as const;
export type RecipientOutcome = keyof typeof OUTCOME_LABELS;

export const OUTCOME_VARIANTS: Record<RecipientOutcome, "muted" | "info" | "warning" | "success" | "destructive"> = {
  pending: "muted",
  queued: "info",
  sent: "info",
  delivered: "success",
  deferred: "warning",
  failed: "destructive",
  blocked: "destructive",
  cancelled: "muted",
  skipped: "warning",
};

/** Where a recipient's zone came from, in a local-time run. */
export const ZONE_SOURCE_LABELS: Record<string, string> = {
  contact: "Contact's zone",
  phone: "Phone number",
  workspace: "Workspace zone",
  fallback: "Fallback",
};
