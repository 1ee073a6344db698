import { z } from "zod";
import { API_KEY_SCOPES } from "@/server/services/context";
import {
  createWorkspace,
  getWorkspace,
  getSeedList,
  getWorkspaceProfile,
  removeWorkspaceLogo,
  setWorkspaceLogo,
  updateSeedList,
  updateWorkspace,
  updateWorkspaceProfile,
  ZCreateWorkspaceInput,
  ZSeedList,
  ZSetWorkspaceLogoInput,
  ZUpdateSeedListInput,
  ZUpdateWorkspaceInput,
  ZUpdateWorkspaceProfileInput,
  ZWorkspace,
  ZWorkspaceProfileView,
} from "@/server/services/workspaces";
import { createTRPCRouter, memberProcedure, workspaceProcedure } from "../trpc";

const ZWhoAmI = z.object({
  workspace: ZWorkspace.describe("The workspace the key belongs to; every id in the API is scoped to it"),
  caller: z
    .discriminatedUnion("type", [
      z.object({
        type: z
          .literal("apiKey")
          .describe("apiKey: the request was authenticated with an API key (always the case over REST)"),
        apiKeyId: z.uuid().describe("Id of the API key used"),
        scopes: z.array(z.enum(API_KEY_SCOPES)).describe("Scopes of the key; admin covers every other scope"),
      }),
      z.object({
        type: z.literal("user").describe("user: a signed-in member of the admin UI (tRPC only)"),
        userId: z.uuid().describe("Id of the signed-in user"),
        role: z.string().describe("The member's role in the workspace: owner, admin, marketer or viewer"),
      }),
    ])
    .describe("Who is calling"),
});

export const workspaceRouter = createTRPCRouter({
  /** Who is calling and in which workspace: the first call to make with a new key. */
  me: workspaceProcedure({ scope: null, role: "viewer" })
    .meta({
      openapi: {
        method: "GET",
        path: "/me",
        tags: ["Workspace"],
        summary: "The key's workspace and scopes",
        description: "Answers for any valid key, whatever its scopes.",
        protect: true,
      },
    })
    .input(z.object({}).optional())
    .output(ZWhoAmI)
    .query(async ({ ctx }) => {
      const actor = ctx.svc.actor;
      const caller =
        actor.type === "apiKey"
          ? { type: "apiKey" as const, apiKeyId: actor.apiKeyId, scopes: actor.scopes }
          : {
              type: "user" as const,
              userId: actor.type === "user" ? actor.userId : "",
              role: actor.type === "user" ? actor.role : "",
            };
      return { workspace: await getWorkspace({ ctx: ctx.svc }), caller };
    }),

  /** The signed-in member's view: user, role, current workspace and the others they can switch to. */
  current: memberProcedure("viewer").query(({ ctx }) => ctx.membership),

  get: memberProcedure("viewer")
    .output(ZWorkspace)
    .query(({ ctx }) => getWorkspace({ ctx: ctx.svc })),

  update: memberProcedure("admin")
    .input(ZUpdateWorkspaceInput)
    .output(ZWorkspace)
    .mutation(({ ctx, input }) => updateWorkspace({ ctx: ctx.svc, input })),

  /** Sender name, reply-to, postal address and hosted-page brand, with the server defaults. */
  profile: memberProcedure("viewer")
    .output(ZWorkspaceProfileView)
    .query(({ ctx }) => getWorkspaceProfile({ ctx: ctx.svc })),

  updateProfile: memberProcedure("admin")
    .input(ZUpdateWorkspaceProfileInput)
    .mutation(({ ctx, input }) => updateWorkspaceProfile({ ctx: ctx.svc, input })),

  setLogo: memberProcedure("admin")
    .input(ZSetWorkspaceLogoInput)
    .mutation(({ ctx, input }) => setWorkspaceLogo({ ctx: ctx.svc, input })),

  removeLogo: memberProcedure("admin").mutation(({ ctx }) => removeWorkspaceLogo({ ctx: ctx.svc })),

  /** The seed list: addresses that get a copy of every campaign run (masked for viewers). */
  seedList: memberProcedure("viewer")
    .output(ZSeedList)
    .query(({ ctx }) => getSeedList({ ctx: ctx.svc })),

  updateSeedList: memberProcedure("admin")
    .input(ZUpdateSeedListInput)
    .output(ZSeedList)
    .mutation(({ ctx, input }) => updateSeedList({ ctx: ctx.svc, input })),

  /** A new workspace: any signed-in user (who becomes its owner) or a key with `admin`. */
  create: workspaceProcedure({ scope: "admin", role: "viewer" })
    .meta({
      openapi: {
        method: "POST",
        path: "/workspaces",
        tags: ["Workspace"],
        summary: "Create a workspace",
        description:
          "Creates a workspace with the default topics and templates. Needs the `admin` scope. The owners of the key's workspace become the new workspace's owners; the key stays bound to its own workspace (create a key in the new one from the admin UI). Not idempotent: each call creates a workspace.",
        protect: true,
      },
    })
    .input(ZCreateWorkspaceInput)
    .output(ZWorkspace)
    .mutation(({ ctx, input }) => createWorkspace({ ctx: ctx.svc, input })),
});
