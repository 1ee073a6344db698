import { forbidden } from "@/server/lib/errors";
import type { ServiceContext } from "../context";

/** The signed-in member's user id: notifications are personal, so API keys and jobs have none. */
export function memberOf(ctx: Pick<ServiceContext, "actor">): string {
  if (ctx.actor.type !== "user") throw forbidden("Notifications belong to a signed-in member");
  return ctx.actor.userId;
}
