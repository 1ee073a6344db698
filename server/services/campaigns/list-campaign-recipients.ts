import { and, asc, eq, gt, sql, type SQL } from "drizzle-orm";
import { campaignRecipients, contacts, messages } from "@/db/schema";
import { decryptOptional } from "@/server/lib/crypto";
import { invalid } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { maskContact, seesFullPii } from "../contacts/mask-contact";
import { findCampaign } from "./rows";
import { CANCELLED_REASON, findRun, latestRun, statusesSql } from "./runs";
import { FAILED_STATUSES, type BlockReason } from "@/server/shared/enums";
import {
  ZListRecipientsInput,
  type TCampaignRecipient,
  type TListRecipientsInput,
  type TRecipientPage,
} from "./schemas";

type Outcome = TCampaignRecipient["outcome"];

/** The SQL condition of one outcome over `campaign_recipients` left-joined to `messages`. */
function outcomeCondition(outcome: Outcome): SQL {
  const r = { status: campaignRecipients.status };
  const m = { status: sql`${messages.status}::text`, reason: messages.reason };
  switch (outcome) {
    case "pending":
      return sql`${r.status} = 'pending'`;
    case "blocked":
      return sql`(${r.status} = 'blocked' or ${m.status} = 'blocked')`;
    case "cancelled":
      return sql`(${r.status} = 'cancelled' or (${m.status} = 'failed' and ${m.reason} = ${CANCELLED_REASON}))`;
    case "skipped":
      return sql`${r.status} = 'skipped'`;
    case "queued":
      return sql`${m.status} in ('queued', 'sending')`;
    case "deferred":
      return sql`${m.status} = 'deferred'`;
    case "sent":
      return sql`${m.status} in ('sent', 'complained')`;
    case "delivered":
      return sql`${m.status} = 'delivered'`;
    case "failed":
      return sql`(${m.status} in (${statusesSql(FAILED_STATUSES)}) and coalesce(${m.reason}, '') <> ${CANCELLED_REASON})`;
  }
}

/** Blocked with this reason: at the freeze (the recipient row) or when its chunk decided (its message). */
function blockedWith(reason: BlockReason): SQL {
  return sql`((${campaignRecipients.status} = 'blocked' and ${campaignRecipients.reason} = ${reason})
    or (${messages.status}::text = 'blocked' and ${messages.reason} = ${reason}))`;
}

function outcomeOf(recipientStatus: string, messageStatus: string | null, messageReason: string | null): Outcome {
  if (recipientStatus !== "handed") return recipientStatus as Outcome;
  switch (messageStatus) {
    case "blocked":
    case "deferred":
    case "delivered":
      return messageStatus;
    case "queued":
    case "sending":
      return "queued";
    case "sent":
    case "complained":
      return "sent";
    case "failed":
      return messageReason === CANCELLED_REASON ? "cancelled" : "failed";
    case "undelivered":
    case "bounced":
      return "failed";
    default:
      return "queued";
  }
}

/**
 * A run's recipients (default: the latest run), by contact id, filtered by outcome and by block
 * reason (`reason=frequency_cap`: the recipients a cap skipped), a page at a
 * time (keyset on contact id). Each with the contact's name and address on the campaign's channel
 * (masked for viewers), the outcome, the reason (blocked, skipped, failed) and the message id.
 */
export async function listCampaignRecipients({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TListRecipientsInput;
}): Promise<TRecipientPage> {
  const { id, runId, outcome, reason, cursor, limit } = ZListRecipientsInput.parse(input);
  const campaign = await findCampaign(ctx.db, ctx.workspaceId, id);
  const run = runId ? await findRun(ctx.db, ctx.workspaceId, runId) : await latestRun(ctx.db, campaign.id);
  if (!run || run.campaignId !== campaign.id) return { runId: null, items: [], nextCursor: null };
  if (cursor && !/^[0-9a-f-]{36}$/.test(cursor)) throw invalid("Not a cursor of this list", "cursor");

  const conditions: SQL[] = [eq(campaignRecipients.runId, run.id)];
  if (cursor) conditions.push(gt(campaignRecipients.contactId, cursor));
  if (outcome) conditions.push(outcomeCondition(outcome));
  if (reason) conditions.push(blockedWith(reason));
  const rows = await ctx.db
    .select({
      contactId: campaignRecipients.contactId,
      status: campaignRecipients.status,
      reason: campaignRecipients.reason,
      sendAt: campaignRecipients.sendAt,
      zone: campaignRecipients.zone,
      messageId: campaignRecipients.messageId,
      messageStatus: sql<string | null>`${messages.status}::text`,
      messageReason: messages.reason,
      email: contacts.emailCiphertext,
      phone: contacts.phoneCiphertext,
      firstName: contacts.firstNameCiphertext,
      lastName: contacts.lastNameCiphertext,
    })
    .from(campaignRecipients)
    .leftJoin(messages, eq(messages.id, campaignRecipients.messageId))
    .leftJoin(contacts, eq(contacts.id, campaignRecipients.contactId))
    .where(and(...conditions))
    .orderBy(asc(campaignRecipients.contactId))
    .limit(limit + 1);

  const full = seesFullPii(ctx.actor);
  const items = rows.slice(0, limit).map((row): TCampaignRecipient => {
    const pii = {
      email: decryptOptional(row.email, "contact.email"),
      phone: decryptOptional(row.phone, "contact.phone"),
      firstName: decryptOptional(row.firstName, "contact.first_name"),
      lastName: decryptOptional(row.lastName, "contact.last_name"),
    };
    const shown = full ? pii : maskContact(pii);
    const name = [shown.firstName, shown.lastName].filter(Boolean).join(" ") || null;
    const result = outcomeOf(row.status, row.messageStatus, row.messageReason);
    return {
      contactId: row.contactId,
      name,
      address: campaign.channel === "email" ? shown.email : shown.phone,
      outcome: result,
      reason: row.reason ?? row.messageReason ?? null,
      sendAt: row.sendAt,
      zone: row.zone,
      messageId: row.messageId,
    };
  });
  return {
    runId: run.id,
    items,
    nextCursor: rows.length > limit ? items[items.length - 1]!.contactId : null,
  };
}
