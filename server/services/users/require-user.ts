import { forbidden } from "@/server/lib/errors";
import type { Actor } from "../context";

/** The signed-in person's user id; FORBIDDEN for any other actor (API keys, jobs…). */
export function requireUser(actor: Actor): string {
  if (actor.type !== "user") throw forbidden("Only a signed-in person can change their account");
  return actor.userId;
}
