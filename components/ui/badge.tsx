import * as React from "react";
import { Slot } from "radix-ui";
import { cva, type VariantProps } from "class-variance-authority";

import { cn } from "./cn";

const badgeVariants = cva(
  "inline-flex w-fit shrink-0 items-center justify-center gap-1 overflow-hidden rounded-md border px-2 py-0.5 text-xs font-medium whitespace-nowrap transition-[color,box-shadow] focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 aria-invalid:border-destructive [&>svg]:pointer-events-none [&>svg]:size-3",
  {
    variants: {
      variant: {
        default: "border-transparent bg-primary text-primary-foreground [a&]:hover:bg-primary/90",
        secondary: "border-transparent bg-secondary text-secondary-foreground [a&]:hover:bg-secondary/90",
        destructive:
          "border-destructive/20 bg-destructive/10 text-destructive dark:border-destructive/30 dark:bg-destructive/15",
        outline: "text-foreground [a&]:hover:bg-accent [a&]:hover:text-accent-foreground",
        /** Consent granted / delivered / active. */
        success: "border-success/20 bg-success/10 text-success dark:border-success/25 dark:bg-success/12",
        /** Pending / awaiting confirmation. */
        warning: "border-warning/25 bg-warning/10 text-warning dark:bg-warning/12",
        /** Neutral information / scheduled. */
        info: "border-info/20 bg-info/10 text-info dark:border-info/25 dark:bg-info/12",
        /** Muted / archived / draft. */
        muted: "border-border bg-muted text-muted-foreground",
      },
    },
    defaultVariants: {
      variant: "default",
    },
  },
);

type BadgeProps = React.ComponentProps<"span"> &
  VariantProps<typeof badgeVariants> & {
    asChild?: boolean;
    /** Prefix a small status dot in the current colour. */
    dot?: boolean;
  };

function Badge({ className, variant, asChild = false, dot = false, children, ...props }: BadgeProps) {
  const Comp = asChild ? Slot.Root : "span";

  return (
    <Comp data-slot="badge" className={cn(badgeVariants({ variant }), className)} {...props}>
      {dot && !asChild ? <span aria-hidden="true" className="size-1.5 shrink-0 rounded-full bg-current" /> : null}
      {children}
    </Comp>
  );
}

export { Badge, badgeVariants, type BadgeProps };
