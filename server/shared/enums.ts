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
export const CONSENT_SOURCES = ["api", "form", "preference_center", "one_click", "sms_keyword", "import", "admin", "provider", "address_changed"] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export const CONSENT_STATUSES = ["opted_in", "opted_out", "pending"] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export const SUPPRESSION_REASONS = ["hard_bounce", "complaint", "sms_stop", "provider_opt_out", "manual", "erased"] as const;
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
 * a sign-in link to a member. Keyword replies carry `relation = 'keyword_reply'` instead.
 */
export const MESSAGE_PURPOSES = ["double_opt_in", "invitation", "magic_link"] as const;
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
  "consent:write",
  "messages:send",
  "campaigns:write",
  "admin",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
