/** Filters of the message table, as the page reads them from the address bar ("any" = no filter). */
export const ANY_FILTER = "any";

export interface MessageFilters {
  status: string;
  channel: string;
  topic: string;
  direction: string;
  /** `YYYY-MM-DD`, inclusive. */
  from: string;
  /** `YYYY-MM-DD`, inclusive. */
  to: string;
  recipient: string;
  contactId: string;
  /** Only this campaign's messages (links from a campaign's progress). */
  campaignId: string;
}

export const NO_MESSAGE_FILTERS: MessageFilters = {
  status: ANY_FILTER,
  channel: ANY_FILTER,
  topic: ANY_FILTER,
  direction: ANY_FILTER,
  from: "",
  to: "",
  recipient: "",
  contactId: "",
  campaignId: "",
};
