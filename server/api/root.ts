import { accountRouter } from "./routers/account";
import { analyticsRouter } from "./routers/analytics";
import { apiKeysRouter } from "./routers/api-keys";
import { auditRouter } from "./routers/audit";
import { campaignsRouter } from "./routers/campaigns";
import { contactsRouter } from "./routers/contacts";
import { importsRouter } from "./routers/imports";
import { formsRouter } from "./routers/forms";
import { membersRouter } from "./routers/members";
import { messagingSettingsRouter } from "./routers/messaging-settings";
import { messageHistoryRouter } from "./routers/message-history";
import { messagesRouter } from "./routers/messages";
import { notificationsRouter } from "./routers/notifications";
import { reportsRouter } from "./routers/reports";
import { segmentsRouter } from "./routers/segments";
import { suppressionsRouter } from "./routers/suppressions";
import { templatesRouter } from "./routers/templates";
import { topicsRouter } from "./routers/topics";
import { retentionSettingsRouter } from "./routers/retention-settings";
import { trackingSettingsRouter } from "./routers/tracking-settings";
import { workspaceRouter } from "./routers/workspace";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  account: accountRouter,
  analytics: analyticsRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  campaigns: campaignsRouter,
  contacts: contactsRouter,
  imports: importsRouter,
  forms: formsRouter,
  members: membersRouter,
  messagingSettings: messagingSettingsRouter,
  messageHistory: messageHistoryRouter,
  messages: messagesRouter,
  notifications: notificationsRouter,
  segments: segmentsRouter,
  suppressions: suppressionsRouter,
  reports: reportsRouter,
  templates: templatesRouter,
  topics: topicsRouter,
  retentionSettings: retentionSettingsRouter,
  trackingSettings: trackingSettingsRouter,
  workspace: workspaceRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
