export { createScheduledReport } from "./create-scheduled-report";
export { deleteScheduledReport } from "./delete-scheduled-report";
export { listScheduledReports, previewReportSchedule } from "./list-scheduled-reports";
export { renderCampaignReportPdf } from "./render-campaign-report-pdf";
export { renderDashboardPdf, type RenderedPdf } from "./render-dashboard-pdf";
export { reportRangeDays } from "./report-range";
export { upcomingSends } from "./schedule-rows";
export { DUE_REPORTS_BATCH, sendDueReports, type SendDueReportsResult } from "./send-due-reports";
export { updateScheduledReport } from "./update-scheduled-report";
export {
  ZCreateScheduledReportInput,
  ZPreviewReportScheduleInput,
  ZReportSchedulePreview,
  ZScheduledReport,
  ZScheduledReportIdInput,
  ZUpdateScheduledReportInput,
  type TScheduledReport,
} from "./schemas";
