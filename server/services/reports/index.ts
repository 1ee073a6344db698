export { renderCampaignReportPdf } from "./render-campaign-report-pdf";
export { renderDashboardPdf, type RenderedPdf } from "./render-dashboard-pdf";
