import { changePassword, updateProfile, ZChangePasswordInput, ZUpdateProfileInput } from "@/server/services/users/account";
import { createTRPCRouter, memberProcedure } from "../trpc";

/** The signed-in person's own account (admin UI only). */
export const accountRouter = createTRPCRouter({
  updateProfile: memberProcedure("viewer")
    .input(ZUpdateProfileInput)
    .mutation(({ ctx, input }) => updateProfile({ ctx: ctx.svc, input })),
  changePassword: memberProcedure("viewer")
    .input(ZChangePasswordInput)
    .mutation(({ ctx, input }) => changePassword({ ctx: ctx.svc, input })),
});
