import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { ContactProfile } from "@/components/contacts/contact-profile";
import { getServerCaller } from "@/server/api/server-caller";

// No name in the title: it would put personal data in browser history and tabs.
export const metadata: Metadata = { title: "Contact" };

async function load(id: string) {
  const { caller } = await getServerCaller();
  try {
    const [membership, detail, history] = await Promise.all([
      caller.workspace.current(),
      caller.contacts.detail({ id }),
      caller.contacts.history({ id }),
    ]);
    return { membership, detail, history };
  } catch (error) {
    // Another workspace's id, a deleted contact or a malformed id: all "not found".
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  }
}

export default async function ContactPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  const { membership, detail, history } = await load(id);
  return (
    <ContactProfile
      id={id}
      canEdit={membership.role !== "viewer"}
      canErase={membership.role === "owner" || membership.role === "admin"}
      initialDetail={detail}
      initialHistory={history}
    />
  );
}
