import type { Channel, SuppressionReason } from "@/db/schema";
import type { ServiceContext } from "../context";
import { suppressAddresses } from "./suppress-addresses";

export interface TSuppressAddressInput {
  channel: Channel;
  addressHash: string;
  /** The normalised address the hash was computed from, when the writer has it (stored encrypted, shown masked). */
  address?: string | null;
  reason: SuppressionReason;
  source: string;
  note?: string;
  contactId?: string;
}

/**
 * Adds an address (by blind index) to the workspace's suppression list for a channel.
 * Idempotent: the first suppression and its reason are kept. Audited when it is new.
 * Call it inside the transaction of the event that caused it (that transaction as `ctx.db`).
 */
export async function suppressAddress({
  ctx,
  input: entry,
}: {
  ctx: ServiceContext;
  input: TSuppressAddressInput;
}): Promise<{ created: boolean; id: string | null }> {
  const { created } = await suppressAddresses({ ctx, input: [entry] });
  return { created: created.length > 0, id: created[0]?.id ?? null };
}
