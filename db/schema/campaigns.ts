import { sql } from "drizzle-orm";
import {
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import {
  CAMPAIGN_STATUSES,
  OPEN_CAMPAIGN_RUN_STATUSES,
  type AbTestMetric,
  type AbTestStatus,
  type AbVariantKey,
  type AttachmentDelivery,
  type CampaignRunKind,
  type CampaignRunStatus,
} from "../../server/shared/enums";
import { channelEnum, topicKindEnum, topics } from "./topics";
import { workspaces } from "./workspaces";

export { CAMPAIGN_STATUSES, type CampaignStatus } from "../../server/shared/enums";

export const campaignStatusEnum = pgEnum("campaign_status", CAMPAIGN_STATUSES);

/** Inline content of a campaign that does not use a template. */
export interface CampaignContent {
  subject?: string;
  text: string;
  html?: string;
  /** Email: the preview line inbox lists show after the subject, hidden at the top of the HTML body. */
  preheader?: string;
}

/** The last dry run of a campaign, as answered (counts only: no addresses, no contact ids). */
export interface CampaignDryRunResult {
  audience: number;
  sendable: number;
  blocked: Record<string, number>;
  deferred: number;
  smsSegments: number | null;
  /** SMS: the total, and per destination country (`byCountry`, `defaultPriced`: absent in dry runs before them). */
  estimatedCost: {
    amount: number;
    currency: "USD";
    byCountry?: {
      country: string | null;
      recipients: number;
      segments: number;
      price: number;
      defaultPrice: boolean;
      cost: number;
    }[];
    defaultPriced?: number;
  } | null;
  /** Where a local-time send takes the members' zones from (absent in dry runs before it was counted). */
  timezones?: { contact: number; phone: number; workspace: number; fallback: number };
  /** Best-hour sends: members with history of their own vs the prior, and the hours chosen. */
  bestHour?: {
    windowStart: string;
    windowHours: number;
    withHistory: number;
    priorOnly: number;
    hours: { hour: number; recipients: number }[];
  };
  computedAt: string;
}

/**
 * Campaigns: one message (a template or inline content) on one channel and topic to an audience
 * (a segment, or every contact with an address on the channel), minus exclusion segments.
 * `messages.campaign_id` points here (no foreign key: messages outlive nothing here).
 */
export const campaigns = pgTable(
  "campaigns",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    channel: channelEnum("channel").notNull(),
    topicId: uuid("topic_id")
      .notNull()
      .references(() => topics.id),
    kind: topicKindEnum("kind").notNull().default("marketing"),
    segmentId: uuid("segment_id"),
    exclusionSegmentIds: uuid("exclusion_segment_ids")
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    templateId: uuid("template_id"),
    content: jsonb("content").$type<CampaignContent>(),
    status: campaignStatusEnum("status").notNull().default("draft"),
    /** Who created it: the actor type and id, as in the audit log. */
    createdByType: text("created_by_type").notNull(),
    createdById: text("created_by_id"),
    lastDryRun: jsonb("last_dry_run").$type<CampaignDryRunResult>(),
    lastDryRunAt: timestampTz("last_dry_run_at"),
    schedule: jsonb("schedule").$type<CampaignSchedule>(),
    options: jsonb("options").$type<CampaignOptions>().notNull().default({}),
    /** The campaign's A/B test, when it has one (null: one content for everyone). */
    abTest: jsonb("ab_test").$type<CampaignAbTest>(),
    /** When the scheduler next starts a run of it (recurring: the next occurrence); null when none. */
    nextRunAt: timestampTz("next_run_at"),
    /** When a recurring schedule was set: its rule's DTSTART date (occurrences are computed from it). */
    scheduleAnchor: timestampTz("schedule_anchor"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("campaigns_workspace_updated_idx").on(t.workspaceId, t.updatedAt),
    index("campaigns_workspace_status_idx").on(t.workspaceId, t.status),
    index("campaigns_next_run_idx")
      .on(t.nextRunAt)
      .where(sql`${t.nextRunAt} is not null`),
  ],
);

export type CampaignRow = typeof campaigns.$inferSelect;

/** One variant of an A/B test: what it changes from the campaign (absent fields: the campaign's). */
export interface CampaignAbVariant {
  key: AbVariantKey;
  /** Email subject. */
  subject?: string;
  /** Content fields replacing the campaign's, each on its own (email html without text: text derived from it). */
  content?: { text?: string; html?: string; preheader?: string };
  /** Email: the sender's display name (the address stays the workspace's). */
  senderName?: string;
  /**
   * A send-time test's variant: when its recipients get the message. `fixed` at the run's time;
   * `best_hour` at each recipient's best hour within `windowHours` hours from the run's start
   * (server/shared/send-time.ts), `fallbackHour` the prior while history is thin.
   */
  sendTime?: CampaignAbSendTime;
}

/** How an A/B variant times its sends (`CampaignAbVariant.sendTime`). */
export type CampaignAbSendTime = { mode: "fixed" } | { mode: "best_hour"; windowHours: number; fallbackHour: number };

/**
 * A campaign's A/B test (`campaigns.ab_test`): `share` percent of the audience (5–50), chosen by a
 * hash of (campaign id, contact id) and split evenly among the variants by the same hash, gets the
 * variants in the test run (`ab_test`); after `waitHours` the variant best at `metric` with 95%
 * confidence (else `defaultVariant`) goes to the rest of the audience (`ab_remainder` run).
 */
export interface CampaignAbTest {
  variants: CampaignAbVariant[];
  share: number;
  metric: AbTestMetric;
  waitHours: number;
  defaultVariant: AbVariantKey;
  status: AbTestStatus;
  /** The variant the rest gets, once decided. */
  winner?: AbVariantKey | null;
  decidedAt?: string | null;
  /** The p-value the decision was taken on (null: a member chose without one). */
  pValue?: number | null;
}

/** When a campaign is sent (`campaigns.schedule`); null while it is a draft. */
export type CampaignSchedule =
  /** As soon as it is scheduled. */
  | { type: "now" }
  /** Once, at an instant (given as a wall-clock time in `timezone`, stored as the instant). */
  | { type: "at"; at: string; timezone: string }
  /**
   * Once, at `localTime` on `date` in each recipient's zone (contact zone, else the zone of the
   * phone number's country, else the workspace's). Where that time has already passed when the
   * run starts: `late` = "next_day" (default) waits for it the next day, "send_now" sends at once.
   */
  | { type: "local"; localTime: string; date: string; late: "next_day" | "send_now" }
  /**
   * Once, at each recipient's best hour (server/shared/send-time.ts) within `windowHours` hours
   * from `windowStart` (an instant), read in their zone as for `local`; `fallbackHour` (0–23) is
   * the workspace prior while the workspace has too little open and click history.
   */
  | { type: "best_hour"; windowStart: string; windowHours: number; fallbackHour: number; timezone: string }
  /** Recurring: each occurrence of an RFC 5545 rule (DTSTART in `timezone`) is a run. */
  | { type: "recurring"; rrule: string; timezone: string };

/** Per-campaign sending options (`campaigns.options`). Absent keys take the defaults. */
export interface CampaignOptions {
  /** "pause" (default): pause the run after `maxErrors` final errors; "skip": keep going. */
  errorPolicy?: "pause" | "skip";
  /** Final errors before a pause (default 100, or 5% of the first 1,000 sent). */
  maxErrors?: number;
  /** Spread the run over this many hours (null: as fast as the sender's limits allow). */
  pacingHours?: number | null;
  /** Deliver only inside this window of the workspace zone; paused outside it. */
  sendingWindow?: { days: number[]; start: string; end: string } | null;
  /** Legal notices only (admins): do not count towards, nor be stopped by, frequency caps. */
  ignoreFrequencyCaps?: boolean;
  /** Pause a run for review when its audience or SMS cost moved more than this share from the reviewed dry run (default 0.1). */
  driftTolerance?: number;
  /**
   * Email: UTM parameters appended to the message's http(s) links (empty fields: source "optin",
   * medium "email", campaign the slug of the campaign's name; see server/shared/utm.ts). Absent:
   * links are left as written.
   */
  utm?: { source?: string; medium?: string; campaign?: string; term?: string; content?: string } | null;
  /**
   * Email: how the campaign's files (`campaign_attachments`) reach recipients: "attach" (default)
   * with each email, "link" as a "Files" list of signed download links appended to the email.
   */
  attachmentDelivery?: AttachmentDelivery;
  /** Email: add a "View in your browser" link (`/w/{token}`) and the `{{ web_version_url }}` variable. */
  webVersionLink?: boolean;
}

export {
  CAMPAIGN_RUN_KINDS,
  CAMPAIGN_RUN_STATUSES,
  OPEN_CAMPAIGN_RUN_STATUSES,
  type CampaignRunKind,
  type CampaignRunStatus,
} from "../../server/shared/enums";

/**
 * The open run statuses as SQL literals, for the predicate of a partial index (a bound parameter
 * cannot be part of an index definition).
 */
export const OPEN_CAMPAIGN_RUN_SQL = sql.raw(`(${OPEN_CAMPAIGN_RUN_STATUSES.map((s) => `'${s}'`).join(", ")})`);

/**
 * One send of a campaign: the one-off send, each recurring occurrence, a follow-up "send to the
 * rest", a follow-up to the recipients a frequency cap skipped. Each has its own audience (frozen when it starts) and counts; exactly-once delivery is
 * per run × recipient (`campaign_recipients` primary key, and the message idempotency key
 * `campaign-run:<run id>:<contact id>`).
 */
export const campaignRuns = pgTable(
  "campaign_runs",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    kind: text("kind").$type<CampaignRunKind>().notNull(),
    /** A follow-up's run (the one it sends the rest of). */
    parentRunId: uuid("parent_run_id"),
    /** A recurring occurrence's instant (ISO), unique per campaign: a occurrence is never run twice. */
    occurrenceKey: text("occurrence_key"),
    status: text("status").$type<CampaignRunStatus>().notNull(),
    /** Why the run paused or failed (a reason code: `manual`, `errors`, `drift`, `window`, `provider`). */
    statusReason: text("status_reason"),
    /** When the run starts (the earliest zone's time for a local-time send). */
    scheduledFor: timestampTz("scheduled_for").notNull(),
    frozenAt: timestampTz("frozen_at"),
    startedAt: timestampTz("started_at"),
    completedAt: timestampTz("completed_at"),
    /** The schedule the run was made from, as it was then. */
    schedule: jsonb("schedule").$type<CampaignSchedule>(),
    /** The dry run at freeze time (counts only), compared with the reviewed one. */
    frozenDryRun: jsonb("frozen_dry_run").$type<CampaignDryRunResult>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("campaign_runs_campaign_idx").on(t.campaignId, t.createdAt),
    index("campaign_runs_due_idx")
      .on(t.scheduledFor)
      .where(sql`${t.status} in ('scheduled', 'materialising', 'sending')`),
    uniqueIndex("campaign_runs_occurrence_key")
      .on(t.campaignId, t.occurrenceKey)
      .where(sql`${t.occurrenceKey} is not null`),
    /** At most one open follow-up to the cap-skipped recipients per campaign. */
    uniqueIndex("campaign_runs_open_cap_follow_up_key")
      .on(t.campaignId)
      .where(sql`${t.kind} = 'cap_follow_up' and ${t.status} in ${OPEN_CAMPAIGN_RUN_SQL}`),
    /** At most one A/B test and one remainder run per campaign (a retried decision starts one). */
    uniqueIndex("campaign_runs_ab_test_key")
      .on(t.campaignId)
      .where(sql`${t.kind} = 'ab_test' and ${t.status} <> 'cancelled'`),
    uniqueIndex("campaign_runs_ab_remainder_key")
      .on(t.campaignId)
      .where(sql`${t.kind} = 'ab_remainder'`),
  ],
);

