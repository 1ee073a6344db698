import type { Channel, MessageStatus, TopicKind } from "@/db/schema";
import type { AppError } from "@/server/lib/errors";

/** Where the content comes from: the same union `renderForSend` takes. */
export type RenderSourceInput =
  | { templateId: string }
  | { templateKey: string }
  /** `preheader`: a campaign's preview line, hidden at the top of the email's HTML. */
  | { content: { subject?: string; text: string; html?: string; preheader?: string } };

/** A campaign file named in an email as a download link (`/files/{token}`, signed at render). */
export interface CampaignFileLink {
  id: string;
  filename: string;
  sizeBytes: number;
}

export type Recipient = { contactId: string } | { email: string } | { phone: string };

export type MessageRelation = "fallback" | "retry" | "resend";

/** One send as the pipeline takes it: already parsed, defaults applied. */
export interface SendRequest {
  recipient: Recipient;
  channel: Channel;
  topicKey: string;
  kind: TopicKind;
  source: RenderSourceInput;
  variables: Record<string, unknown>;
  idempotencyKey: string | null;
  /** Hash of the request as the caller sent it (409 when a key is reused with another). */
  requestHash: string | null;
  fallback: boolean;
  deferOnQuietHours: boolean;
  /**
   * How long a quiet-hours deferral of this send stays worth sending, in hours from the decision
   * (default DEFERRED_EXPIRY_HOURS): a deferred message not sent by then fails as `expired`.
   */
  deferredExpiryHours?: number;
  parentMessageId?: string | null;
  relation?: MessageRelation | null;
  /** The campaign the message belongs to (stored in `messages.campaign_id`). */
  campaignId?: string | null;
  /** The campaign run (stored in `messages.campaign_run_id`; counted in the run's progress). */
  campaignRunId?: string | null;
  /** The campaign's A/B test variant of this send (stored in `messages.variant`). */
  variant?: string | null;
  /** Email: the sender's display name instead of the workspace's (an A/B test variant's). */
  senderName?: string;
  /** A campaign's test send: stored with `options.test = true`. */
  test?: boolean;
  /**
   * A legal-notice campaign's send (`campaigns.options.ignoreFrequencyCaps`, admins only): the
   * decision skips the workspace frequency caps and records that it did; consent, suppression,
   * quiet hours and the statutory state limits still apply. Its message is recorded with
   * `counts_toward_caps` false: later sends' caps do not count it.
   */
  ignoreFrequencyCaps?: boolean;
  /**
   * A campaign email's UTM parameters (`utm_source`, `utm_medium`, `utm_campaign`, and `utm_term`
   * and `utm_content` when set), appended to its http(s) links at render time; never to the
   * unsubscribe, preference or other links to the product's own pages. Ignored for SMS.
   */
  utm?: Record<string, string>;
  /**
   * Email: a campaign's files sent with the message (`campaign_attachments` ids, stored in
   * `options.attachments`); delivery reads their bytes when it builds the provider request.
   */
  attachmentIds?: string[];
  /** Email: a campaign's files sent as links, listed under "Files" at the end of the body. */
  fileLinks?: CampaignFileLink[];
  /** Email: add a "View in your browser" link to this message's web version (`/w/{token}`). */
  webVersion?: boolean;
  /** Batch requests derive their keys from the batch's key: a mismatch is the whole batch's 409. */
  keyFromBatch?: boolean;
  /**
   * A double opt-in confirmation request (decided with purpose `consent_request`: no consent
   * check, suppression still applies). Recorded as transactional, without a topic (it may ask for
   * several, and an earlier opt-out of one must not stop the late opt-out check from sending it),
   * from the brand's sender, with `options.purpose = "double_opt_in"`, never retried or resent
   * as a new message (a new request is).
   */
  consentRequest?: ConsentRequestSend;
}

export interface ConsentRequestSend {
  /** The link or code the message carries: a rendering that leaves it out is replaced by `fallback`. */
  mustInclude: string;
  /** Built-in content used when the workspace's template fails to render or omits `mustInclude`. */
  fallback: RenderSourceInput;
  /** The email sender (the brand on EMAIL_FROM's address); SMS use the workspace's number. */
  fromAddress?: string;
}

/** What the pipeline recorded (or had recorded before, for a repeated idempotency key). */
export interface RecordedSend {
  messageId: string;
  workspaceId: string;
  contactId: string | null;
  channel: Channel;
  topicKey: string;
  status: MessageStatus;
  /** The first answer's fields, derived from the stored decision (stable across repeats). */
  answer: { status: "queued" | "sent" | "blocked"; reason?: string; deliverAt?: string };
  /** False when the idempotency key was already used: nothing new was recorded. */
  isNew: boolean;
  fallback: boolean;
}

export type SendOutcome = { ok: true; send: RecordedSend } | { ok: false; error: AppError };
