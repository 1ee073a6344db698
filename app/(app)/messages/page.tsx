import type { Metadata } from "next";
import { TRPCError } from "@trpc/server";
import { displayName } from "@/components/contacts/labels";
import { MESSAGE_STATUSES } from "@/server/shared/enums";
import { NO_MESSAGE_FILTERS, type MessageFilters } from "@/components/messages/filters";
import { MessagesBrowser } from "@/components/messages/messages-browser";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Messages" };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type SearchParams = Record<string, string | string[] | undefined>;

/** Filters from the address bar (links from a contact or a campaign); anything malformed is ignored. */
function filtersFrom(params: SearchParams, topicKeys: string[]): MessageFilters {
  const one = (key: string) => {
    const value = params[key];
    return typeof value === "string" ? value : "";
  };
  const oneOf = (key: string, allowed: readonly string[]) =>
    allowed.includes(one(key)) ? one(key) : NO_MESSAGE_FILTERS.status;
  return {
    ...NO_MESSAGE_FILTERS,
    status: oneOf("status", MESSAGE_STATUSES),
    channel: oneOf("channel", ["email", "sms"]),
    topic: oneOf("topic", topicKeys),
    direction: oneOf("direction", ["outbound", "inbound"]),
    from: DATE.test(one("from")) ? one("from") : "",
    to: DATE.test(one("to")) ? one("to") : "",
    contactId: UUID.test(one("contactId")) ? one("contactId") : "",
    campaignId: UUID.test(one("campaignId")) ? one("campaignId") : "",
  };
}

export default async function MessagesPage(props: { searchParams: Promise<SearchParams> }) {
  const { caller } = await getServerCaller();
  const [membership, topics, params] = await Promise.all([
    caller.workspace.current(),
    caller.topics.list(),
    props.searchParams,
  ]);
  const filters = filtersFrom(
    params,
    topics.items.map((t) => t.key),
  );
  let contactLabel: string | null = null;
  if (filters.contactId) {
    try {
      contactLabel = displayName((await caller.contacts.detail({ id: filters.contactId })).contact);
    } catch (error) {
      if (!(error instanceof TRPCError && error.code === "NOT_FOUND")) throw error;
      filters.contactId = "";
    }
  }
  let campaignLabel: string | null = null;
  if (filters.campaignId) {
    try {
      campaignLabel = (await caller.campaigns.get({ id: filters.campaignId })).name;
    } catch (error) {
      if (!(error instanceof TRPCError && error.code === "NOT_FOUND")) throw error;
      filters.campaignId = "";
    }
  }
  return (
    <MessagesBrowser
      role={membership.role}
      topics={topics.items.map((t) => ({ key: t.key, name: t.name }))}
      initialFilters={filters}
      contactLabel={contactLabel}
      campaignLabel={campaignLabel}
    />
  );
}
