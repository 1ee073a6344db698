import { initialsFor } from "@/components/ui/initials";
import { DEFAULT_ACCENT_COLOR } from "@/server/shared/workspace-profile";

/**
 * The one look of every page a contact reaches without signing in: hosted forms and their
 * confirmation pages (plain HTML from route handlers, components/hosted/document.ts) and the
 * unsubscribe and preference pages (React, components/preferences/link-page-shell.tsx). Both read
 * their colours, type, card and footer from here, and take the accent from the workspace's brand.
 * Pure values and functions: the browser (the form builder's preview) loads this module too.
 */

/** What a hosted page shows of its workspace (the subset of `WorkspaceBrand` the pages use). */
export interface HostedBrand {
  name: string;
  /** "#rrggbb", dark enough for white text on it (readableAccent in server/shared/workspace-profile.ts). */
  accentColor: string;
  /** An https URL or a path on this site (`/brand/{id}/logo`); null: the name's initials on the accent. */
  logoSrc: string | null;
}

export const PRODUCT_NAME = "OptIn Manager";

/** The product's own brand: pages that cannot tell which workspace they belong to (an unknown link). */
export const PRODUCT_BRAND: HostedBrand = { name: PRODUCT_NAME, accentColor: DEFAULT_ACCENT_COLOR, logoSrc: null };

export const POWERED_BY = `Powered by ${PRODUCT_NAME}`;

/**
 * Light only, whatever the visitor's system theme: the same page inside another site's iframe,
 * in a mail client's browser and on its own. Text colours are at least 4.5:1 on both the page and
 * the card (WCAG AA); `control` (input borders) is 3:1 on white.
 */
export const HOSTED_COLORS = {
  page: "#f4f4f5",
  card: "#ffffff",
  text: "#18181b",
  muted: "#52525b",
  border: "#e4e4e7",
  control: "#8e8e97",
  subtle: "#fafafa",
  danger: "#b91c1c",
  success: "#166534",
} as const;

export const HOSTED_FONT =
  'ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
export const HOSTED_CARD = {
  radius: "16px",
  shadow: "0 1px 2px rgb(0 0 0 / 0.04), 0 12px 32px -12px rgb(0 0 0 / 0.08)",
} as const;

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

/** A logo source the pages may load: https URLs and same-site paths, nothing else (no `//host`, no `data:`). */
function safeLogoSrc(src: string | null | undefined): string | null {
  if (!src) return null;
  if (src.startsWith("https://")) return src;
  if (src.startsWith("/") && !src.startsWith("//") && !src.startsWith("/\\")) return src;
  return null;
}

/**
 * The brand a page shows: the workspace's, or the product's when there is none. The colour and the
 * logo are checked again here because the HTML pages put them into CSS and attributes.
 */
export function hostedBrand(brand: Partial<HostedBrand> | null | undefined): HostedBrand {
  if (!brand?.name?.trim()) return PRODUCT_BRAND;
  return {
    name: brand.name.trim(),
    accentColor:
      brand.accentColor && HEX_COLOR.test(brand.accentColor) ? brand.accentColor.toLowerCase() : DEFAULT_ACCENT_COLOR,
    logoSrc: safeLogoSrc(brand.logoSrc),
  };
}

/** Up to two letters for the badge shown when the workspace has no logo. */
export function brandInitials(name: string): string {
  return initialsFor(name) || "•";
}

/** CSS custom properties of a hosted page; the accent is `--hosted-accent`. */
export function hostedCssVariables(brand: HostedBrand): Record<string, string> {
  return {
    "--hosted-accent": brand.accentColor,
    "--hosted-accent-fg": "#ffffff",
    "--hosted-page": HOSTED_COLORS.page,
    "--hosted-card": HOSTED_COLORS.card,
    "--hosted-text": HOSTED_COLORS.text,
    "--hosted-muted": HOSTED_COLORS.muted,
    "--hosted-border": HOSTED_COLORS.border,
    "--hosted-control": HOSTED_COLORS.control,
    "--hosted-subtle": HOSTED_COLORS.subtle,
    "--hosted-danger": HOSTED_COLORS.danger,
    "--hosted-success": HOSTED_COLORS.success,
  };
}
