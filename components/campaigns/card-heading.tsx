import * as React from "react";
import { cn } from "@/components/ui/cn";

/** A card's title as a real heading (level 2 under the page's h1), styled like `CardTitle`. */
export function CardHeading({ className, ...props }: React.ComponentProps<"h2">) {
  return (
    <h2 data-slot="card-title" className={cn("leading-none font-semibold tracking-tight", className)} {...props} />
  );
}
