import { serve } from "inngest/next";
import type { NextRequest } from "next/server";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";
import { getEnv } from "@/server/lib/env";

/**
 * The Inngest serve endpoint. Only live when an Inngest server is configured; otherwise the
 * in-process runner calls the same handler directly and this route answers 404, so nothing
 * outside the process can drive the functions.
 */
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const handler = serve({ client: inngest, functions });

type RouteHandler = (request: NextRequest, context: unknown) => Promise<Response>;

function onlyWithInngestServer(method: RouteHandler): RouteHandler {
  return async (request, context) => {
    if (!getEnv().isInngestServerConfigured) {
      return Response.json(
        { error: "not_found", message: "No Inngest server is configured; jobs run in-process" },
        { status: 404 },
      );
    }
    return method(request, context);
  };
}

export const GET = onlyWithInngestServer(handler.GET);
export const POST = onlyWithInngestServer(handler.POST);
export const PUT = onlyWithInngestServer(handler.PUT);
