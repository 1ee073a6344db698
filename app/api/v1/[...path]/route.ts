import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { handleRestRequest } from "@/server/api/rest";

export const dynamic = "force-dynamic";

const handler = (req: Request) => handleRestRequest(req, createOpenApiFetchHandler);

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
