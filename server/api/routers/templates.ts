import { z } from "zod";
import {
  archiveTemplate,
  createTemplate,
  getTemplate,
  listTemplates,
  renderPreview,
  restoreTemplateVersion,
  updateTemplate,
  ZArchiveTemplateInput,
  ZCreateTemplateInput,
  ZGetTemplateInput,
  ZListTemplatesInput,
  ZRenderPreview,
  ZRenderPreviewInput,
  ZRestoreTemplateVersionInput,
  ZTemplateDetail,
  ZTemplateSummary,
  ZUpdateTemplateInput,
} from "@/server/services/templates";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

/** Members read from viewer up; a key that may send may look templates up. */
const read = workspaceProcedure({ scope: "messages:send", role: "viewer" });
/** Marketers and up edit; so does a key that manages campaigns. */
const write = workspaceProcedure({ scope: "campaigns:write", role: "marketer" });

/** Message templates (admin UI; not part of the public REST contract). */
export const templatesRouter = createTRPCRouter({
  list: read
    .input(ZListTemplatesInput)
    .output(z.object({ items: z.array(ZTemplateSummary) }))
    .query(async ({ ctx, input }) => ({ items: await listTemplates({ ctx: ctx.svc, input }) })),

  get: read
    .input(ZGetTemplateInput)
    .output(ZTemplateDetail)
    .query(({ ctx, input }) => getTemplate({ ctx: ctx.svc, input })),

  create: write
    .input(ZCreateTemplateInput)
    .output(ZTemplateDetail)
    .mutation(({ ctx, input }) => createTemplate({ ctx: ctx.svc, input })),

  /** Changed content becomes a new version. */
  update: write
    .input(ZUpdateTemplateInput)
    .output(ZTemplateDetail)
    .mutation(({ ctx, input }) => updateTemplate({ ctx: ctx.svc, input })),

  /** Copies an old version into a new live version. */
  restore: write
    .input(ZRestoreTemplateVersionInput)
    .output(ZTemplateDetail)
    .mutation(({ ctx, input }) => restoreTemplateVersion({ ctx: ctx.svc, input })),

  archive: write
    .input(ZArchiveTemplateInput)
    .output(ZTemplateDetail)
    .mutation(({ ctx, input }) => archiveTemplate({ ctx: ctx.svc, input })),

  /** Renders a draft (a POST: drafts can be large). With `contactId`: a key needs `contacts:read` too; viewers see the contact masked. */
  preview: read
    .input(ZRenderPreviewInput)
    .output(ZRenderPreview)
    .mutation(({ ctx, input }) => renderPreview({ ctx: ctx.svc, input })),
});
