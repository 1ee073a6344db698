export { createImport, IMPORT_CONSENT_ACCESS } from "./create-import";
export { exportContactsCsv, EXPORT_COLUMNS, ZExportContactsFilter } from "./export-contacts-csv";
export { getImport } from "./get-import";
export { listImports } from "./list-imports";
export { previewCsv } from "./preview-csv";
export { recoverInterruptedImports } from "./recover-interrupted-imports";
export { rejectionsCsv } from "./rejections-csv";
export { resumeImport } from "./resume-import";
export { resumeImportUpload } from "./resume-import-upload";
export { runImport, type TRunImportInput } from "./run-import";
export { waitForImportResumes } from "./import-runs";
export type { ImportSource } from "./import-files";
export { iterableToStream } from "./csv-stream";
export {
  ZCreateImportInput,
  ZImport,
  ZImportMapping,
  ZListImportsInput,
  ZPreviewCsvInput,
  ZPreviewCsvOutput,
  type TCreateImportInput,
  type TImport,
  type TImportMapping,
  type TPreviewCsvOutput,
} from "./schemas";
// The import's building blocks, for the import benchmark (bench/import.ts) and its seeding.
export { csvRecords } from "./csv-records";
export { IMPORT_BATCH_SIZE } from "./run-steps";
export { buildColumnIndex, prepareBatch, type RawRecord } from "./prepare-rows";
export { importWorkerCount } from "./prepare-pool";
export { AddressSeenMap } from "./address-seen-map";
export { BlindIndexer, PiiBatchEncryptor } from "./pii-batch";
