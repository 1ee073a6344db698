import { authorizeRoute, errorResponse, jsonError } from "@/server/api/route-auth";
import { exportCampaignReportCsv } from "@/server/services/campaigns";

export const dynamic = "force-dynamic";

/**
 * `GET /api/campaigns/{id}/report.csv?section=funnel|hourly|links|blocked[&runId=…]`: one section
 * of the campaign's report as CSV (counts only, no personal data). Whoever may read campaigns
 * (viewer and up, or a key with `campaigns:read`). 400 for an unknown section, 404 for a campaign
 * or run not of the workspace.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "campaigns:read", role: "viewer" });
  if (!authorized.ok) return authorized.response;
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) return jsonError(404, "Campaign not found", "NOT_FOUND");
  const query = new URL(req.url).searchParams;
  const section = query.get("section") ?? "funnel";
  try {
    const csv = await exportCampaignReportCsv({
      ctx: authorized.ctx,
      input: { id, runId: query.get("runId") ?? undefined, section },
    });
    const date = authorized.ctx.now().toISOString().slice(0, 10);
    return new Response(csv, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="campaign-${id.slice(0, 8)}-${section}-${date}.csv"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
