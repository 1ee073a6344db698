import * as React from "react";

import { cn } from "./cn";

function Skeleton({ className, ...props }: React.ComponentProps<"div">) {
  return (
    <div
      data-slot="skeleton"
      aria-hidden="true"
      className={cn("animate-pulse rounded-md bg-accent dark:bg-muted", className)}
      {...props}
    />
  );
}

export { Skeleton };
