import type { Role } from "@/db/schema";
import { forbidden } from "@/server/lib/errors";
import { hasRole, type Actor } from "../context";

/** Only owners hand out or take away ownership; admins manage everyone below owner. */
export function assertMayManage(actor: Actor, targetRole: Role, newRole?: Role) {
  if (actor.type === "apiKey") return; // scope `admin` was checked by the procedure tier
  if (actor.type !== "user" || !hasRole(actor.role, "admin")) throw forbidden();
  if ((targetRole === "owner" || newRole === "owner") && actor.role !== "owner") {
    throw forbidden("Only an owner can grant or change the owner role");
  }
}
