/** Up to two initials from a display name, falling back to the e-mail address (for AvatarFallback). */
export function initialsFor(name: string | null | undefined, email?: string | null): string {
  const source = (name ?? "").trim();
  if (source) {
    const parts = source.split(/\s+/).filter(Boolean);
    const first = parts[0]?.[0] ?? "";
    const last = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? "") : "";
    return (first + last).toUpperCase();
  }
  return (email ?? "?").trim().slice(0, 1).toUpperCase() || "?";
}
