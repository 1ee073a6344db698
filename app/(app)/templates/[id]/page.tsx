import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { TemplateEditor } from "@/components/templates/template-editor";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Edit template" };

export default async function EditTemplatePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return <TemplateEditor templateId={id} brand={membership.workspace.name} canEdit={membership.role !== "viewer"} />;
}
