import type { Metadata } from "next";
import { ContactsBrowser } from "@/components/contacts/contacts-browser";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Contacts" };

export default async function ContactsPage() {
  const { caller } = await getServerCaller();
  const [membership, topics] = await Promise.all([caller.workspace.current(), caller.topics.list()]);
  return (
    <ContactsBrowser
      role={membership.role}
      canEdit={membership.role !== "viewer"}
      topics={topics.items.map((t) => ({ key: t.key, name: t.name, channels: t.channels }))}
    />
  );
}
