import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

type HistoryOutputs = inferRouterOutputs<AppRouter>["messageHistory"];
export type MessageBrowsePage = HistoryOutputs["browse"];
export type MessageListItem = MessageBrowsePage["items"][number];
export type MessageDetail = HistoryOutputs["detail"];
export type MessageTimelineEvent = MessageDetail["events"][number];
export type OutboxPage = HistoryOutputs["outbox"];
export type OutboxItem = OutboxPage["items"][number];
export type MessageBrowseInput = inferRouterInputs<AppRouter>["messageHistory"]["browse"];
export type DeadLetterPage = HistoryOutputs["deadLetters"];
export type DeadLetter = DeadLetterPage["items"][number];
