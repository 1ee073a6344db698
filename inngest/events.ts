import { eventType } from "inngest";
import { z } from "zod";

/**
 * Typed events of the app. Each is a name plus a zod schema of `data`; use it as a trigger
 * (`triggers: [tokensPurgeRequested]`) and to build events to send
 * (`sendEvent(tokensPurgeRequested.create({ reason: "admin" }))`), which validates `data`.
 * Event data carries ids, never raw PII (no addresses, bodies or tokens).
 */

/** Ask for an immediate purge of expired sign-in tokens and invitations (normally nightly). */
export const tokensPurgeRequested = eventType("auth/tokens.purge.requested", {
  schema: z.object({
    /** Why the purge was requested, for logs (e.g. "admin", "test"). */
    reason: z.string().max(200).optional(),
  }),
});

/** Re-encrypt PII written with an older key (after adding a new first key to ENCRYPTION_KEYS). */
export const piiReencryptRequested = eventType("pii/reencrypt.requested", {
  schema: z.object({ reason: z.string().max(200).optional() }),
});

/**
 * Deliver one outbound message (the send pipeline sends it after commit when an Inngest server
 * is configured; in-process the pipeline delivers directly). Ids only: the row holds the rest.
 */
export const messageDispatchRequested = eventType("messages/dispatch.requested", {
  schema: z.object({ messageId: z.uuid(), workspaceId: z.uuid() }),
});

/**
 * Start (or carry on with) a campaign run: its freeze, then its chunks. Event id
 * `campaign-run-<runId>` (a resume or a rescue adds a suffix): ids only.
 */
export const campaignRunRequested = eventType("campaigns/run.requested", {
  schema: z.object({ runId: z.uuid(), workspaceId: z.uuid() }),
});
