/**
 * The workspace's seed list (`workspaces.settings.campaigns.seedList`): the team's own inboxes and
 * phones that get a copy of every campaign run, so someone sees each send as it went out (inbox
 * placement, rendering, links). Email addresses and E.164 phone numbers, normalised on save
 * (`server/services/workspaces/update-seed-list.ts`); an email campaign goes to the email seeds,
 * an SMS campaign to the phone seeds. Pure: shared by the settings card and the services.
 */

/** At most this many seed addresses (emails and phones together). */
export const MAX_SEED_ADDRESSES = 20;

export type SeedChannel = "email" | "sms";

/** Which channel a seed address is for: an address with an @ is an email, anything else a phone number. */
export function seedChannelOf(address: string): SeedChannel {
  return address.includes("@") ? "email" : "sms";
}

/** The stored seed list: strings only, at most MAX_SEED_ADDRESSES (a bad value never breaks a page or a run). */
export function readSeedList(settings: Record<string, unknown> | null | undefined): string[] {
  const campaigns = settings?.campaigns;
  if (!campaigns || typeof campaigns !== "object") return [];
  const list = (campaigns as { seedList?: unknown }).seedList;
  if (!Array.isArray(list)) return [];
  return list
    .filter((value): value is string => typeof value === "string" && value.trim() !== "")
    .slice(0, MAX_SEED_ADDRESSES);
}