export type CampaignRunRow = typeof campaignRuns.$inferSelect;

export const CAMPAIGN_RECIPIENT_STATUSES = ["pending", "blocked", "handed", "cancelled", "skipped"] as const;
export type CampaignRecipientStatus = (typeof CAMPAIGN_RECIPIENT_STATUSES)[number];

/**
 * The frozen audience of a run, one row per contact: `pending` until its chunk records the
 * message (`handed`, with `message_id`: the message's own status says sent/delivered/failed),
 * `blocked` at freeze with the reason, `cancelled` when the run was cancelled before its turn,
 * `skipped` when the error policy or a seed rule left it out. `send_at` is the recipient's own
 * time for a local-time run (null: as soon as the run sends). Ids and times only: no address.
 */
export const campaignRecipients = pgTable(
  "campaign_recipients",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => campaignRuns.id, { onDelete: "cascade" }),
    contactId: uuid("contact_id").notNull(),
    workspaceId: uuid("workspace_id").notNull(),
    status: text("status").$type<CampaignRecipientStatus>().notNull(),
    reason: text("reason"),
    sendAt: timestampTz("send_at"),
    /** The zone of a local-time send, and where it came from (`contact`, `phone`, `workspace`, `fallback`). */
    zone: text("zone"),
    zoneSource: text("zone_source"),
    messageId: uuid("message_id"),
    handedAt: timestampTz("handed_at"),
    /** The A/B test variant the recipient gets (null: the campaign's only content). */
    variant: text("variant"),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.contactId] }),
    index("campaign_recipients_pending_idx")
      .on(t.runId, t.sendAt, t.contactId)
      .where(sql`${t.status} = 'pending'`),
    index("campaign_recipients_message_idx")
      .on(t.messageId)
      .where(sql`${t.messageId} is not null`),
    /** Recipients a frequency cap blocked at the freeze (the cap-skipped list; few rows). */
    index("campaign_recipients_cap_blocked_idx")
      .on(t.runId, t.contactId)
      .where(sql`${t.status} = 'blocked' and ${t.reason} = 'frequency_cap'`),
  ],
);

