/** Field labels of the mapping step, in display order. */
export const MAPPING_FIELDS = [
  { field: "email", label: "Email", hint: "Matched case-insensitively" },
  { field: "phone", label: "Phone", hint: "Any format; stored as E.164" },
  { field: "firstName", label: "First name" },
  { field: "lastName", label: "Last name" },
  { field: "locale", label: "Locale", hint: "e.g. en-US" },
  { field: "timezone", label: "Time zone", hint: "e.g. America/New_York" },
  { field: "tags", label: "Tags", hint: "Comma or semicolon separated" },
  { field: "consentStatus", label: "Consent status", hint: "opted_in/opted_out, yes/no, 1/0…" },
  { field: "consentAt", label: "Consent date", hint: "When the person agreed (ISO 8601)" },
  { field: "consentSource", label: "Consent source", hint: "Kept as evidence" },
] as const;

export type MappingField = (typeof MAPPING_FIELDS)[number]["field"];

/** Rough row count of a file for the progress bar: exact line count for small files, estimated for large ones. */
export async function estimateRows(file: File, sample: string): Promise<number> {
  if (file.size <= 32 * 1024 * 1024) {
    let lines = 0;
    const reader = file.stream().getReader();
    let last = 10;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
      last = value[value.length - 1] ?? last;
    }
    if (last !== 10) lines++;
    return Math.max(0, lines - 1);
  }
  const sampleLines = sample.split("\n").length;
  const bytesPerLine = new TextEncoder().encode(sample).length / Math.max(1, sampleLines);
  return Math.round(file.size / bytesPerLine) - 1;
}
