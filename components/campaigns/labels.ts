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
