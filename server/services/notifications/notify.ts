import { eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { memberships, notificationPreferences, notifications, users, workspaces, type Role } from "@/db/schema";
import type { Clock } from "@/server/lib/clock";
import { getEnv } from "@/server/lib/env";
import { NOTIFICATION_CATALOGUE } from "@/server/shared/notifications";
import { inTransaction, type Outbox } from "../context";
import { recordDirectMessages, type DirectMessage } from "../messages/record-direct-messages";
import { notificationEmail } from "./notification-email";
import { ZNotifyInput, type TNotifyInput } from "./schemas";

/** What `notify` needs: a database (the producer's transaction, ideally), a clock; the outbox to start emails at once. */
export interface NotifyContext {
  db: Queryable;
  now: Clock;
  requestId?: string;
  outbox?: Outbox;
}

export interface NotifyResult {
  /** Members who got a new in-app notification (0 when the event was already notified). */
  notified: number;
  /** Notification emails recorded (queued in the outbox). */
  emailMessageIds: string[];
}

/**
 * Notifies the workspace's members of an event, each as their preferences for `kind` say (no
 * preference row: the catalogue's defaults; every role, viewers too, unless they turned it off):
 *
 * - in the app: ONE `INSERT … SELECT` over the memberships joined with the preferences, `ON
 *   CONFLICT (workspace, user, dedupe_key) DO NOTHING`, so notifying the same event twice (a
 *   retried job) adds nothing;
 * - by email: a `system` message (`purpose: notification`) to each member who chose email,
 *   recorded through the outbox's record step in the same transaction (idempotency key
 *   `notification:<user>:<dedupe key>`, so never two for one event) and delivered after commit
 *   by the outbox or its sweep. Disabled accounts get nothing.
 *
 * Runs in the caller's transaction when there is one, so the notification commits with the
 * change it reports. Not audited: the event it reports is.
 */
export async function notify({ ctx, input }: { ctx: NotifyContext; input: TNotifyInput }): Promise<NotifyResult> {
  const { workspaceId, kind, title, body, link, data, dedupeKey, userIds } = ZNotifyInput.parse(input);
  const defaults = NOTIFICATION_CATALOGUE[kind].defaults;
  const now = ctx.now();
  const result = await inTransaction(ctx.db, async (tx) => {
    const targets = resultRows<{
      user_id: string;
      email: string;
      role: Role;
      email_on: boolean;
      in_app: boolean;
      inserted: boolean;
    }>(
      await tx.execute(sql`
        with targets as (
          select m.user_id, m.role::text as role, u.email,
                 coalesce(p.in_app, ${defaults.inApp}::boolean) as in_app,
                 coalesce(p.email, ${defaults.email}::boolean) as email_on
            from ${memberships} m
            join ${users} u on u.id = m.user_id and u.disabled_at is null
            left join ${notificationPreferences} p
                   on p.workspace_id = m.workspace_id and p.user_id = m.user_id and p.kind = ${kind}::notification_kind
           where m.workspace_id = ${workspaceId}::uuid
             ${userIds ? sql`and m.user_id::text in (select jsonb_array_elements_text(${JSON.stringify(userIds)}::jsonb))` : sql``}
        ), inserted as (
          insert into ${notifications} (workspace_id, user_id, kind, title, body, link, data, dedupe_key, created_at)
          select ${workspaceId}::uuid, t.user_id, ${kind}::notification_kind, ${title}, ${body}, ${link},
                 ${JSON.stringify(data)}::jsonb, ${dedupeKey}, ${now.toISOString()}::timestamptz
            from targets t
           where t.in_app
          on conflict (workspace_id, user_id, dedupe_key) do nothing
          returning user_id
        )
        select t.user_id::text as user_id, t.email, t.role, t.email_on, t.in_app,
               exists (select 1 from inserted i where i.user_id = t.user_id) as inserted
          from targets t`),
    );
    const notified = targets.filter((t) => t.inserted).length;
    // A member who has it in the app and was not notified now already was: no second email.
    const mailTo = targets.filter((t) => t.email_on && (t.inserted || !t.in_app));
    if (mailTo.length === 0) return { notified, emailMessageIds: [] };

    const [workspace] = await tx
      .select({ name: workspaces.name })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId));
    const env = getEnv();
    const content = notificationEmail({
      workspaceName: workspace?.name ?? "your workspace",
      title,
      body,
      url: link ? `${env.PUBLIC_URL}${link}` : null,
      preferencesUrl: `${env.PUBLIC_URL}/settings/account#notifications`,
    });
    const messages: DirectMessage[] = mailTo.map((t) => ({
      workspaceId,
      channel: "email",
      kind: "system",
      purpose: "notification",
      userId: t.user_id,
      addressHash: null,
      address: t.email,
      fromAddress: env.EMAIL_FROM,
      content,
      checks: [
        "recipient: a workspace member who chose this notification by email (system message to a member, not a contact): consent and the contact suppression list do not apply",
      ],
      // Who may read it in the Outbox: admins and owners at or above the member's role.
      options: { recipientRole: t.role, notificationKind: kind },
      idempotencyKey: `notification:${t.user_id}:${dedupeKey}`,
    }));
    const emailMessageIds = await recordDirectMessages({
      ctx: { db: tx, now: ctx.now, requestId: ctx.requestId },
      input: { messages, delivery: "outbox" },
    });
    return { notified, emailMessageIds };
  });
  // After commit (inside the caller's transaction this does nothing and the sweep delivers them).
  if (ctx.outbox && result.emailMessageIds.length > 0)
    ctx.outbox.dispatch(
      { db: ctx.db, now: ctx.now },
      result.emailMessageIds.map((id) => ({ id, workspaceId })),
    );
  return result;
}
