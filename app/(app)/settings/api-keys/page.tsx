import type { Metadata } from "next";
import { ApiKeysManager } from "@/components/settings/api-keys-manager";
import { getServerCaller } from "@/server/api/server-caller";
import { getEnv } from "@/server/lib/env";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return (
    <ApiKeysManager
      canManage={membership.role === "owner" || membership.role === "admin"}
      apiBaseUrl={`${getEnv().PUBLIC_URL}/api/v1`}
    />
  );
}