export type CampaignRecipientRow = typeof campaignRecipients.$inferSelect;

/**
 * The timeline of a campaign: scheduled, run started (audience frozen), each chunk handed over,
 * paused (and why), resumed, cancelled, completed. Counts and ids only.
 */
export const campaignEvents = pgTable(
  "campaign_events",
  {
    id: id(),
    workspaceId: uuid("workspace_id").notNull(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    runId: uuid("run_id"),
    type: text("type").notNull(),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestampTz("occurred_at").notNull(),
  },
  (t) => [index("campaign_events_campaign_idx").on(t.campaignId, t.occurredAt)],
);

export type CampaignEventRow = typeof campaignEvents.$inferSelect;

export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * Files of an email campaign (at most 10, 5 MB together: server/shared/attachments.ts), sent with
 * each email or linked from it (`options.attachmentDelivery`). The bytes live here once: a message
 * names the files it carries by id (`messages.options.attachments`) and delivery reads them when it
 * builds the provider request. Removed with their campaign.
 */
export const campaignAttachments = pgTable(
  "campaign_attachments",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    /** Sanitised (server/shared/attachments.ts `sanitizeFilename`). */
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    bytes: bytea("bytes").notNull(),
    sha256: text("sha256").notNull(),
    createdAt: createdAt(),
    /** Who uploaded it: the actor type and id, as in the audit log. */
    createdByType: text("created_by_type").notNull(),
    createdById: text("created_by_id"),
  },
  (t) => [index("campaign_attachments_campaign_idx").on(t.campaignId, t.createdAt)],
);

export type CampaignAttachmentRow = typeof campaignAttachments.$inferSelect;
