import { pdfResponse } from "@/server/api/pdf-response";
import { authorizeRoute, errorResponse, jsonError } from "@/server/api/route-auth";
import { renderCampaignReportPdf } from "@/server/services/reports";

export const dynamic = "force-dynamic";

/**
 * `GET /api/campaigns/{id}/report.pdf[?runId=…]`: the campaign's report as a PDF (funnel, rates,
 * per-hour activity, top links, blocked reasons, unsubscribes, A/B variants with the p-value).
 * Counts only, no personal data. Whoever may read campaigns (viewer and up, or a key with
 * `campaigns:read`); 404 for a campaign or run not of the workspace.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "campaigns:read", role: "viewer" });
  if (!authorized.ok) return authorized.response;
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) return jsonError(404, "Campaign not found", "NOT_FOUND");
  const runId = new URL(req.url).searchParams.get("runId") ?? undefined;
  try {
    const { pdf, filename } = await renderCampaignReportPdf({ ctx: authorized.ctx, input: { id, runId } });
    return pdfResponse(pdf, filename);
  } catch (error) {
    return errorResponse(error);
  }
}
