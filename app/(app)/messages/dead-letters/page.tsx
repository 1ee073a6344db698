import type { Metadata } from "next";
import { TRPCError } from "@trpc/server";
import { DeadLettersView, NO_DEAD_LETTER_FILTERS } from "@/components/messages/dead-letters-view";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Dead letters" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type SearchParams = Record<string, string | string[] | undefined>;

/** Messages → Dead letters. `?channel=` and `?campaignId=` (a link from a campaign) preset the filters. */
export default async function DeadLettersPage(props: { searchParams: Promise<SearchParams> }) {
  const { caller } = await getServerCaller();
  const [membership, params] = await Promise.all([caller.workspace.current(), props.searchParams]);
  const one = (key: string) => (typeof params[key] === "string" ? (params[key] as string) : "");
  const filters = {
    ...NO_DEAD_LETTER_FILTERS,
    channel: ["email", "sms"].includes(one("channel")) ? one("channel") : NO_DEAD_LETTER_FILTERS.channel,
    campaignId: UUID.test(one("campaignId")) ? one("campaignId") : "",
  };
  let campaignName: string | null = null;
  if (filters.campaignId) {
    try {
      campaignName = (await caller.campaigns.get({ id: filters.campaignId })).name;
    } catch (error) {
      if (!(error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "FORBIDDEN"))) throw error;
      filters.campaignId = "";
    }
  }
  return <DeadLettersView role={membership.role} initialFilters={filters} campaignName={campaignName} />;
}
