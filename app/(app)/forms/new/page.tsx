import type { Metadata } from "next";
import { FormBuilder } from "@/components/forms/form-builder";
import { getServerCaller } from "@/server/api/server-caller";
import { getEnv } from "@/server/lib/env";

export const metadata: Metadata = { title: "New form" };

export default async function NewFormPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return (
    <FormBuilder
      brand={membership.workspace.name}
      publicUrl={getEnv().PUBLIC_URL}
      canManage={membership.role === "owner" || membership.role === "admin"}
    />
  );
}
