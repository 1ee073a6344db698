import type { workspaces } from "@/db/schema";
import type { TWorkspace } from "./schemas";

export function toWorkspace(row: typeof workspaces.$inferSelect): TWorkspace {
  return { id: row.id, name: row.name, slug: row.slug, defaultRegion: row.defaultRegion, createdAt: row.createdAt };
}
