import { NOTIFICATION_KINDS, type NotificationKind } from "./enums";

export { NOTIFICATION_KINDS, type NotificationKind };

/** One kind of notification: how it reads in the preferences and who gets it by default. */
export interface NotificationKindInfo {
  /** The row label in the preferences table. */
  label: string;
  /** What triggers it, one sentence. */
  description: string;
  /** Default channels for a member who has not set a preference for this kind. */
  defaults: { inApp: boolean; email: boolean };
  /** Not produced yet (the feature behind it is still to come); shown in the preferences anyway. */
  reserved?: boolean;
}

/**
 * The catalogue of notification kinds. Every member gets every kind in the app unless they turn it
 * off; failures that need someone to act (a failed campaign, a failing webhook endpoint) are also
 * emailed by default. A producer only calls `notify({ kind, … })`: the fan-out reads these defaults
 * for members without a preference row.
 */
export const NOTIFICATION_CATALOGUE: Record<NotificationKind, NotificationKindInfo> = {
  campaign_completed: {
    label: "Campaign completed",
    description: "A campaign run finished sending.",
    defaults: { inApp: true, email: false },
  },
  campaign_failed: {
    label: "Campaign failed",
    description: "A campaign run stopped because of an error.",
    defaults: { inApp: true, email: true },
  },
  campaign_paused: {
    label: "Campaign paused for review",
    description: "A run paused itself: too many delivery errors, or its audience drifted since review.",
    defaults: { inApp: true, email: false },
  },
  campaign_provider_paused: {
    label: "Campaign waiting for the provider",
    description: "The provider keeps failing (circuit breaker open): the run waits and resumes by itself.",
    defaults: { inApp: true, email: false },
  },
  import_completed: {
    label: "Import finished",
    description: "A contact import finished, with the count of rejected rows.",
    defaults: { inApp: true, email: false },
  },
  import_failed: {
    label: "Import failed",
    description: "A contact import stopped before the end of its file.",
    defaults: { inApp: true, email: false },
  },
  ab_test_winner: {
    label: "A/B test winner chosen",
    description: "An A/B test picked its winning variant.",
    defaults: { inApp: true, email: false },
    reserved: true,
  },
  report_sent: {
    label: "Scheduled report sent",
    description: "A scheduled report you set up was emailed to its recipients.",
    defaults: { inApp: true, email: false },
  },
  webhook_failing: {
    label: "Webhook endpoint failing",
    description: "Deliveries to a webhook endpoint failed several times in a row.",
    defaults: { inApp: true, email: true },
  },
};

/** Consecutive failed deliveries of a webhook endpoint that notify (once per endpoint and day). */
export const WEBHOOK_FAILURE_THRESHOLD = 5;

/** How often the bell asks for new notifications (ms). */
export const NOTIFICATION_POLL_MS = 30_000;
