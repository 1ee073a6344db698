"use client";

import * as React from "react";
import { Toaster as Sonner, toast, type ToasterProps } from "sonner";
import { CircleCheckIcon, InfoIcon, Loader2Icon, OctagonXIcon, TriangleAlertIcon } from "lucide-react";

/**
 * App-wide toast outlet (sonner). Rendered once in app/layout.tsx.
 * Trigger toasts from any client component: `toast.success("Saved")`.
 * Follows the `.dark` class on <html> (see app/layout.tsx).
 */
function Toaster({ ...props }: ToasterProps) {
  const theme = useHtmlTheme();

  return (
    <Sonner
      theme={theme}
      position="bottom-right"
      closeButton
      className="toaster group"
      icons={{
        success: <CircleCheckIcon className="size-4 text-success" />,
        info: <InfoIcon className="size-4 text-info" />,
        warning: <TriangleAlertIcon className="size-4 text-warning" />,
        error: <OctagonXIcon className="size-4 text-destructive" />,
        loading: <Loader2Icon className="size-4 animate-spin text-muted-foreground" />,
      }}
      toastOptions={{
        classNames: {
          toast: "!rounded-lg !shadow-lg !gap-2.5 !items-start",
          title: "!font-medium",
          description: "!text-muted-foreground",
          icon: "!mt-px",
        },
      }}
      style={
        {
          "--normal-bg": "var(--popover)",
          "--normal-text": "var(--popover-foreground)",
          "--normal-border": "var(--border)",
          "--border-radius": "var(--radius)",
          fontFamily: "inherit",
        } as React.CSSProperties
      }
      {...props}
    />
  );
}

/** Tracks whether <html> has the `dark` class so sonner's own colours match. */
function useHtmlTheme(): "light" | "dark" {
  const subscribe = React.useCallback((onChange: () => void) => {
    const observer = new MutationObserver(onChange);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
    return () => observer.disconnect();
  }, []);
  return React.useSyncExternalStore(
    subscribe,
    () => (document.documentElement.classList.contains("dark") ? "dark" : "light"),
    () => "light",
  );
}

export { Toaster, toast };
