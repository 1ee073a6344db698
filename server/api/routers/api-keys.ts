import { z } from "zod";
import {
  createApiKey,
  getApiKey,
  listApiKeys,
  revokeApiKey,
  ZApiKey,
  ZApiKeyIdInput,
  ZCreateApiKeyInput,
  ZCreateApiKeyOutput,
} from "@/server/services/api-keys";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

const adminTier = workspaceProcedure({ scope: "admin", role: "admin" });
const TAGS = ["API keys"];

export const apiKeysRouter = createTRPCRouter({
  list: adminTier
    .meta({
      openapi: {
        method: "GET",
        path: "/api-keys",
        tags: TAGS,
        summary: "List API keys",
        description:
          "Every key of the workspace, newest first, revoked ones included; secrets are never shown again. Needs the `admin` scope.",
        protect: true,
      },
    })
    .input(z.object({}).optional())
    .output(z.object({ items: z.array(ZApiKey).describe("The workspace's API keys, newest first") }))
    .query(async ({ ctx }) => ({ items: await listApiKeys({ ctx: ctx.svc }) })),

  get: adminTier
    .meta({
      openapi: {
        method: "GET",
        path: "/api-keys/{id}",
        tags: TAGS,
        summary: "Get an API key",
        description: "One key of the workspace, without its secret. Needs the `admin` scope.",
        protect: true,
      },
    })
    .input(ZApiKeyIdInput)
    .output(ZApiKey)
    .query(({ ctx, input }) => getApiKey({ ctx: ctx.svc, input })),

  create: adminTier
    .meta({
      openapi: {
        method: "POST",
        path: "/api-keys",
        tags: TAGS,
        summary: "Create an API key",
        description: "The answer holds the secret; it is shown once and only its hash is stored.",
        protect: true,
      },
    })
    .input(ZCreateApiKeyInput)
    .output(ZCreateApiKeyOutput)
    .mutation(({ ctx, input }) => createApiKey({ ctx: ctx.svc, input })),

  revoke: adminTier
    .meta({
      openapi: {
        method: "DELETE",
        path: "/api-keys/{id}",
        tags: TAGS,
        summary: "Revoke an API key (idempotent)",
        description:
          "The key stops working at once and the revoked key is answered; revoking it again keeps the first revocation time. Audited. Needs the `admin` scope.",
        protect: true,
      },
    })
    .input(ZApiKeyIdInput)
    .output(ZApiKey)
    .mutation(({ ctx, input }) => revokeApiKey({ ctx: ctx.svc, input })),
});
