import {
  countUnreadNotifications,
  getNotificationPreferences,
  listNotifications,
  markAllNotificationsRead,
  markNotificationsRead,
  updateNotificationPreferences,
  ZListNotificationsInput,
  ZMarkNotificationsReadInput,
  ZUpdateNotificationPreferencesInput,
} from "@/server/services/notifications";
import { createTRPCRouter, memberProcedure } from "../trpc";

/**
 * The signed-in member's own notifications and notification preferences (admin UI only: an API
 * key is no member, so it has none). Every role, viewers too.
 */
export const notificationsRouter = createTRPCRouter({
  list: memberProcedure("viewer")
    .input(ZListNotificationsInput)
    .query(({ ctx, input }) => listNotifications({ ctx: ctx.svc, input })),
  unreadCount: memberProcedure("viewer").query(({ ctx }) => countUnreadNotifications({ ctx: ctx.svc })),
  markRead: memberProcedure("viewer")
    .input(ZMarkNotificationsReadInput)
    .mutation(({ ctx, input }) => markNotificationsRead({ ctx: ctx.svc, input })),
  markAllRead: memberProcedure("viewer").mutation(({ ctx }) => markAllNotificationsRead({ ctx: ctx.svc })),
  preferences: memberProcedure("viewer").query(({ ctx }) => getNotificationPreferences({ ctx: ctx.svc })),
  updatePreferences: memberProcedure("viewer")
    .input(ZUpdateNotificationPreferencesInput)
    .mutation(({ ctx, input }) => updateNotificationPreferences({ ctx: ctx.svc, input })),
});
