export { createSegment } from "./create-segment";
export { updateSegment } from "./update-segment";
export { archiveSegment } from "./archive-segment";
export { getSegment } from "./get-segment";
export { listSegments } from "./list-segments";
export { countSegment, DEFAULT_COUNT_WAIT_SECONDS } from "./count-segment";
export { previewSegmentContacts } from "./preview-segment-contacts";
export { countFilter } from "./count-filter";
export { previewFilter } from "./preview-filter";
export { listAttributeKeys } from "./list-attribute-keys";
export { COUNT_FRESH_MS, COUNT_STATEMENT_TIMEOUT_MS, FILTER_COUNT_TIMEOUT_MS } from "./count-runner";
export {
  SEGMENT_PREVIEW_PAGE_SIZE,
  ZArchiveSegmentInput,
  ZCountFilterInput,
  ZCountSegmentInput,
  ZCreateSegmentInput,
  ZFilterCount,
  ZGetSegmentInput,
  ZListSegmentsInput,
  ZPreviewFilterInput,
  ZPreviewSegmentContactsInput,
  ZSegment,
  ZSegmentContact,
  ZSegmentContactsPage,
  ZSegmentCount,
  ZUpdateSegmentInput,
} from "./schemas";
export type {
  TArchiveSegmentInput,
  TCountFilterInput,
  TCountSegmentInput,
  TCreateSegmentInput,
  TFilterCount,
  TGetSegmentInput,
  TListSegmentsInput,
  TPreviewFilterInput,
  TPreviewSegmentContactsInput,
  TSegment,
  TSegmentContact,
  TSegmentContactsPage,
  TSegmentCount,
  TUpdateSegmentInput,
} from "./schemas";
