import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";

import { THEME_SCRIPT } from "@/components/layout/theme";
import { Toaster } from "@/components/ui/toaster";

import "./globals.css";

export const metadata: Metadata = {
  title: {
    default: "OptIn Manager",
    template: "%s · OptIn Manager",
  },
  description: "Consent-first messaging: text and email people only with their permission, and prove it.",
};

export const viewport: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#0f1115" },
  ],
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // The page's script nonce (proxy.ts): the only inline script that runs is one carrying it.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* Sets the `dark` class before first paint (see components/layout/theme.ts). */}
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        {children}
        <Toaster />
      </body>
    </html>
  );
}
