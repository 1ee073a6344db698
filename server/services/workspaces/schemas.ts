import { z } from "zod";

export const ZWorkspace = z.object({
  id: z.uuid().describe("Workspace id"),
  name: z.string().describe("Name of the workspace, also used as the brand in messages"),
  slug: z.string().describe("Short URL-safe name of the workspace, e.g. default"),
  defaultRegion: z.string().describe("ISO country used to read national phone numbers"),
  createdAt: z.date().describe("When the workspace was created (ISO 8601 UTC)"),
});
export type TWorkspace = z.infer<typeof ZWorkspace>;
