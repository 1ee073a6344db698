"use client";

import * as React from "react";
import { MonitorIcon, SmartphoneIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { renderFormPage, type FormPageOptions } from "./hosted-html";

/**
 * Live preview: the exact HTML the hosted page serves (same renderer), in a sandboxed iframe
 * that can neither run scripts nor submit.
 */
export function FormPreview({ brand, definition, topics }: Pick<FormPageOptions, "brand" | "definition" | "topics">) {
  const [width, setWidth] = React.useState<"desktop" | "mobile">("desktop");
  const html = React.useMemo(
    () => renderFormPage({ brand, definition, topics, action: "#" }),
    [brand, definition, topics],
  );
  return (
    <div className="grid gap-2">
      <div className="flex items-center justify-between gap-2">
        <p className="text-sm font-medium">Preview</p>
        <div className="flex items-center gap-1 rounded-md border p-0.5" role="group" aria-label="Preview width">
          <Button
            type="button"
            size="icon-sm"
            variant={width === "desktop" ? "secondary" : "ghost"}
            aria-pressed={width === "desktop"}
            aria-label="Desktop width"
            onClick={() => setWidth("desktop")}
          >
            <MonitorIcon />
          </Button>
          <Button
            type="button"
            size="icon-sm"
            variant={width === "mobile" ? "secondary" : "ghost"}
            aria-pressed={width === "mobile"}
            aria-label="Phone width"
            onClick={() => setWidth("mobile")}
          >
            <SmartphoneIcon />
          </Button>
        </div>
      </div>
      <div className="overflow-hidden rounded-xl border bg-muted/40">
        <iframe
          title="Form preview"
          sandbox=""
          srcDoc={html}
          className={cn(
            "mx-auto block h-[min(680px,calc(100vh-7rem))] min-h-[480px] w-full bg-transparent transition-[max-width]",
            width === "mobile" ? "max-w-[390px] border-x" : "max-w-full",
          )}
        />
      </div>
    </div>
  );
}
