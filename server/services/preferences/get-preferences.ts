import type { PublicContext } from "../context";
import { resolvePreferencesLink } from "./link-context";
import { buildPreferences, type Preferences } from "./model";

/**
 * The hosted preference center's model: every non-archived topic of the workspace on every
 * channel it is offered on, with the contact's current state. Read-only. Bad token → NOT_FOUND.
 */
export async function getPreferences({
  ctx: link,
  input,
}: {
  ctx: PublicContext;
  input: { token: string };
}): Promise<Preferences> {
  const resolved = await resolvePreferencesLink(link, input.token);
  return buildPreferences(resolved, link.db);
}
