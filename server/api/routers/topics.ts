import { z } from "zod";
import {
  createTopic,
  listTopics,
  updateTopic,
  ZCreateTopicInput,
  ZTopic,
  ZUpdateTopicInput,
} from "@/server/services/topics";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

const TAGS = ["Topics"];

export const topicsRouter = createTRPCRouter({
  list: workspaceProcedure({ scope: "contacts:read", role: "viewer" })
    .meta({
      openapi: {
        method: "GET",
        path: "/topics",
        tags: TAGS,
        summary: "List topics",
        description:
          "The workspace's topics, oldest first; archived ones only with `includeArchived=true`. Needs the `contacts:read` scope.",
        protect: true,
      },
    })
    // Described before `.optional()`: see liftParameterDescriptions in ../openapi.ts.
    .input(
      z
        .object({ includeArchived: z.boolean().describe("true to list archived topics too; default false").optional() })
        .optional(),
    )
    .output(z.object({ items: z.array(ZTopic).describe("Topics, oldest first") }))
    .query(async ({ ctx, input }) => ({ items: await listTopics({ ctx: ctx.svc, input }) })),

  create: workspaceProcedure({ scope: "admin", role: "admin" })
    .meta({
      openapi: {
        method: "POST",
        path: "/topics",
        tags: TAGS,
        summary: "Create a topic",
        description: "409 when the key exists.",
        protect: true,
      },
    })
    .input(ZCreateTopicInput)
    .output(ZTopic)
    .mutation(({ ctx, input }) => createTopic({ ctx: ctx.svc, input })),

  update: workspaceProcedure({ scope: "admin", role: "admin" })
    .input(ZUpdateTopicInput)
    .output(ZTopic)
    .mutation(({ ctx, input }) => updateTopic({ ctx: ctx.svc, input })),
});
