export { addSuppression } from "./add-suppression";
export { exportSuppressionReportCsv } from "./export-suppression-report-csv";
export { getSuppressionReport } from "./get-suppression-report";
export { listSuppressions } from "./list-suppressions";
export { liftErasedSuppression, type TLiftErasedSuppressionInput } from "./lift-erased-suppression";
export { reencryptSuppressions } from "./reencrypt-suppressions";
export { removeSuppression } from "./remove-suppression";
export { suppressAddress, type TSuppressAddressInput } from "./suppress-address";
export {
  ZAddSuppressionInput,
  ZAddSuppressionResult,
  ZListSuppressionsInput,
  ZRemoveSuppressionInput,
  ZSuppression,
  ZSuppressionPage,
  ZSuppressionReport,
  ZSuppressionReportInput,
  type TAddSuppressionInput,
  type TListSuppressionsInput,
  type TSuppression,
  type TSuppressionPage,
  type TSuppressionReport,
  type TSuppressionReportInput,
} from "./schemas";
