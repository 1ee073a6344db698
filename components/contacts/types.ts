import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

type ContactsOutputs = inferRouterOutputs<AppRouter>["contacts"];
export type ContactDetail = ContactsOutputs["detail"];
export type ConsentCell = ContactDetail["consent"][number];
export type ContactHistory = ContactsOutputs["history"];
export type ConsentHistoryEntry = ContactHistory["consent"][number];
export type ActivityEntry = ContactHistory["activity"][number];
