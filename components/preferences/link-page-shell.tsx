import * as React from "react";

import { LogoMark } from "@/components/layout/logo";
import { cn } from "@/components/ui/cn";
import { initialsFor } from "@/components/ui/initials";

/**
 * The frame of the pages a contact reaches from a message (unsubscribe, preference center): the
 * workspace's name as the brand, no app chrome, no sign-in, a quiet "powered by" line.
 */
export function LinkPageShell({
  workspaceName,
  children,
  width = "narrow",
}: {
  workspaceName: string;
  children: React.ReactNode;
  width?: "narrow" | "wide";
}) {
  return (
    <div className="relative isolate flex min-h-svh flex-col bg-muted/40 dark:bg-background">
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-x-0 top-0 -z-10 h-80 bg-[radial-gradient(60%_100%_at_50%_0%,color-mix(in_oklab,var(--primary)_10%,transparent),transparent)]"
      />
      <header className="px-4 pt-8 pb-6 sm:pt-12 sm:pb-8">
        <div className="flex items-center justify-center gap-3">
          <span
            aria-hidden="true"
            className="inline-flex size-9 shrink-0 items-center justify-center rounded-xl bg-foreground text-sm font-semibold text-background shadow-sm"
          >
            {initialsFor(workspaceName)}
          </span>
          <span className="text-base font-semibold tracking-tight" data-testid="workspace-name">
            {workspaceName}
          </span>
        </div>
      </header>
      <main
        className={cn("mx-auto w-full flex-1 px-4 pb-10 sm:px-6", width === "narrow" ? "max-w-[440px]" : "max-w-2xl")}
      >
        {children}
      </main>
      <footer className="flex items-center justify-center gap-2 px-4 pb-8 text-xs text-muted-foreground">
        <LogoMark className="size-4 rounded-[5px]" />
        <span>Consent managed with OptIn Manager</span>
      </footer>
    </div>
  );
}

/** The white card the content sits on. */
export function LinkCard({ className, ...props }: React.ComponentProps<"section">) {
  return (
    <section
      className={cn(
        "overflow-hidden rounded-xl border bg-card text-card-foreground shadow-[0_1px_2px_rgb(0_0_0/0.04),0_8px_24px_-12px_rgb(0_0_0/0.12)]",
        className,
      )}
      {...props}
    />
  );
}

export const CHANNEL_LABEL = { email: "Email", sms: "Text messages" } as const;
export const CHANNEL_NOUN = { email: "emails", sms: "text messages" } as const;
