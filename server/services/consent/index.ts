export { getConsentStates } from "./get-consent-states";
export { recordConsent } from "./record-consent";
export { recordConsentChange, type ConsentChange, type RecordedConsent } from "./record-consent-change";
export { withdrawConsentForReplacedAddress } from "./withdraw-consent-for-replaced-address";
export {
  ZConsentState,
  ZEvidence,
  ZGetConsentInput,
  ZRecordConsentInput,
  type TConsentState,
  type TEvidence,
  type TRecordConsentInput,
} from "./schemas";
