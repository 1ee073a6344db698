import { z } from "zod";
import { CHANNELS } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { getConsentStates } from "../consent/get-consent-states";
import { recordConsentChange } from "../consent/record-consent-change";
import type { TConsentState } from "../consent/schemas";
import { ZTopicKey } from "../topics/schemas";
import { getContactRow } from "./rows";

export const MIN_CONSENT_NOTE_LENGTH = 10;

/**
 * A member changing a contact's consent by hand (source `admin`). An opt-out needs nothing; an
 * opt-in must say how the person gave consent (`note`), because staff can't attach a form post
 * or a keyword as proof.
 */
export const ZSetContactConsentInput = z
  .object({
    id: z.uuid(),
    channel: z.enum(CHANNELS),
    /** Omitted: every topic of the workspace on this channel. */
    topic: ZTopicKey.optional(),
    status: z.enum(["opted_in", "opted_out"]),
    note: z.string().trim().max(1000).optional(),
    /** When the person asked; defaults to now, never in the future. */
    occurredAt: z.date().optional(),
  })
  .superRefine((value, ctx) => {
    if (value.status === "opted_in" && (value.note?.length ?? 0) < MIN_CONSENT_NOTE_LENGTH) {
      ctx.addIssue({
        code: "custom",
        path: ["note"],
        message:
          "Describe how the person gave consent, e.g. “Customer asked by phone on 3 March” (at least 10 characters)",
      });
    }
  });
export type TSetContactConsentInput = z.input<typeof ZSetContactConsentInput>;

/**
 * Records an admin opt-in or opt-out through `recordConsentChange` (so the ledger, the projection
 * and the `consent.*` audit row move together) and answers the contact's states on that channel.
 * An opt-in on a channel the contact has no address for is INVALID. Not idempotent: each call
 * appends a ledger event. Audited as the member.
 */
export async function setContactConsent({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TSetContactConsentInput;
}): Promise<{ states: TConsentState[] }> {
  const parsed = ZSetContactConsentInput.parse(input);
  const row = await getContactRow(ctx.db, ctx.workspaceId, parsed.id);
  if (parsed.status === "opted_in") {
    if (row.erasedAt) throw invalid("This contact was erased", "id");
    const hasAddress = parsed.channel === "email" ? row.emailHash : row.phoneHash;
    if (!hasAddress)
      throw invalid(`This contact has no ${parsed.channel === "email" ? "email address" : "phone number"}`, "channel");
  }
  await recordConsentChange({
    ctx,
    input: {
      contactId: parsed.id,
      channel: parsed.channel,
      topicKey: parsed.topic,
      action: parsed.status,
      source: "admin",
      evidence: parsed.note ? { note: parsed.note } : undefined,
      occurredAt: parsed.occurredAt,
    },
  });
  const { states } = await getConsentStates({ ctx, input: { id: parsed.id } });
  return { states: states.filter((s) => s.channel === parsed.channel) };
}
