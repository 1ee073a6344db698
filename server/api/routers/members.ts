import { z } from "zod";
import {
  acceptInvitation,
  inviteMember,
  listInvitations,
  previewInvitation,
  revokeInvitation,
  ZAcceptInvitationInput,
  ZInvitation,
  ZInviteMemberInput,
} from "@/server/services/invitations";
import {
  changeMemberRole,
  listMembers,
  removeMember,
  ZChangeMemberRoleInput,
  ZMember,
  ZRemoveMemberInput,
} from "@/server/services/members";
import { createTRPCRouter, memberProcedure, publicProcedure } from "../trpc";

/** Settings → Members (admin UI only; not part of the REST API). */
export const membersRouter = createTRPCRouter({
  list: memberProcedure("viewer")
    .output(z.object({ members: z.array(ZMember), invitations: z.array(ZInvitation) }))
    .query(async ({ ctx }) => ({
      members: await listMembers({ ctx: ctx.svc }),
      invitations:
        ctx.membership.role === "owner" || ctx.membership.role === "admin"
          ? await listInvitations({ ctx: ctx.svc })
          : [],
    })),

  invite: memberProcedure("admin")
    .input(ZInviteMemberInput)
    .mutation(async ({ ctx, input }) => {
      const { invitation, inviteUrl, emailed, delivery } = await inviteMember({ ctx: ctx.svc, input });
      return { invitation, inviteUrl, emailed, delivery };
    }),

  revokeInvitation: memberProcedure("admin")
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => revokeInvitation({ ctx: ctx.svc, input })),

  changeRole: memberProcedure("admin")
    .input(ZChangeMemberRoleInput)
    .mutation(({ ctx, input }) => changeMemberRole({ ctx: ctx.svc, input })),

  remove: memberProcedure("admin")
    .input(ZRemoveMemberInput)
    .mutation(({ ctx, input }) => removeMember({ ctx: ctx.svc, input })),

  previewInvitation: publicProcedure.input(z.object({ token: z.string().min(1).max(200) })).query(({ ctx, input }) =>
    previewInvitation({
      ctx: { db: ctx.db, now: ctx.now, actor: { type: "system" } },
      input: { token: input.token },
    }),
  ),

  acceptInvitation: publicProcedure.input(ZAcceptInvitationInput).mutation(async ({ ctx, input }) => {
    const result = await acceptInvitation({
      ctx: { db: ctx.db, now: ctx.now, actor: { type: "system" }, requestId: ctx.requestId },
      input,
    });
    return { email: result.email };
  }),
});
