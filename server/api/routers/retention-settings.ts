import {
  getRetentionSettings,
  updateRetentionSettings,
  ZRetentionSettings,
  ZUpdateRetentionSettingsInput,
} from "@/server/services/retention";
import { createTRPCRouter, memberProcedure } from "../trpc";

/** Settings → Data retention: how long each kind of data is kept before the nightly purge. */
export const retentionSettingsRouter = createTRPCRouter({
  get: memberProcedure("viewer")
    .output(ZRetentionSettings)
    .query(({ ctx }) => getRetentionSettings({ ctx: ctx.svc })),

  update: memberProcedure("admin")
    .input(ZUpdateRetentionSettingsInput)
    .output(ZRetentionSettings)
    .mutation(({ ctx, input }) => updateRetentionSettings({ ctx: ctx.svc, input })),
});
