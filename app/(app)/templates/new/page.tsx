import type { Metadata } from "next";
import { TemplateEditor } from "@/components/templates/template-editor";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "New template" };

export default async function NewTemplatePage({ searchParams }: { searchParams: Promise<{ channel?: string }> }) {
  const { channel } = await searchParams;
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return (
    <TemplateEditor
      brand={membership.workspace.name}
      canEdit={membership.role !== "viewer"}
      initialChannel={channel === "sms" ? "sms" : "email"}
    />
  );
}
