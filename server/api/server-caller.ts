import "server-only";
import { cookies, headers } from "next/headers";
import { cache } from "react";
import { auth } from "@/server/auth";
import { WORKSPACE_COOKIE } from "@/server/auth/workspace-cookie";
import { createCaller } from "./root";
import { createTrpcContext } from "./trpc";

/** tRPC caller for Server Components: same procedures, same tiers, the signed-in user's session. */
export const getServerCaller = cache(async () => {
  const requestHeaders = new Headers(await headers());
  // A server component never acts with an API key, even if a proxy forwarded one.
  requestHeaders.delete("authorization");
  const ctx = await createTrpcContext({
    headers: requestHeaders,
    getSessionUserId: async () => (await auth())?.user?.id ?? null,
    requestedWorkspaceId: (await cookies()).get(WORKSPACE_COOKIE)?.value ?? null,
  });
  return { caller: createCaller(ctx), auth: ctx.auth };
});
