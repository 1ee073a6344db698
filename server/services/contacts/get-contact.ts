import type { ServiceContext } from "../context";
import { contactForActor } from "./mask-contact";
import { getContactRow, toContact } from "./rows";
import type { TContact } from "./schemas";

/** One contact of this workspace (masked for viewers); another workspace's id is NOT_FOUND. */
export async function getContact({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TContact> {
  return contactForActor(ctx.actor, toContact(await getContactRow(ctx.db, ctx.workspaceId, input.id)));
}
