import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import {
  CONSENT_EVIDENCE_SEALED_KEYS,
  consentConfirmations,
  consentEvents,
  contacts,
  messageLinks,
  messages,
  type Channel,
} from "@/db/schema";
import { lockKey, lockKeysInOrder } from "@/server/lib/advisory-locks";
import { encryptPii } from "@/server/lib/crypto";
import { notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { MESSAGE_PURPOSE } from "../messages/message-secrets";
import { suppressAddress } from "../suppressions/suppress-address";
import { toContact } from "./rows";
import type { TContact } from "./schemas";

export const ZEraseContactInput = z.object({ id: z.uuid().describe("Contact id") });
export type TEraseContactInput = z.input<typeof ZEraseContactInput>;

/**
 * Evidence keys that identify a person, stripped from the consent ledger on erasure: the sealed
 * ones (ip, user agent, note: also in clear on rows written before sealing), their ciphertext, and
 * how the ip was learned. The database trigger on consent_events allows exactly this change.
 */
const ERASED_EVIDENCE_KEYS = ["sealed", "ipSource", ...CONSENT_EVIDENCE_SEALED_KEYS];
const erasedKeysSql = sql.raw(`array[${ERASED_EVIDENCE_KEYS.map((k) => `'${k}'`).join(", ")}]`);

/**
 * Erases a contact (GDPR Art. 17), in one transaction:
 * - each of its addresses is suppressed on its channel with reason `erased` (an address already
 *   suppressed keeps its first reason, which blocks all the same);
 * - the contact row keeps its id and dates only: addresses, names, attributes, tags, search
 *   tokens, blind indexes (so the address is free for a new contact), locale, timezone and phone
 *   country are cleared, and `erased_at` is set;
 * - the consent ledger keeps its facts (channel, topic, action, source, times, consent text hash,
 *   form version, url) but loses the ip, user agent and note; pending confirmations likewise;
 * - messages to or from it keep ids, status, times and decision but lose their address, subject,
 *   bodies, rendered request (variables), headers and last error; their tracked links lead nowhere.
 * Idempotent: a contact already erased is answered as it is, nothing written. Audited
 * (`contact.erased`, counts only). Another workspace's id is NOT_FOUND.
 */
export async function eraseContact({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TEraseContactInput;
}): Promise<TContact> {
  const { id } = ZEraseContactInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const where = and(eq(contacts.id, id), eq(contacts.workspaceId, ctx.workspaceId));
    const [peek] = await tx
      .select({ emailHash: contacts.emailHash, phoneHash: contacts.phoneHash })
      .from(contacts)
      .where(where);
    if (!peek) throw notFound("Contact");
    // The address locks first (as upserts and edits take them), then the contact's (as consent writers do).
    await lockKeysInOrder(
      tx,
      [peek.emailHash, peek.phoneHash].filter((h): h is string => Boolean(h)),
    );
    await lockKey(tx, id);
    const [row] = await tx.select().from(contacts).where(where).for("update");
    if (!row) throw notFound("Contact");
    if (row.erasedAt) return toContact(row);

    const now = ctx.now();
    const scoped = { ...ctx, db: tx };
    const addresses: [Channel, string | null][] = [
      ["email", row.emailHash],
      ["sms", row.phoneHash],
    ];
    let suppressed = 0;
    for (const [channel, addressHash] of addresses) {
      if (!addressHash) continue;
      const { created } = await suppressAddress({
        ctx: scoped,
        input: { channel, addressHash, reason: "erased", source: "erasure", contactId: id },
      });
      if (created) suppressed += 1;
    }

    const [erased] = await tx
      .update(contacts)
      .set({
        emailCiphertext: null,
        emailHash: null,
        phoneCiphertext: null,
        phoneHash: null,
        firstNameCiphertext: null,
        lastNameCiphertext: null,
        locale: null,
        timezone: null,
        phoneCountry: null,
        tags: [],
        searchTokens: [],
        attributes: {},
        erasedAt: now,
        updatedAt: now,
      })
      .where(eq(contacts.id, id))
      .returning();

    // Raw SQL: the sealed-json codec would re-seal; here keys are only removed (the trigger checks that).
    const personalEvidence = and(
      eq(consentEvents.workspaceId, ctx.workspaceId),
      eq(consentEvents.contactId, id),
      sql`${consentEvents.evidence} ?| ${erasedKeysSql}`,
    );
    const [ledger] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(consentEvents)
      .where(personalEvidence);
    await tx.execute(sql`update consent_events set evidence = evidence - ${erasedKeysSql} where ${personalEvidence}`);
    await tx
      .update(consentConfirmations)
      .set({ evidence: sql`${consentConfirmations.evidence} - ${erasedKeysSql}` as never })
      .where(and(eq(consentConfirmations.workspaceId, ctx.workspaceId), eq(consentConfirmations.contactId, id)));

    const messageIds = (
      await tx
        .update(messages)
        .set({
          addressCiphertext: null,
          subjectCiphertext: null,
          textCiphertext: null,
          htmlCiphertext: null,
          headers: null,
          lastError: null,
          options: sql`${messages.options} - 'request'`,
          fromAddress: sql`case when ${messages.direction} = 'inbound' then null else ${messages.fromAddress} end`,
          updatedAt: now,
        })
        .where(and(eq(messages.workspaceId, ctx.workspaceId), eq(messages.contactId, id)))
        .returning({ id: messages.id })
    ).map((m) => m.id);
    if (messageIds.length > 0) {
      // A tracked URL may be personalised: the link now decrypts to nothing and its click answers 404.
      await tx
        .update(messageLinks)
        .set({ urlCiphertext: encryptPii("", MESSAGE_PURPOSE.link) })
        .where(inArray(messageLinks.messageId, messageIds));
    }

    await writeAudit(tx, ctx, {
      action: "contact.erased",
      targetType: "contact",
      targetId: id,
      after: {
        suppressions: suppressed,
        consentEventsRedacted: ledger?.count ?? 0,
        messagesRedacted: messageIds.length,
      },
    });
    return toContact(erased!);
  });
}
