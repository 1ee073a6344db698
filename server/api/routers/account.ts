import { changePassword, updateProfile, ZChangePasswordInput, ZUpdateProfileInput } from "@/server/services/users";
import { createTRPCRouter, memberProcedure } from "../trpc";

/** The signed-in person's own account (admin UI only). */
export const accountRouter = createTRPCRouter({
  updateProfile: memberProcedure("viewer")
    .input(ZUpdateProfileInput)
    .mutation(({ ctx, input }) => updateProfile({ ctx: ctx.svc, input })),
  changePassword: memberProcedure("viewer")
    .input(ZChangePasswordInput)
    .mutation(async ({ ctx, input }) => {
      const { changed, sessionVersion } = await changePassword({ ctx: ctx.svc, input });
      // Every other session of the user is now stale; this one continues at the new version.
      if (ctx.svc.actor.type === "user") await ctx.renewSession?.(ctx.svc.actor.userId, sessionVersion);
      return { changed };
    }),
});
