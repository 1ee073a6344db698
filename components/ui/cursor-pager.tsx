"use client";

import { ChevronLeftIcon, ChevronRightIcon } from "lucide-react";
import { Button } from "./button";

/** "1–50 of 1,234" with Previous/Next for keyset-paginated tables (a stack of cursors). */
export function CursorPager({
  first,
  shown,
  total,
  capped = false,
  canGoBack,
  canGoForward,
  onPrevious,
  onNext,
}: {
  /** 1-based position of the first row on this page. */
  first: number;
  shown: number;
  total: number;
  /** `total` is a lower bound (more matched than were counted): shown as "10,000+". */
  capped?: boolean;
  canGoBack: boolean;
  canGoForward: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  return (
    <nav aria-label="Pagination" className="flex items-center justify-between gap-3 border-t px-4 py-3 text-sm sm:px-6">
      <span className="text-muted-foreground tabular-nums">
        {first.toLocaleString("en-US")}–{(first + shown - 1).toLocaleString("en-US")} of {total.toLocaleString("en-US")}
        {capped ? "+" : ""}
      </span>
      <div className="flex gap-2">
        <Button variant="outline" size="sm" disabled={!canGoBack} onClick={onPrevious}>
          <ChevronLeftIcon />
          Previous
        </Button>
        <Button variant="outline" size="sm" disabled={!canGoForward} onClick={onNext}>
          Next
          <ChevronRightIcon />
        </Button>
      </div>
    </nav>
  );
}
