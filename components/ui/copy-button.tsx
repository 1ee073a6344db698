"use client";

import * as React from "react";
import { CheckIcon, CopyIcon } from "lucide-react";

import { Button, type ButtonProps } from "./button";
import { cn } from "./cn";

type CopyButtonProps = Omit<ButtonProps, "value" | "onClick" | "asChild" | "children"> & {
  /** Text written to the clipboard. */
  value: string;
  /** Visible text next to the icon; omit for an icon-only button. */
  label?: string;
  /** Accessible name for the icon-only button (default "Copy to clipboard"). */
  srLabel?: string;
  onCopied?: () => void;
};

async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Fallback for non-secure contexts (e.g. http://192.168.x.x during development).
  const el = document.createElement("textarea");
  el.value = text;
  el.setAttribute("readonly", "");
  el.style.position = "fixed";
  el.style.opacity = "0";
  document.body.appendChild(el);
  el.select();
  try {
    if (!document.execCommand("copy")) throw new Error("copy failed");
  } finally {
    document.body.removeChild(el);
  }
}

function CopyButton({
  value,
  label,
  srLabel = "Copy to clipboard",
  onCopied,
  variant = "outline",
  size,
  className,
  ...props
}: CopyButtonProps) {
  const [copied, setCopied] = React.useState(false);
  const timer = React.useRef<ReturnType<typeof setTimeout> | null>(null);

  React.useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  async function handleCopy() {
    try {
      await writeClipboard(value);
      setCopied(true);
      onCopied?.();
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  }

  const Icon = copied ? CheckIcon : CopyIcon;

  return (
    <Button
      type="button"
      data-slot="copy-button"
      data-copied={copied || undefined}
      variant={variant}
      size={size ?? (label ? "sm" : "icon-sm")}
      className={cn("data-[copied]:text-success", className)}
      onClick={handleCopy}
      aria-label={label ? undefined : srLabel}
      {...props}
    >
      <Icon className={cn("transition-transform", copied && "scale-110")} aria-hidden="true" />
      {label ? <span>{copied ? "Copied" : label}</span> : null}
      <span className="sr-only" aria-live="polite">
        {copied ? "Copied to clipboard" : ""}
      </span>
    </Button>
  );
}

export { CopyButton, type CopyButtonProps };
