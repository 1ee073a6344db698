import type { Metadata } from "next";
import { FormBuilder } from "@/components/forms/form-builder";
import { hostedBrand } from "@/components/hosted/theme";
import { getServerCaller } from "@/server/api/server-caller";
import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { getEnv } from "@/server/lib/env";
import { getWorkspaceBrand } from "@/server/services/workspaces";

export const metadata: Metadata = { title: "New form" };

export default async function NewFormPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  const { db } = await getDbHandle();
  // The preview shows the form as the public sees it: the workspace's logo, name and colour.
  const brand = await getWorkspaceBrand({
    ctx: { db, now: systemClock },
    input: { workspaceId: membership.workspace.id },
  });
  return (
    <FormBuilder
      brand={hostedBrand(brand ?? { name: membership.workspace.name })}
      publicUrl={getEnv().PUBLIC_URL}
      canManage={membership.role === "owner" || membership.role === "admin"}
    />
  );
}
