export { eraseContact, ZEraseContactInput, type TEraseContactInput } from "./erase-contact";
export {
  exportContact,
  EXPORT_FORMAT,
  ZContactExport,
  ZExportContactInput,
  type TContactExport,
} from "./export-contact";
export { findContacts } from "./find-contacts";
export { renderContactExportHtml } from "./render-contact-export";
export { getContact } from "./get-contact";
export {
  getContactDetail,
  ZChannelSuppression,
  ZConsentCell,
  ZContactDetail,
  ZContactDetailInput,
  type TConsentCell,
  type TContactDetail,
} from "./get-contact-detail";
export {
  getContactHistory,
  ZActivityEntry,
  ZConsentHistoryEntry,
  ZContactHistory,
  ZContactHistoryInput,
  type TActivityEntry,
  type TConsentHistoryEntry,
  type TContactHistory,
} from "./get-contact-history";
export { listContactTags } from "./list-contact-tags";
export {
  listContacts,
  CONSENT_FILTER_STATUSES,
  CONTACTS_PAGE_SIZE,
  ZConsentSummary,
  ZContactListItem,
  ZContactListPage,
  ZListContactsInput,
  type TContactListItem,
  type TContactListPage,
  type TListContactsInput,
} from "./list-contacts";
export { contactForActor } from "./mask-contact";
export { reencryptContacts } from "./reencrypt-contacts";
export { resolveSignupContacts, type SignupInput } from "./resolve-signup-contacts";
export { revealContact, ZRevealContactInput } from "./reveal-contact";
export {
  setContactConsent,
  MIN_CONSENT_NOTE_LENGTH,
  ZSetContactConsentInput,
  type TSetContactConsentInput,
} from "./set-contact-consent";
export { updateContact, ZUpdateContactInput, type TUpdateContactInput } from "./update-contact";
export { upsertContact } from "./upsert-contact";
export {
  ZContact,
  ZFindContactsInput,
  ZLocale,
  ZTimezone,
  ZUpsertContactInput,
  type TContact,
  type TUpsertContactInput,
} from "./schemas";
export { backfillSearchTokens } from "./backfill-search-tokens";
export { backfillPhoneCountries } from "./backfill-phone-countries";
