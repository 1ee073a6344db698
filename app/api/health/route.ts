import { checkHealth } from "@/server/services/health";

export const dynamic = "force-dynamic";

/** 200 `{status:"ok", db:"ok"}`; 503 with `db:"unreachable"` when the database does not answer. No auth. */
export async function GET() {
  const health = await checkHealth();
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
