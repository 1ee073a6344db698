import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import { memberships, users, workspaces } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { ACCEPTED_STATUSES, isStatusIn } from "@/server/shared/enums";
import { deliverNow } from "../messages/deliver-now";
import { recordDirectMessages } from "../messages/record-direct-messages";
import { magicLinkEmail } from "./magic-link-email";
import type { SendingPublicContext } from "../context";

/** Thrown when the first attempt did not reach the provider: Auth.js then reports it to the browser. */
export class SignInLinkNotSentError extends Error {
  constructor() {
    super("The sign-in link could not be sent yet; the outbox retries it");
    this.name = "SignInLinkNotSentError";
  }
}

export interface TSendSignInLinkInput {
  /** The address the member typed (trimmed and lower-cased here). */
  email: string;
  /** The Auth.js verification URL. */
  url: string;
  expires: Date;
}

/**
 * Emails a sign-in link (Auth.js's email provider calls this from `sendVerificationRequest`).
 *
 * The email is a `system` message to the member (not a contact: no consent, no contact
 * suppression list), recorded by the pipeline and delivered by the outbox like every message:
 * retried with backoff, visible in the message history and, with the log transport, in the Outbox.
 * A message belongs to a workspace: it is recorded in the workspace where the member holds their
 * highest role (owners first; then the default workspace; then the oldest membership), so only
 * that workspace's admins and owners at or above that role may read the link there
 * (`seesMessageContent`). An address with no active member behind it records and sends nothing
 * (the sign-in callback already refused it; this covers a member removed in between).
 *
 * The first attempt is awaited; when it does not reach the provider (refused, or to be retried)
 * this throws `SignInLinkNotSentError`, so the browser is told the link did not go out, while the
 * outbox keeps retrying it within the link's lifetime.
 */
export async function sendSignInLink({
  ctx,
  input,
}: {
  ctx: SendingPublicContext;
  input: TSendSignInLinkInput;
}): Promise<{ messageId: string | null }> {
  const address = input.email.trim().toLowerCase();
  const [member] = await ctx.db
    .select({ userId: users.id, email: users.email, workspaceId: memberships.workspaceId, role: memberships.role })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(and(eq(users.email, address), isNull(users.disabledAt)))
    .orderBy(
      sql`case ${memberships.role} when 'owner' then 0 when 'admin' then 1 when 'marketer' then 2 else 3 end`,
      desc(sql`${workspaces.isDefault} is not null`),
      asc(memberships.createdAt),
    )
    .limit(1);
  if (!member) return { messageId: null };

  const [messageId] = await recordDirectMessages({
    ctx: { db: ctx.db, now: ctx.now },
    input: {
      delivery: "outbox",
      messages: [
        {
          workspaceId: member.workspaceId,
          channel: "email",
          kind: "system",
          purpose: "magic_link",
          userId: member.userId,
          addressHash: null,
          address: member.email,
          fromAddress: getEnv().EMAIL_FROM,
          content: magicLinkEmail({ url: input.url, expires: input.expires }),
          checks: [
            "recipient: a member of the workspace signing in (system message, not a contact): consent and the contact suppression list do not apply",
          ],
          // Who may read the link in the Outbox: admins and owners at or above the member's role here.
          options: { recipientRole: member.role },
        },
      ],
    },
  });
  if (!messageId) return { messageId: null };
  const state = (
    await deliverNow({ ctx: { db: ctx.db, now: ctx.now, outbox: ctx.outbox }, input: { messageIds: [messageId] } })
  ).get(messageId);
  if (!state || !isStatusIn(ACCEPTED_STATUSES, state.status)) throw new SignInLinkNotSentError();
  return { messageId };
}
