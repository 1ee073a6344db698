import { getEnv } from "@/server/lib/env";

/** The display name of confirmation emails: the workspace's brand on our sender address. */
export function brandedFrom(brand: string, emailFrom = getEnv().EMAIL_FROM): string {
  const match = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(emailFrom);
  const address = match ? match[1]! : emailFrom.trim();
  const name = brand
    .replace(/[\r\n"<>\\]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return name ? `"${name}" <${address}>` : emailFrom;
}

/** "Newsletter", "Newsletter and Offers", "News, Offers and Events": the `topics` variable of confirmation messages. */
export function listTopics(names: string[]): string {
  if (names.length <= 1) return names[0] ?? "our messages";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The page an emailed double opt-in link opens (`/confirm/{token}`). */
export function confirmationLink(token: string): string {
  return `${getEnv().PUBLIC_URL}/confirm/${token}`;
}
