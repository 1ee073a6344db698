import * as React from "react";

import { cn } from "@/components/ui/cn";

/** The OptIn Manager mark: a speech bubble carrying a check (consent granted). */
function LogoMark({ className, ...props }: React.ComponentProps<"span">) {
  return (
    <span
      data-slot="logo-mark"
      aria-hidden="true"
      className={cn(
        "inline-flex size-7 shrink-0 items-center justify-center rounded-lg bg-primary text-primary-foreground shadow-sm ring-1 ring-black/5 ring-inset dark:ring-white/10",
        className,
      )}
      {...props}
    >
      <svg viewBox="0 0 24 24" fill="none" className="size-[62%]">
        <path
          d="M5 6.5A2.5 2.5 0 0 1 7.5 4h9A2.5 2.5 0 0 1 19 6.5v7a2.5 2.5 0 0 1-2.5 2.5H11l-4.2 3.4c-.33.26-.8.03-.8-.39V16a2.5 2.5 0 0 1-1-2V6.5Z"
          fill="currentColor"
          fillOpacity="0.22"
          stroke="currentColor"
          strokeWidth="1.8"
          strokeLinejoin="round"
        />
        <path
          d="m8.75 10.25 2.1 2.1 4.4-4.4"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
    </span>
  );
}

/** Mark + "OptIn Manager" wordmark. */
function Logo({ className, markClassName, ...props }: React.ComponentProps<"span"> & { markClassName?: string }) {
  return (
    <span
      data-slot="logo"
      className={cn("inline-flex items-center gap-2.5 text-[15px] font-semibold tracking-tight", className)}
      {...props}
    >
      <LogoMark className={markClassName} />
      <span>
        OptIn <span className="text-muted-foreground">Manager</span>
      </span>
    </span>
  );
}

export { Logo, LogoMark };
