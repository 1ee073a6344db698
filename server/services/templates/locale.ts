/**
 * Which variant a contact gets: the exact locale (case-insensitive), else the same language
 * (`fr-CA` → `fr`, or `fr` → `fr-FR`), else the template's default locale. Pure.
 */
export function pickLocale(
  available: readonly string[],
  defaultLocale: string,
  wanted: string | null | undefined,
): string {
  if (!wanted) return defaultLocale;
  const want = wanted.trim().toLowerCase().replace(/_/g, "-");
  const exact = available.find((l) => l.toLowerCase() === want);
  if (exact) return exact;
  const language = want.split("-")[0]!;
  const sameLanguage =
    available.find((l) => l.toLowerCase() === language) ??
    available.find((l) => l.toLowerCase().split("-")[0] === language);
  return sameLanguage ?? defaultLocale;
}
