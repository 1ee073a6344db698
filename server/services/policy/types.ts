import type {
  BlockReason,
  Channel,
  ConsentSource,
  ConsentStatus,
  MessageKind,
  SuppressionReason,
  TopicKind,
} from "@/server/shared/enums";
import type { MessagingSettings } from "@/server/shared/messaging-settings";

export type { FrequencyCap, MessagingSettings } from "@/server/shared/messaging-settings";

/**
 * The contract of the send policy: `decide(input)` (server/services/policy/decide.ts) is a pure
 * function of this input. The pipeline loads the input inside the transaction that records the
 * message, so an opt-out committed before the decision is always seen.
 */
export const POLICY_VERSION = "2026-12-06.1";

/** A marketing or transactional message already sent (or queued) to this recipient, for caps. */
export interface RecentSend {
  at: Date;
  channel: Channel;
  topicKey: string | null;
  kind: MessageKind;
  /**
   * False for a legal notice's message (`messages.counts_toward_caps`): the workspace frequency
   * caps do not count it; the statutory state limits do. Absent: true.
   */
  countsTowardCaps?: boolean;
}

/**
 * What a message to a contact is for:
 * - `send` (default): a message on a topic (API, batch, campaign, retry, resend, fallback);
 * - `consent_request`: a double opt-in confirmation (the email link or the SMS code) the person has
 *   just asked for. It asks for consent, so it cannot need it: the consent check is skipped and
 *   says so; everything else that protects the address (erasure, a valid address, the
 *   suppression list) applies. Judged as transactional (no quiet hours, no frequency caps: the
 *   per-address hourly limit of confirmation requests bounds it instead).
 */
export type SendPurpose = "send" | "consent_request";

export interface PolicyInput {
  now: Date;
  channel: Channel;
  /** Default `send`; see SendPurpose. */
  purpose?: SendPurpose;
  /** `kind` of the send; a transactional send must go to a transactional topic. */
  kind: TopicKind;
  topic: { id: string; key: string; kind: TopicKind; channels: Channel[] };
  contact: {
    id: string;
    erased: boolean;
    /** Contact's IANA time zone, if known. */
    timezone: string | null;
    /** E.164 phone (for SMS quiet-hours inference), if any. */
    phone: string | null;
  };
  /** The normalised address on this channel, or null when the contact has none / it is invalid. */
  address: string | null;
  /** Current consent_states row for contact × channel × topic, or null. */
  consent: { status: ConsentStatus; source: ConsentSource; eventId: string; occurredAt: Date } | null;
  /** Suppression of this address on this channel, or null. */
  suppression: { reason: SuppressionReason } | null;
  settings: MessagingSettings;
  /** Sends to this recipient on any channel in the last `maxWindowDays(settings)` days, newest first. */
  recentSends: RecentSend[];
  /**
   * Skip the workspace frequency caps (and only them): a legal-notice campaign
   * (`campaigns.options.ignoreFrequencyCaps`, set by admins only). The check says it was ignored.
   */
  ignoreFrequencyCaps?: boolean;
}

export type PolicyDecision =
  | {
      outcome: "send";
      policyVersion: string;
      checks: string[];
      timezone: string | null;
      /** The rules the send was judged by: marketing unless both the send and its topic are transactional (or it is a consent request). */
      effectiveKind?: TopicKind;
    }
  | {
      outcome: "block";
      reason: BlockReason;
      policyVersion: string;
      checks: string[];
      timezone: string | null;
      /** The rules the send was judged by (see the send branch). */
      effectiveKind?: TopicKind;
      /** quiet_hours (and state per-day limits): the earliest time the send would be allowed; campaigns defer to it. */
      retryAt?: Date;
    };
