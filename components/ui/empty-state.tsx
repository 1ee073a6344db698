import * as React from "react";

import { cn } from "./cn";

type EmptyStateProps = Omit<React.ComponentProps<"div">, "title"> & {
  /** A lucide icon component (e.g. `UsersIcon`) or any element. */
  icon?: React.ElementType | React.ReactElement;
  title: React.ReactNode;
  description?: React.ReactNode;
  /** Call to action, e.g. a <Button>. */
  action?: React.ReactNode;
  /** Drop the dashed border (e.g. when already inside a Card). */
  bare?: boolean;
};

function EmptyState({
  icon,
  title,
  description,
  action,
  bare = false,
  className,
  children,
  ...props
}: EmptyStateProps) {
  let iconNode: React.ReactNode = null;
  if (React.isValidElement(icon)) {
    iconNode = icon;
  } else if (icon) {
    const Icon = icon as React.ElementType;
    iconNode = <Icon aria-hidden="true" />;
  }

  return (
    <div
      data-slot="empty-state"
      className={cn(
        "flex flex-col items-center justify-center px-6 py-12 text-center text-balance",
        !bare && "rounded-xl border border-dashed bg-muted/20",
        className,
      )}
      {...props}
    >
      {iconNode ? (
        <div className="mb-4 flex size-11 items-center justify-center rounded-xl border bg-background text-muted-foreground shadow-xs [&_svg]:size-5">
          {iconNode}
        </div>
      ) : null}
      <h3 className="text-base font-semibold tracking-tight">{title}</h3>
      {description ? <p className="mt-1.5 max-w-sm text-sm text-muted-foreground">{description}</p> : null}
      {action ? <div className="mt-5 flex flex-wrap items-center justify-center gap-2">{action}</div> : null}
      {children}
    </div>
  );
}

export { EmptyState, type EmptyStateProps };
