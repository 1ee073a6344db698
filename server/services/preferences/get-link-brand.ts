import { verifyToken, type TokenPurpose } from "@/server/lib/tokens";
import type { PublicContext } from "../context";
import { getWorkspaceBrand, type WorkspaceBrand } from "../workspaces/get-workspace-brand";

/**
 * The brand of the workspace a contact link (`/u/{token}`, `/preferences/{token}`) belongs to, for
 * the page around it, including the page saying the link no longer works: an expired link still
 * names its workspace, so that page shows the workspace's logo and colour. Only a token we signed
 * counts (an altered or foreign one names nobody: null, and the page shows the product's brand).
 * Read-only; it grants nothing (the page's own verb checks the token, expiry included).
 */
export async function getLinkBrand({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { purpose: TokenPurpose; token: string };
}): Promise<WorkspaceBrand | null> {
  // Checked as of the epoch: the signature and layout must hold, an expiry in the past is ignored.
  const claims = verifyToken(input.purpose, input.token, { now: new Date(0) });
  if (!claims) return null;
  return getWorkspaceBrand({ ctx, input: { workspaceId: claims.workspaceId } });
}
