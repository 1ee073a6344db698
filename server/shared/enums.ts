/**
 * The closed vocabularies of the product: channels, statuses, kinds, sources, roles, scopes.
 * `db/schema` builds its PostgreSQL enums from these lists (and re-exports them), services
 * validate against them, and the UI labels them, all from this one place.
 */

export const CHANNELS = ["email", "sms"] as const;
export type Channel = (typeof CHANNELS)[number];

export const TOPIC_KINDS = ["marketing", "transactional"] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

export const CONSENT_ACTIONS = ["opted_in", "opted_out", "confirmed", "expired"] as const;
export type ConsentAction = (typeof CONSENT_ACTIONS)[number];

/**
 * `address_changed` is written by the system only: the contact's address on that channel was
 * replaced or removed, so consent given for the old address ends (it never covers the new one).
 */
export const CONSENT_SOURCES = [
  "api",
  "form",
  "preference_center",
  "one_click",
  "sms_keyword",
  "import",
  "admin",
  "provider",
  "address_changed",
] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export const CONSENT_STATUSES = ["opted_in", "opted_out", "pending"] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export const SUPPRESSION_REASONS = [
  "hard_bounce",
  "complaint",
  "sms_stop",
  "provider_opt_out",
  "manual",
  "erased",
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export const MESSAGE_DIRECTIONS = ["outbound", "inbound"] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

/**
 * What a message is. `marketing` and `transactional` go to contacts (the kind the send was judged
 * by: transactional only on a transactional topic, or for a double opt-in confirmation request);
 * `system` goes to a workspace member (an invitation, a sign-in link): no consent, no contact
 * suppression list, never counted towards a contact's caps.
 */
export const MESSAGE_KINDS = ["marketing", "transactional", "system"] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/**
 * Why the product sent a message of its own (not a send through the API or a campaign), stored
 * in `options.purpose`: a double opt-in confirmation (link or code) to a contact, an invitation or
 * a sign-in link to a member, a notification emailed to a member who asked for it by email.
 * Keyword replies carry `relation = 'keyword_reply'` instead.
 */
export const MESSAGE_PURPOSES = ["double_opt_in", "invitation", "magic_link", "notification"] as const;
export type MessagePurpose = (typeof MESSAGE_PURPOSES)[number];

/**
 * Lifecycle of a message. `rank` orders them so a late provider event never moves a message
 * backwards (delivered stays delivered when a late `sent` arrives); final failures and
 * delivered share the top ranks.
 */
export const MESSAGE_STATUSES = [
  "blocked",
  "deferred",
  "queued",
  "sending",
  "sent",
  "delivered",
  "undelivered",
  "failed",
  "bounced",
  "complained",
  "received",
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

// Named subsets of MESSAGE_STATUSES. Every place that asks "is this message in flight, failed,
// retryable…" reads one of these; none lists statuses of its own.

/**
 * Waiting for a delivery attempt: the outbox claims these when they come due (`deferred` = held
 * back by quiet hours). The dispatch index (`messages_dispatch_idx`) covers exactly these.
 */
export const AWAITING_DELIVERY_STATUSES = ["queued", "deferred"] as const satisfies readonly MessageStatus[];

/** Not handed to a provider yet (awaiting delivery, or being handed over): neither retry nor resend applies. */
export const IN_FLIGHT_STATUSES = [
  ...AWAITING_DELIVERY_STATUSES,
  "sending",
] as const satisfies readonly MessageStatus[];

/** A provider accepted the message (and may have reported its delivery). */
export const ACCEPTED_STATUSES = ["sent", "delivered"] as const satisfies readonly MessageStatus[];

/**
 * Count as "sent to this recipient" for frequency caps and state limits: in flight or accepted
 * (blocked sends and failures do not count).
 */
export const CAP_COUNTED_STATUSES = [
  ...AWAITING_DELIVERY_STATUSES,
  "sending",
  ...ACCEPTED_STATUSES,
] as const satisfies readonly MessageStatus[];

/** Failed for good: the message will not arrive (a status webhook moving one here is a final failure). */
export const FAILED_STATUSES = ["failed", "undelivered", "bounced"] as const satisfies readonly MessageStatus[];

/** A failed delivery that may be retried as a new message (same content, same address). */
export const RETRYABLE_STATUSES = ["failed", "undelivered"] as const satisfies readonly MessageStatus[];

/** Went wrong after it was handed over: failed for good, or marked as spam by the recipient. */
export const DELIVERY_PROBLEM_STATUSES = [...FAILED_STATUSES, "complained"] as const satisfies readonly MessageStatus[];

/** Final from the start and never changed by a later event: a blocked send, an inbound message. */
export const TERMINAL_STATUSES = ["blocked", "received"] as const satisfies readonly MessageStatus[];

/** Whether `status` (typed, or a string from the wire) is one of `statuses`. */
export function isStatusIn(statuses: readonly MessageStatus[], status: string | null | undefined): boolean {
  return status != null && (statuses as readonly string[]).includes(status);
}

/** Why a send was recorded as `blocked` (the `reason` of its answer). */
export const BLOCK_REASONS = [
  "no_consent",
  "opted_out",
  "suppressed",
  "quiet_hours",
  "frequency_cap",
  "invalid_address",
  "erased",
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

export const TEMPLATE_CATEGORIES = ["promotional", "transactional", "notification", "confirmation", "system"] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

/** How a double opt-in request is confirmed: an emailed link or a texted code. */
export const CONFIRMATION_METHODS = ["link", "code"] as const;
export type ConfirmationMethod = (typeof CONFIRMATION_METHODS)[number];

export const IMPORT_STATUSES = ["pending", "running", "completed", "failed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Workspace member roles, strongest first. */
export const ROLES = ["owner", "admin", "marketer", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** API key scopes; `admin` covers every other one. */
export const API_KEY_SCOPES = [
  "contacts:read",
  "contacts:write",
  /** Erase a contact (GDPR): destroys their personal data for good. */
  "contacts:erase",
  "consent:write",
  "messages:send",
  "campaigns:read",
  "campaigns:write",
  "admin",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * State of a segment's cached count (`segment_counts.status`): being computed, computed, failed,
 * or stopped by the statement timeout.
 */
export const SEGMENT_COUNT_STATUSES = ["pending", "ready", "failed", "timed_out"] as const;
export type SegmentCountStatus = (typeof SEGMENT_COUNT_STATUSES)[number];

/** A campaign's life: edited as a draft; the later states belong to scheduling and sending. */
export const CAMPAIGN_STATUSES = [
  "draft",
  "scheduled",
  "sending",
  "paused",
  "completed",
  "cancelled",
  "failed",
  "archived",
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * The campaign statuses whose attachments may still change (upload, remove): before the audience
 * has everything, never once the campaign ended or while a run is recording messages.
 */
export const ATTACHMENT_EDITABLE_CAMPAIGN_STATUSES = ["draft", "scheduled", "paused"] as const;

/**
 * How an email campaign's files reach the recipient (`campaigns.options.attachmentDelivery`):
 * `attach` (default) sends them with each email; `link` appends a "Files" list of signed download
 * links instead (far kinder to deliverability on bulk sends).
 */
export const ATTACHMENT_DELIVERIES = ["attach", "link"] as const;
export type AttachmentDelivery = (typeof ATTACHMENT_DELIVERIES)[number];

/**
 * What a campaign run is: the one-off send, a recurring occurrence, a follow-up to the rest (after a
 * cancel or a failure), a follow-up to the recipients a frequency cap skipped (sent by hand later),
 * an A/B test's test group (`ab_test`: the one-off send of a campaign with an A/B test), and the
 * rest of its audience with the chosen variant (`ab_remainder`).
 */
export const CAMPAIGN_RUN_KINDS = [
  "once",
  "occurrence",
  "follow_up",
  "cap_follow_up",
  "ab_test",
  "ab_remainder",
] as const;
export type CampaignRunKind = (typeof CAMPAIGN_RUN_KINDS)[number];

/** The keys of an A/B test's variants (2 to 4, in this order). */
export const AB_VARIANT_KEYS = ["A", "B", "C", "D"] as const;
export type AbVariantKey = (typeof AB_VARIANT_KEYS)[number];

/** How an A/B variant of a send-time test times its sends: at the run's time, or at each recipient's best hour. */
export const AB_SEND_TIME_MODES = ["fixed", "best_hour"] as const;
export type AbSendTimeMode = (typeof AB_SEND_TIME_MODES)[number];

/** What an A/B test compares: the share of the variant's sent messages opened, clicked, or (SMS) replied to. */
export const AB_TEST_METRICS = ["opened", "clicked", "replied"] as const;
export type AbTestMetric = (typeof AB_TEST_METRICS)[number];

/**
 * An A/B test's life (`campaigns.ab_test.status`): `draft` until its test run starts, `testing`
 * while the test group's results come in, then decided: `winner_chosen` (a variant was better at
 * 95% confidence), `no_difference` (none was: the default variant goes to the rest) or
 * `overridden` (a member chose the variant).
 */
export const AB_TEST_STATUSES = ["draft", "testing", "winner_chosen", "no_difference", "overridden"] as const;
export type AbTestStatus = (typeof AB_TEST_STATUSES)[number];

/** A campaign run's life (`campaign_runs.status`). */
export const CAMPAIGN_RUN_STATUSES = [
  "scheduled",
  "materialising",
  "sending",
  "paused",
  "completed",
  "cancelled",
  "failed",
] as const;
export type CampaignRunStatus = (typeof CAMPAIGN_RUN_STATUSES)[number];

/** Run statuses in which a run still has work to do (open): waiting, freezing, sending or paused. */
export const OPEN_CAMPAIGN_RUN_STATUSES = [
  "scheduled",
  "materialising",
  "sending",
  "paused",
] as const satisfies readonly CampaignRunStatus[];

/**
 * What an in-app notification is about (`notifications.kind`, one preference row per member ×
 * kind). The catalogue (titles, descriptions, default channels) is `server/shared/notifications.ts`.
 * `ab_test_winner` and `report_sent` are reserved for A/B tests and scheduled reports.
 */
export const NOTIFICATION_KINDS = [
  "campaign_completed",
  "campaign_failed",
  "campaign_paused",
  "campaign_provider_paused",
  "import_completed",
  "import_failed",
  "ab_test_winner",
  "report_sent",
  "webhook_failing",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What a tracking event records: the open pixel loaded, or a tracked link followed. */
/**
 * What the nightly retention purge removes, one setting each (Settings → Data retention):
 * message bodies, messages, webhook events, import rejection reports and files, notifications,
 * audit entries, and the personal evidence left on erased contacts' messages.
 */
export const RETENTION_CATEGORIES = [
  "messageBodies",
  "messages",
  "webhookEvents",
  "imports",
  "notifications",
  "auditLog",
  "erasedContactEvidence",
] as const;
export type RetentionCategory = (typeof RETENTION_CATEGORIES)[number];

export const TRACKING_EVENT_KINDS = ["open", "click"] as const;
export type TrackingEventKind = (typeof TRACKING_EVENT_KINDS)[number];

/** Who saw the event: our pixel and redirects (`ours`), or the email provider's webhook (`provider`). */
export const TRACKING_SOURCES = ["ours", "provider"] as const;
export type TrackingSource = (typeof TRACKING_SOURCES)[number];

/**
 * Why an open or click was taken for a machine's rather than a person's: a known security
 * scanner's user agent, Apple Mail Privacy Protection's proxy, an event within seconds of the
 * send, or every link of the message clicked within seconds.
 */
export const MACHINE_REASONS = ["scanner_user_agent", "apple_privacy_proxy", "too_soon", "all_links"] as const;
export type MachineReason = (typeof MACHINE_REASONS)[number];

/**
 * Reached the recipient, for the analytics rates: a provider accepted the message and did not
 * report it failed (a complaint means it arrived).
 */
export const REACHED_STATUSES = [...ACCEPTED_STATUSES, "complained"] as const satisfies readonly MessageStatus[];

/**
 * Handed to a provider, for the analytics "sent": accepted, reached, or failed after the
 * provider took it (`failed` counts too when the message has a `sent_at`).
 */
export const HANDED_OVER_STATUSES = [
  ...REACHED_STATUSES,
  "undelivered",
  "bounced",
] as const satisfies readonly MessageStatus[];

/** What a scheduled report renders: the analytics dashboard, or one campaign's report. */
export const SCHEDULED_REPORT_KINDS = ["dashboard", "campaign"] as const;
export type ScheduledReportKind = (typeof SCHEDULED_REPORT_KINDS)[number];

/**
 * The date range of a scheduled dashboard report, relative to the send time in the workspace's
 * zone: the 7 or 30 days ending yesterday, or the previous calendar month.
 */
export const SCHEDULED_REPORT_RANGES = ["last_7_days", "last_30_days", "previous_month"] as const;
export type ScheduledReportRange = (typeof SCHEDULED_REPORT_RANGES)[number];
