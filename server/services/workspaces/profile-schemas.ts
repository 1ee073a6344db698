import { z } from "zod";
import { LOGO_CONTENT_TYPES, MAX_LOGO_BYTES, ZWorkspaceProfile } from "@/server/shared/workspace-profile";

export const ZUpdateWorkspaceProfileInput = ZWorkspaceProfile;
export type TUpdateWorkspaceProfileInput = z.input<typeof ZUpdateWorkspaceProfileInput>;

export const ZWorkspaceProfileView = z.object({
  senderName: z.string().nullable(),
  replyTo: z.string().nullable(),
  postalAddress: z.string().nullable(),
  accentColor: z.string().nullable(),
  logoUrl: z.string().nullable(),
  /** The uploaded logo on this origin (null: none uploaded). */
  uploadedLogoSrc: z.string().nullable(),
  /** What applies when a field is unset: the server's EMAIL_FROM and POSTAL_ADDRESS. */
  defaults: z.object({ from: z.string(), postalAddress: z.string().nullable() }),
  /** The From an email of this workspace carries now. */
  from: z.string(),
});
export type TWorkspaceProfileView = z.infer<typeof ZWorkspaceProfileView>;

export const ZSetWorkspaceLogoInput = z.object({
  contentType: z.enum(LOGO_CONTENT_TYPES, { error: "Upload a PNG, JPEG, GIF, WebP or SVG image" }),
  /** The image, base64-encoded. */
  data: z
    .string()
    .min(1, "Choose an image")
    .max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 4, `The logo must be ${MAX_LOGO_BYTES / 1024} KB or smaller`)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, "The image could not be read"),
});
export type TSetWorkspaceLogoInput = z.infer<typeof ZSetWorkspaceLogoInput>;
