/** Short UTC date-time for tables: `2026-11-23 19:04`. */
export function formatDateTime(value: Date | string | null | undefined): string {
  if (!value) return "—";
  return new Date(value).toISOString().replace("T", " ").slice(0, 16);
}

/** "3 minutes ago" style, falling back to the date for anything older than a week. */
export function formatRelative(value: Date | string | null | undefined, now = Date.now()): string {
  if (!value) return "Never";
  const ms = now - new Date(value).getTime();
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "Just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return `${days} d ago`;
  return formatDateTime(value).slice(0, 10);
}
