import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { cookies } from "next/headers";
import { appRouter } from "@/server/api/root";
import { createTrpcContext } from "@/server/api/trpc";
import { auth, unstable_update } from "@/server/auth";
import { sessionVersionGrant, type SessionVersionUpdate } from "@/server/auth/session-version";
import { WORKSPACE_COOKIE } from "@/server/auth/workspace-cookie";
import { withinBodyLimit } from "@/server/lib/body-limits";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () =>
      createTrpcContext({
        headers: req.headers,
        getSessionUserId: async () => (await auth())?.user?.id ?? null,
        requestedWorkspaceId: (await cookies()).get(WORKSPACE_COOKIE)?.value ?? null,
        renewSession: async (userId, sessionVersion) => {
          const update: SessionVersionUpdate = {
            sessionVersion,
            sessionGrant: sessionVersionGrant(userId, sessionVersion),
          };
          await unstable_update(update as Parameters<typeof unstable_update>[0]);
        },
      }),
  });
}

const capped = withinBodyLimit(handler);

export { capped as GET, capped as POST };
