import {
  getTrackingSettings,
  updateTrackingSettings,
  ZTrackingSettings,
  ZUpdateTrackingSettingsInput,
} from "@/server/services/tracking";
import { createTRPCRouter, memberProcedure } from "../trpc";

/** Settings → General: open and click tracking of marketing messages, and whether machine opens count. */
export const trackingSettingsRouter = createTRPCRouter({
  get: memberProcedure("viewer")
    .output(ZTrackingSettings)
    .query(({ ctx }) => getTrackingSettings({ ctx: ctx.svc })),

  update: memberProcedure("admin")
    .input(ZUpdateTrackingSettingsInput)
    .output(ZTrackingSettings)
    .mutation(({ ctx, input }) => updateTrackingSettings({ ctx: ctx.svc, input })),
});
