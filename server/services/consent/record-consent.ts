import type { ServiceContext } from "../context";
import { getConsentStates } from "./get-consent-states";
import { recordConsentChange } from "./record-consent-change";
import { ZRecordConsentInput, type TConsentState, type TRecordConsentInput } from "./schemas";

/** `POST /contacts/{id}/consent`: validates (opt-ins need evidence), records, answers the new states of that channel. */
export async function recordConsent({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TRecordConsentInput;
}): Promise<{ states: TConsentState[] }> {
  const parsed = ZRecordConsentInput.parse(input);
  await recordConsentChange({
    ctx,
    input: {
      contactId: parsed.id,
      channel: parsed.channel,
      topicKey: parsed.topic,
      action: parsed.status,
      source: parsed.source,
      evidence: parsed.evidence,
      occurredAt: parsed.occurredAt,
    },
  });
  const { states } = await getConsentStates({ ctx, input: { id: parsed.id } });
  return { states: states.filter((s) => s.channel === parsed.channel && (!parsed.topic || s.topic === parsed.topic)) };
}
