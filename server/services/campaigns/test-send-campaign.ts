import { and, eq, sql } from "drizzle-orm";
import { memberships, suppressions, users } from "@/db/schema";
import { emailLookupKey, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { blindIndex } from "@/server/lib/crypto";
import { getEnv } from "@/server/lib/env";
import { utmParameters } from "@/server/shared/utm";
import { invalid } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import type { SendingContext } from "../context";
import { workspaceRegion } from "../contacts/rows";
import { dispatchMessages } from "../messages/dispatch-messages";
import { recordDirectMessages } from "../messages/record-direct-messages";
import { recordSends } from "../messages/record-sends";
import type { SendRequest } from "../messages/pipeline-types";
import { renderPreview } from "../templates/render-preview";
import { workspacePresentation } from "../templates/rows";
import { workspaceFrom } from "../workspaces/sender";
import { campaignSendExtras, directCampaignCopy } from "./attachment-rows";
import { findCampaign, topicKeyOf } from "./rows";
import { draftOf } from "./sample-render";
import { ZTestSendCampaignInput, type TTestSendCampaignInput, type TTestSendResult } from "./schemas";

type Result = TTestSendResult["results"][number];

/**
 * Sends the campaign's message to up to 10 addresses as a test: each message carries the
 * campaign id and `options.test = true`, and is delivered by the outbox like every send.
 *
 * - An email address of a member of the workspace gets the message rendered for the sample
 *   contact without a consent decision (the member asked for it); the suppression list still
 *   applies.
 * - Any other address goes through the send pipeline with the campaign's topic and kind, like a
 *   real send: it may be blocked (no contact with the address, no consent, suppressed…), and the
 *   answer says why, per address.
 *
 * A malformed address is answered as `invalid` and nothing is recorded for it. Audited
 * (`campaign.test_sent`: counts and message ids, never the addresses).
 */
export async function testSendCampaign({
  ctx,
  input,
}: {
  ctx: SendingContext;
  input: TTestSendCampaignInput;
}): Promise<TTestSendResult> {
  const { id, to } = ZTestSendCampaignInput.parse(input);
  const row = await findCampaign(ctx.db, ctx.workspaceId, id);
  const topicKey = await topicKeyOf(ctx.db, row);
  const region = await workspaceRegion(ctx.db, ctx.workspaceId);
  const results: Result[] = to.map((address) => ({
    to: address,
    member: false,
    status: "invalid",
    messageId: null,
    reason: null,
  }));

  // Normalise; find which email addresses belong to members of this workspace.
  const normalized = to.map((address) => {
    if (row.channel === "email") {
      const email = normalizeEmail(address);
      return email.ok ? email.value : null;
    }
    const phone = normalizePhone(address, region);
    return phone.ok ? phone.value : null;
  });
  normalized.forEach((value, index) => {
    if (value === null)
      results[index]!.reason = row.channel === "email" ? "Not a valid email address" : "Not a valid phone number";
  });
  const emails = row.channel === "email" ? normalized.filter((v): v is string => v !== null) : [];
  const memberRows =
    emails.length > 0
      ? await ctx.db
          .select({ id: users.id, email: users.email, role: memberships.role })
          .from(users)
          .innerJoin(memberships, eq(memberships.userId, users.id))
          .where(
            and(
              eq(memberships.workspaceId, ctx.workspaceId),
              sql`lower(${users.email}) in (${sql.join(
                emails.map((e) => sql`${e.toLowerCase()}`),
                sql`, `,
              )})`,
            ),
          )
      : [];
  const memberByEmail = new Map(memberRows.map((m) => [m.email.toLowerCase(), m]));

  const source: SendRequest["source"] | null = row.templateId
    ? { templateId: row.templateId }
    : row.content
      ? { content: row.content }
      : null;
  if (!source) throw invalid("Choose a template or write the content first", "content");
  // The links carry the campaign's UTM parameters, as they will in the real send.
  const utm = row.channel === "email" && row.options.utm ? utmParameters(row.options.utm, row.name) : null;
  // Test sends carry the campaign's files (attached or as links) and web version like the real send.
  const extras = await campaignSendExtras(ctx.db, row);

  // Members: rendered for the sample contact, recorded without a consent decision.
  const memberIndexes = normalized
    .map((value, index) => ({ value, index }))
    .filter(({ value }) => value !== null && memberByEmail.has(value.toLowerCase()));
  const queued: { id: string; workspaceId: string }[] = [];
  if (memberIndexes.length > 0) {
    const draft = await draftOf(ctx.db, row);
    if (!draft) throw invalid("Choose a template or write the content first", "content");
    const preview = await renderPreview({
      ctx,
      input: {
        channel: row.channel,
        category: draft.category,
        kind: row.kind,
        defaultLocale: draft.defaultLocale,
        variants: draft.variants,
        variables: draft.variables,
        ...(draft.preheader ? { preheader: draft.preheader } : {}),
        ...(utm ? { utm } : {}),
      },
    });
    const workspace = await workspacePresentation(ctx.db, ctx.workspaceId);
    const renderError = preview.problems.find((p) => p.severity === "error" && p.code === "render_failed");
    for (const { value, index } of memberIndexes) {
      const result = results[index]!;
      result.member = true;
      if (renderError || !preview.text) {
        result.reason = renderError?.message ?? "The content does not render";
        continue;
      }
      const hash = blindIndex(ctx.workspaceId, "email", emailLookupKey(value!));
      const [suppressed] = await ctx.db
        .select({ reason: suppressions.reason })
        .from(suppressions)
        .where(
          and(
            eq(suppressions.workspaceId, ctx.workspaceId),
            eq(suppressions.channel, "email"),
            eq(suppressions.addressHash, hash),
          ),
        );
      if (suppressed) {
        result.status = "blocked";
        result.reason = "suppressed";
        continue;
      }
      const member = memberByEmail.get(value!.toLowerCase())!;
      const copy = directCampaignCopy(
        ctx.workspaceId,
        { subject: preview.subject, text: preview.text, html: preview.html },
        extras,
      );
      const [messageId] = await recordDirectMessages({
        ctx: { db: ctx.db, now: ctx.now },
        input: {
          delivery: "outbox",
          messages: [
            {
              id: copy.id,
              workspaceId: ctx.workspaceId,
              channel: "email",
              kind: row.kind,
              userId: member.id,
              addressHash: hash,
              address: value!,
              fromAddress: workspaceFrom(workspace.profile, { emailFrom: getEnv().EMAIL_FROM }),
              content: copy.content,
              campaignId: row.id,
              checks: [
                "recipient: a member of the workspace (campaign test send): consent not required",
                "suppression: none",
              ],
              options: { ...copy.options, test: true, recipientRole: member.role },
            },
          ],
        },
      });
      result.status = "queued";
      result.messageId = messageId ?? null;
      if (messageId) queued.push({ id: messageId, workspaceId: ctx.workspaceId });
    }
  }

  // Everyone else: the normal pipeline.
  const others = normalized
    .map((value, index) => ({ value, index }))
    .filter(({ value, index }) => value !== null && !results[index]!.member);
  if (others.length > 0) {
    const outcomes = await recordSends({
      ctx,
      input: {
        requests: others.map(({ value }) => ({
          recipient: row.channel === "email" ? { email: value! } : { phone: value! },
          channel: row.channel,
          topicKey,
          kind: row.kind,
          source,
          variables: {},
          idempotencyKey: null,
          requestHash: null,
          fallback: false,
          deferOnQuietHours: false,
          campaignId: row.id,
          test: true,
          ...(utm ? { utm } : {}),
          ...extras,
        })),
      },
    });
    outcomes.forEach((outcome, i) => {
      const result = results[others[i]!.index]!;
      if (!outcome.ok) {
        result.reason = outcome.error.message;
        return;
      }
      const send = outcome.send;
      result.messageId = send.messageId;
      result.status = send.answer.status === "blocked" ? "blocked" : "queued";
      result.reason = send.answer.reason ?? null;
      if (send.isNew && send.status === "queued") queued.push({ id: send.messageId, workspaceId: send.workspaceId });
    });
  }
  await writeAudit(ctx.db, ctx, {
    action: "campaign.test_sent",
    targetType: "campaign",
    targetId: row.id,
    // Counts and message ids only: never the addresses.
    after: {
      addresses: results.length,
      members: results.filter((r) => r.member).length,
      queued: results.filter((r) => r.status === "queued").length,
      blocked: results.filter((r) => r.status === "blocked").length,
      messageIds: results.flatMap((r) => (r.messageId ? [r.messageId] : [])),
    },
  });
  if (queued.length > 0) dispatchMessages({ ctx, input: { messages: queued } });
  return { results };
}
