export { createForm } from "./create-form";
export { updateForm } from "./update-form";
export { archiveForm } from "./archive-form";
export { getForm } from "./get-form";
export { listForms } from "./list-forms";
export { getPublicForm } from "./get-public-form";
export type { PublicForm } from "./get-public-form";
export { FormTokenError, submitForm, TOPIC_CHOICE_ERRORS } from "./submit-form";
export type { SubmitFormErrors, SubmitFormInput, SubmitFormResult } from "./submit-form";
export { ZArchiveFormInput, ZCreateFormInput, ZFormDetail, ZFormSummary, ZUpdateFormInput } from "./schemas";
export type {
  FormFieldName,
  TCreateFormInput,
  TFormDefinitionInput,
  TFormDetail,
  TFormSummary,
  TUpdateFormInput,
} from "./schemas";
