import { z } from "zod";

/**
 * How a workspace presents itself, stored in `workspaces.settings.profile`: the sender of its
 * email (name, reply-to), the postal address marketing email carries, and the brand of its hosted
 * pages (accent colour, logo by URL; an uploaded logo lives in `workspace_logos`). Every field is
 * optional: unset, the server's defaults apply (EMAIL_FROM's name, POSTAL_ADDRESS, the product's
 * accent).
 */
export interface WorkspaceProfile {
  /** Display name on outgoing email ("Acme News" <address of EMAIL_FROM>); default: EMAIL_FROM's name. */
  senderName: string | null;
  /** Reply-To of outgoing email; default: none (replies go to EMAIL_FROM). */
  replyTo: string | null;
  /** Postal address printed in marketing email; default: the POSTAL_ADDRESS environment variable. */
  postalAddress: string | null;
  /** Accent colour of the hosted pages, "#rrggbb"; default: the product's. */
  accentColor: string | null;
  /** An https URL of a logo image, used when no logo was uploaded. */
  logoUrl: string | null;
}

export const DEFAULT_ACCENT_COLOR = "#0f766e";
export const MAX_LOGO_BYTES = 256 * 1024;
export const LOGO_CONTENT_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"] as const;

const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v);

export const ZWorkspaceProfile = z.object({
  senderName: z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .max(80, "Use at most 80 characters for the sender name")
      .refine((v) => !/[<>"\r\n]/.test(v), "A sender name cannot contain <, >, quotes or line breaks")
      .nullable(),
  ),
  replyTo: z.preprocess(
    blankToNull,
    z.string().trim().toLowerCase().email("Enter an email address like name@example.com").max(254).nullable(),
  ),
  postalAddress: z.preprocess(
    blankToNull,
    z.string().trim().min(10, "Enter the full postal address: street, city and postcode").max(300).nullable(),
  ),
  accentColor: z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .regex(/^#[0-9a-fA-F]{6}$/, "Enter a colour like #0f766e")
      .transform((v) => v.toLowerCase())
      .nullable(),
  ),
  logoUrl: z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .max(2000)
      .url("Enter a full address starting with https://")
      .refine((v) => v.startsWith("https://"), "The logo address must start with https://")
      .nullable(),
  ),
});

export const EMPTY_PROFILE: WorkspaceProfile = {
  senderName: null,
  replyTo: null,
  postalAddress: null,
  accentColor: null,
  logoUrl: null,
};

/** Reads `settings.profile`, dropping anything that no longer validates (a bad value never breaks a page or a send). */
export function readWorkspaceProfile(settings: Record<string, unknown> | null | undefined): WorkspaceProfile {
  const raw = (settings?.profile ?? {}) as Record<string, unknown>;
  const out: WorkspaceProfile = { ...EMPTY_PROFILE };
  for (const key of Object.keys(EMPTY_PROFILE) as (keyof WorkspaceProfile)[]) {
    const parsed = ZWorkspaceProfile.shape[key].safeParse(raw[key] ?? null);
    if (parsed.success) out[key] = parsed.data as string | null;
  }
  return out;
}

/** Relative luminance contrast of white text on a colour; hosted pages darken the accent until it reaches 4.5:1. */
export function contrastWithWhite(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (l + 0.05);
}

/** The accent darkened (in steps of 5%) until white text on it is AA (4.5:1), so any chosen colour stays readable. */
export function readableAccent(hex: string | null | undefined): string {
  let color = hex && /^#[0-9a-fA-F]{6}$/.test(hex) ? hex.toLowerCase() : DEFAULT_ACCENT_COLOR;
  for (let i = 0; i < 20 && contrastWithWhite(color) < 4.5; i++) {
    const rgb = [1, 3, 5].map((j) => Math.round(parseInt(color.slice(j, j + 2), 16) * 0.95));
    color = `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
  }
  return color;
}

/** Where an uploaded logo is served: the hash in the query makes a new logo a new URL (cached for a year). */
export function uploadedLogoPath(workspaceId: string, sha256: string): string {
  return `/brand/${workspaceId}/logo?v=${sha256.slice(0, 16)}`;
}

/** `"Name" <address>`: a display name on the address of `emailFrom` (quotes, brackets and line breaks dropped). */
export function formatFrom(name: string, emailFrom: string): string {
  const match = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(emailFrom);
  const address = match ? match[1]! : emailFrom.trim();
  const clean = name
    .replace(/[\r\n"<>\\]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return clean ? `"${clean}" <${address}>` : emailFrom;
}
