import { authorizeRoute, errorResponse } from "@/server/api/route-auth";
import { exportCampaignComparisonCsv } from "@/server/services/campaigns";

export const dynamic = "force-dynamic";

/**
 * `GET /api/campaigns/compare.csv?ids=a,b[,…]`: two to five campaigns side by side as CSV, one row
 * each (funnel counts and rates). Whoever may read campaigns (viewer and up, or a key with
 * `campaigns:read`). 400 for a bad id list, 404 for a campaign not of the workspace.
 */
export async function GET(req: Request): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "campaigns:read", role: "viewer" });
  if (!authorized.ok) return authorized.response;
  const ids = new URL(req.url).searchParams.get("ids") ?? "";
  try {
    const csv = await exportCampaignComparisonCsv({ ctx: authorized.ctx, input: { ids } });
    const date = authorized.ctx.now().toISOString().slice(0, 10);
    return new Response(csv, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="campaign-comparison-${date}.csv"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
