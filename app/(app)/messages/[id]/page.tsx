import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { MessageDetailView } from "@/components/messages/message-detail";
import { getServerCaller } from "@/server/api/server-caller";

// No subject or recipient in the title: it would put personal data in browser history and tabs.
export const metadata: Metadata = { title: "Message" };

async function load(id: string) {
  const { caller } = await getServerCaller();
  try {
    const [membership, detail] = await Promise.all([caller.workspace.current(), caller.messageHistory.detail({ id })]);
    return { membership, detail };
  } catch (error) {
    // Another workspace's id, an unknown id or a malformed one: all "not found".
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  }
}

export default async function MessagePage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  const { membership, detail } = await load(id);
  return <MessageDetailView id={id} initial={detail} canAct={membership.role !== "viewer"} />;
}
