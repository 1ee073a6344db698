import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { handleRestRequest } from "@/server/api/rest";
import { withinBodyLimit } from "@/server/lib/body-limits";

export const dynamic = "force-dynamic";

const handler = withinBodyLimit((req: Request) => handleRestRequest(req, createOpenApiFetchHandler));

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
