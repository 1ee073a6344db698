import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { FormBuilder } from "@/components/forms/form-builder";
import { getServerCaller } from "@/server/api/server-caller";
import { getEnv } from "@/server/lib/env";

export const metadata: Metadata = { title: "Edit form" };

export default async function EditFormPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return (
    <FormBuilder
      formId={id}
      brand={membership.workspace.name}
      publicUrl={getEnv().PUBLIC_URL}
      canManage={membership.role === "owner" || membership.role === "admin"}
    />
  );
}
