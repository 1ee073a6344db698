import {
  getMessagingSettings,
  updateMessagingSettings,
  ZMessagingSettings,
  ZUpdateMessagingSettingsInput,
} from "@/server/services/policy";
import { createTRPCRouter, memberProcedure } from "../trpc";

/** Settings → Messaging: quiet hours, statutory rules, frequency caps and the workspace zone. */
export const messagingSettingsRouter = createTRPCRouter({
  get: memberProcedure("viewer")
    .output(ZMessagingSettings)
    .query(({ ctx }) => getMessagingSettings({ ctx: ctx.svc })),

  update: memberProcedure("admin")
    .input(ZUpdateMessagingSettingsInput)
    .output(ZMessagingSettings)
    .mutation(({ ctx, input }) => updateMessagingSettings({ ctx: ctx.svc, input })),
});
