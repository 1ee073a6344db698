import * as React from "react";

import {
  HOSTED_CARD,
  HOSTED_COLORS,
  HOSTED_FONT,
  POWERED_BY,
  brandInitials,
  hostedBrand,
  hostedCssVariables,
  type HostedBrand,
} from "@/components/hosted/theme";
import { cn } from "@/components/ui/cn";

/**
 * Hosted pages are light, like the hosted forms (components/hosted/document.ts), whatever the
 * visitor's system theme or a signed-in admin's choice: the root layout may have put `dark` on
 * <html> before this runs, so take it off again before the page paints.
 */
const LIGHT_ONLY_SCRIPT = `document.documentElement.classList.remove("dark");`;

/**
 * The design tokens the UI primitives (Button, Switch, Badge, Alert, inputs) read, set to the hosted
 * palette: buttons, switches, links and focus rings take the workspace's accent (`--hosted-accent`).
 */
function shellStyle(brand: HostedBrand): React.CSSProperties {
  return {
    ...hostedCssVariables(brand),
    "--background": HOSTED_COLORS.card,
    "--foreground": HOSTED_COLORS.text,
    "--card": HOSTED_COLORS.card,
    "--card-foreground": HOSTED_COLORS.text,
    "--popover": HOSTED_COLORS.card,
    "--popover-foreground": HOSTED_COLORS.text,
    "--primary": "var(--hosted-accent)",
    "--primary-foreground": "var(--hosted-accent-fg)",
    "--ring": "var(--hosted-accent)",
    "--muted": HOSTED_COLORS.page,
    "--muted-foreground": HOSTED_COLORS.muted,
    "--secondary": HOSTED_COLORS.page,
    "--secondary-foreground": HOSTED_COLORS.text,
    "--accent": HOSTED_COLORS.page,
    "--accent-foreground": HOSTED_COLORS.text,
    "--border": HOSTED_COLORS.border,
    "--input": HOSTED_COLORS.control,
    "--destructive": HOSTED_COLORS.danger,
    "--success": HOSTED_COLORS.success,
    "--success-foreground": "#ffffff",
    "--warning": "#92400e",
    "--warning-foreground": "#ffffff",
    colorScheme: "light",
    background: "var(--hosted-page)",
    color: "var(--hosted-text)",
    fontFamily: HOSTED_FONT,
  } as React.CSSProperties;
}

/** The workspace's logo (alt = its name) or its initials on the accent colour, then its name. */
export function BrandHeader({ brand }: { brand: HostedBrand }) {
  return (
    <header className="px-4 pt-10 pb-6 sm:pt-12">
      <div className="flex items-center justify-center gap-3">
        {brand.logoSrc ? (
          // A plain <img>: a logo from settings may live on any https host (next/image needs each one configured).
          <img src={brand.logoSrc} alt={brand.name} className="block h-9 w-auto max-w-40 object-contain" />
        ) : (
          <span
            aria-hidden="true"
            className="inline-flex size-9 shrink-0 items-center justify-center rounded-[10px] text-sm font-semibold tracking-wide"
            style={{ background: "var(--hosted-accent)", color: "var(--hosted-accent-fg)" }}
          >
            {brandInitials(brand.name)}
          </span>
        )}
        <span className="text-base font-semibold tracking-tight" data-testid="workspace-name">
          {brand.name}
        </span>
      </div>
    </header>
  );
}

/**
 * The frame of the pages a contact reaches from a message (unsubscribe, preference center), the
 * same as the hosted forms': the workspace's brand above, no app chrome, no sign-in, "Powered by"
 * below. `brand` null: the product's own (a link that names no workspace).
 */
export function LinkPageShell({
  brand: given,
  nonce,
  children,
  width = "narrow",
}: {
  brand: HostedBrand | null;
  /** This request's script nonce (proxy.ts), for the light-only script. */
  nonce?: string;
  children: React.ReactNode;
  width?: "narrow" | "wide";
}) {
  const brand = hostedBrand(given);
  return (
    <div className="flex min-h-svh flex-col text-[15px] antialiased" style={shellStyle(brand)}>
      <script nonce={nonce} dangerouslySetInnerHTML={{ __html: LIGHT_ONLY_SCRIPT }} />
      <BrandHeader brand={brand} />
      <main
        className={cn("mx-auto w-full flex-1 px-4 pb-6 sm:px-6", width === "narrow" ? "max-w-[472px]" : "max-w-2xl")}
      >
        {children}
      </main>
      <footer className="px-4 pt-2 pb-8 text-center text-xs" style={{ color: "var(--hosted-muted)" }}>
        {POWERED_BY}
      </footer>
    </div>
  );
}

/** The white card the content sits on (the same card as the hosted forms'). */
export function LinkCard({ className, style, ...props }: React.ComponentProps<"section">) {
  return (
    <section
      className={cn("overflow-hidden border bg-card text-card-foreground", className)}
      style={{ borderRadius: HOSTED_CARD.radius, boxShadow: HOSTED_CARD.shadow, ...style }}
      {...props}
    />
  );
}

export const CHANNEL_LABEL = { email: "Email", sms: "Text messages" } as const;
/** How a sentence names a channel's messages: "You won't get Newsletter emails / texts". */
export const CHANNEL_NOUN = { email: "emails", sms: "texts" } as const;
