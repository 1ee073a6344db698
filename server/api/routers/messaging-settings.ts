import {
  getMessagingSettings,
  getSmsPricing,
  updateMessagingSettings,
  updateSmsPricing,
  ZMessagingSettings,
  ZSmsPricing,
  ZUpdateMessagingSettingsInput,
  ZUpdateSmsPricingInput,
} from "@/server/services/policy";
import { createTRPCRouter, memberProcedure } from "../trpc";

/** Settings → Messaging: quiet hours, statutory rules, frequency caps, the workspace zone and SMS prices. */
export const messagingSettingsRouter = createTRPCRouter({
  get: memberProcedure("viewer")
    .output(ZMessagingSettings)
    .query(({ ctx }) => getMessagingSettings({ ctx: ctx.svc })),

  update: memberProcedure("admin")
    .input(ZUpdateMessagingSettingsInput)
    .output(ZMessagingSettings)
    .mutation(({ ctx, input }) => updateMessagingSettings({ ctx: ctx.svc, input })),

  smsPricing: memberProcedure("viewer")
    .output(ZSmsPricing)
    .query(({ ctx }) => getSmsPricing({ ctx: ctx.svc })),

  updateSmsPricing: memberProcedure("admin")
    .input(ZUpdateSmsPricingInput)
    .output(ZSmsPricing)
    .mutation(({ ctx, input }) => updateSmsPricing({ ctx: ctx.svc, input })),
});
