import * as React from "react";

import { cn } from "@/components/ui/cn";

import { Logo } from "./logo";

export type AuthCardProps = {
  title: React.ReactNode;
  description?: React.ReactNode;
  children?: React.ReactNode;
  /** Bottom strip inside the card, e.g. "Already have an account? Sign in". */
  footer?: React.ReactNode;
  /** Small print below the card (terms, privacy). */
  note?: React.ReactNode;
  /** Applied to the full-page wrapper (defaults to min-h-svh, centred). */
  className?: string;
};

/** Centred card page for sign-in, invitation and similar signed-out screens. */
export function AuthCard({ title, description, children, footer, note, className }: AuthCardProps) {
  return (
    <div
      data-slot="auth-card"
      className={cn(
        "relative isolate flex min-h-svh flex-col items-center justify-center overflow-hidden bg-muted/40 px-4 py-10 sm:px-6 sm:py-16 dark:bg-background",
        className,
      )}
    >
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-x-0 top-0 -z-10 h-[28rem] bg-[radial-gradient(60%_100%_at_50%_0%,color-mix(in_oklab,var(--primary)_13%,transparent),transparent)]"
      />
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-0 -z-10 bg-[linear-gradient(to_right,var(--border)_1px,transparent_1px),linear-gradient(to_bottom,var(--border)_1px,transparent_1px)] [mask-image:radial-gradient(60%_50%_at_50%_0%,black,transparent)] bg-[size:32px_32px] opacity-60"
      />

      <div className="w-full max-w-[400px]">
        <div className="mb-8 flex justify-center">
          <Logo className="text-base" markClassName="size-9 rounded-xl" />
        </div>

        <div className="overflow-hidden rounded-xl border bg-card text-card-foreground shadow-[0_1px_2px_rgb(0_0_0/0.04),0_8px_24px_-12px_rgb(0_0_0/0.12)]">
          <div className="px-6 pt-7 pb-6 sm:px-8 sm:pt-8 sm:pb-8">
            <div className="text-center">
              <h1 className="text-xl font-semibold tracking-tight text-balance">{title}</h1>
              {description ? <p className="mt-2 text-sm text-pretty text-muted-foreground">{description}</p> : null}
            </div>
            {children ? <div className="mt-6">{children}</div> : null}
          </div>
          {footer ? (
            <div className="border-t bg-muted/40 px-6 py-4 text-center text-sm text-muted-foreground sm:px-8 [&_a]:font-medium [&_a]:text-foreground [&_a]:underline-offset-4 [&_a:hover]:underline">
              {footer}
            </div>
          ) : null}
        </div>

        {note ? (
          <p className="mt-6 px-4 text-center text-xs text-pretty text-muted-foreground [&_a]:underline [&_a]:underline-offset-4 [&_a:hover]:text-foreground">
            {note}
          </p>
        ) : null}
      </div>
    </div>
  );
}
