import { getEnv } from "@/server/lib/env";

export { brandedFrom } from "../workspaces/sender";

/** "Newsletter", "Newsletter and Offers", "News, Offers and Events": the `topics` variable of confirmation messages. */
export function listTopics(names: string[]): string {
  if (names.length <= 1) return names[0] ?? "our messages";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The page an emailed double opt-in link opens (`/confirm/{token}`). */
export function confirmationLink(token: string): string {
  return `${getEnv().PUBLIC_URL}/confirm/${token}`;
}
