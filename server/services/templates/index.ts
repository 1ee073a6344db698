export { createTemplate } from "./create-template";
export { updateTemplate } from "./update-template";
export { archiveTemplate } from "./archive-template";
export { restoreTemplateVersion } from "./restore-template-version";
export { getTemplate, ZGetTemplateInput } from "./get-template";
export { listTemplates } from "./list-templates";
export { renderPreview, ZRenderPreview, ZRenderPreviewInput } from "./render-preview";
export type { TRenderPreview, TRenderPreviewInput } from "./render-preview";
export { ensureDefaultTemplatesEverywhere } from "./ensure-default-templates-everywhere";
export {
  ZArchiveTemplateInput,
  ZCreateTemplateInput,
  ZListTemplatesInput,
  ZRestoreTemplateVersionInput,
  ZTemplateDetail,
  ZTemplateSummary,
  ZUpdateTemplateInput,
} from "./schemas";
export type {
  TArchiveTemplateInput,
  TComplianceProblem,
  TComplianceResult,
  TCreateTemplateInput,
  TListTemplatesInput,
  TRestoreTemplateVersionInput,
  TTemplateDetail,
  TTemplateSummary,
  TTemplateVersion,
  TUpdateTemplateInput,
} from "./schemas";
