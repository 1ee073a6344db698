import { CONSENT_EVIDENCE_PURPOSE } from "@/db/schema/consent-evidence-purpose";
import { emailLookupKey, normalizeEmail, normalizePhoneWithCountry } from "@/server/lib/addresses";
import { hasControlCharacter } from "@/server/lib/text";
import { invalid } from "@/server/lib/errors";
import type { AddressSeenMap } from "./address-seen-map";
import {
  CONSENT_VALUES_HINT,
  isValidLocale,
  isValidTimezone,
  parseConsentDate,
  parseConsentStatus,
  parseTags,
  unescapeFormulaCell,
  type ParsedConsentStatus,
} from "./csv-values";
import { emailSearchTokens, mergeSearchTokens, nameSearchTokens } from "../contacts/search-tokens";
import type { BlindIndexer, PiiBatchEncryptor } from "./pii-batch";
import type { TImportMapping } from "./schemas";

/** A parsed CSV record and the file line it ends on (header = line 1). */
export interface RawRecord {
  line: number;
  cells: string[];
}

/** Why a row (or part of it) was not applied. Never the raw value: it may be PII. */
export interface RowRejection {
  line: number;
  column: string | null;
  reason: string;
}

type SingleField = Exclude<keyof TImportMapping, "attributes">;

/** Column positions of the mapped fields, resolved once from the header row. */
export interface ColumnIndex {
  fields: Partial<Record<SingleField, { index: number; name: string }>>;
  attributes: { index: number; name: string; attribute: string }[];
}

export function buildColumnIndex(headers: string[], mapping: TImportMapping): ColumnIndex {
  const position = new Map<string, number>();
  headers.forEach((header, index) => {
    const name = header.trim();
    if (!position.has(name)) position.set(name, index);
  });
  const find = (name: string) => {
    const index = position.get(name.trim());
    if (index === undefined) throw invalid(`The file has no column named "${name}"`, "mapping");
    return { index, name: name.trim() };
  };
  const fields: ColumnIndex["fields"] = {};
  for (const [field, column] of Object.entries(mapping) as [keyof TImportMapping, unknown][]) {
    if (field === "attributes" || typeof column !== "string" || !column) continue;
    fields[field] = find(column);
  }
  const attributes = Object.entries(mapping.attributes ?? {}).map(([column, attribute]) => ({
    ...find(column),
    attribute,
  }));
  return { fields, attributes };
}

/** A row after validation and normalisation, before hashing and encryption. */
export interface ValidRow {
  line: number;
  email: string | null;
  phone: string | null;
  /** ISO country of the phone number, from the same parse (null without one). */
  phoneCountry: string | null;
  firstName: string | null;
  lastName: string | null;
  locale: string | null;
  timezone: string | null;
  tags: string[];
  attributes: Record<string, string> | null;
  consent: ParsedConsentStatus | null;
  consentAt: Date | null;
  consentNote: string | null;
}

/**
 * Validates and normalises one record. Every problem of the row is reported (one rejection per
 * column), and a row with any problem is not applied. Pure: no secrets, no I/O.
 */
export function validateRecord(
  record: RawRecord,
  columns: ColumnIndex,
  options: { region: string; now: Date },
): { ok: true; row: ValidRow } | { ok: false; problems: RowRejection[] } {
  const problems: RowRejection[] = [];
  const { fields } = columns;
  const cell = (field: SingleField): string => {
    const column = fields[field];
    if (!column) return "";
    const raw = record.cells[column.index];
    return raw === undefined ? "" : unescapeFormulaCell(raw.trim());
  };
  const reject = (field: SingleField | null, reason: string) =>
    problems.push({ line: record.line, column: field ? (fields[field]?.name ?? field) : null, reason });

  let email: string | null = null;
  const emailText = cell("email");
  if (emailText) {
    const result = normalizeEmail(emailText);
    if (result.ok) email = result.value;
    else reject("email", `email ${result.reason}`);
  }
  let phone: string | null = null;
  let phoneCountry: string | null = null;
  const phoneText = cell("phone");
  if (phoneText) {
    const result = normalizePhoneWithCountry(phoneText, options.region);
    if (result.ok) {
      phone = result.value;
      phoneCountry = result.country;
    } else reject("phone", `phone ${result.reason}`);
  }
  if (!emailText && !phoneText) reject(fields.email ? "email" : "phone", "row has no email or phone");

  const name = (field: "firstName" | "lastName") => {
    const value = cell(field);
    if (value.length > 100) reject(field, "is longer than 100 characters");
    else if (hasControlCharacter(value)) reject(field, "contains a control character");
    return value || null;
  };
  const firstName = name("firstName");
  const lastName = name("lastName");

  const locale = cell("locale") || null;
  if (locale && !isValidLocale(locale)) reject("locale", "is not a BCP 47 locale such as en-US");
  const timezone = cell("timezone") || null;
  if (timezone && !isValidTimezone(timezone)) reject("timezone", "is not an IANA time zone such as America/New_York");

  let tags: string[] = [];
  const tagsText = cell("tags");
  if (tagsText) {
    const parsed = parseTags(tagsText);
    if (parsed) tags = parsed;
    else reject("tags", "a tag is longer than 64 characters or contains a line break");
  }

  let attributes: Record<string, string> | null = null;
  for (const column of columns.attributes) {
    const raw = record.cells[column.index];
    const value = raw === undefined ? "" : unescapeFormulaCell(raw.trim());
    if (!value) continue;
    if (value.length > 2000) {
      problems.push({ line: record.line, column: column.name, reason: "is longer than 2000 characters" });
      continue;
    }
    if (hasControlCharacter(value, { multiLine: true })) {
      problems.push({ line: record.line, column: column.name, reason: "contains a control character" });
      continue;
    }
    (attributes ??= {})[column.attribute] = value;
  }

  const consent = parseConsentStatus(cell("consentStatus"));
  if (consent === undefined) reject("consentStatus", `consent status must be ${CONSENT_VALUES_HINT}`);
  let consentAt: Date | null = null;
  const consentAtText = cell("consentAt");
  if (consentAtText) {
    consentAt = parseConsentDate(consentAtText);
    if (!consentAt) reject("consentAt", "consent date is not an ISO 8601 date or time");
    else if (consentAt.getTime() > options.now.getTime() + 5 * 60_000)
      reject("consentAt", "consent date is in the future");
  } else if (consent === "opted_in") {
    // Without a date an opt-in could not be ordered against an opt-out already recorded.
    reject("consentAt", "an opt-in needs a consent date");
  }
  const note = cell("consentSource");
  if (note.length > 500) reject("consentSource", "is longer than 500 characters");
  else if (hasControlCharacter(note, { multiLine: true })) reject("consentSource", "contains a control character");

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    row: {
      line: record.line,
      email,
      phone,
      phoneCountry,
      firstName,
      lastName,
      locale,
      timezone,
      tags,
      attributes,
      consent: consent ?? null,
      consentAt,
      consentNote: note || null,
    },
  };
}

/** A row ready for SQL: blind indexes, ciphertexts and plain columns as strings. */
export interface PreparedRow {
  line: number;
  /**
   * The contact the row writes: empty when prepared, set by the batch writer once it has resolved
   * the row to a new or an existing contact (again on a retry of the batch).
   */
  id: string;
  emailHash: string | null;
  emailCiphertext: string | null;
  phoneHash: string | null;
  phoneCiphertext: string | null;
  /** ISO country of the phone number (segments' `country`), null without one. */
  phoneCountry: string | null;
  firstNameCiphertext: string | null;
  lastNameCiphertext: string | null;
  /**
   * Search tokens (contacts/search-tokens.ts) of the names and email the row gives, distinct,
   * sorted and comma-joined (hex tokens hold no comma), null when it gives none. A field the row
   * leaves empty keeps the contact's stored value, whose tokens the batch writer adds (one string
   * per row rather than three arrays: a batch's rows live across its statements, and every object
   * of theirs is one the collector promotes and later sweeps).
   */
  searchTokens: string | null;
  locale: string | null;
  timezone: string | null;
  /** Comma-joined (tags cannot contain commas), null when none. */
  tags: string | null;
  /** JSON object text, null when none. */
  attributes: string | null;
  consent: ParsedConsentStatus | null;
  consentAt: Date | null;
  /**
   * The consent source note sealed as the ledger stores it (`{"sealed": …}` of the evidence, see
   * db/schema/_sealed-json.ts), null without a note or a consent status. Sealed here, off the
   * writer's transaction.
   */
  consentNoteSealed: string | null;
}

/** The search tokens of the fields the row gives, as `PreparedRow.searchTokens` holds them. */
function rowSearchTokens(workspaceId: string, row: ValidRow): string | null {
  if (!row.firstName && !row.lastName && !row.email) return null;
  const tokens = mergeSearchTokens(
    row.firstName ? nameSearchTokens(workspaceId, row.firstName) : null,
    row.lastName ? nameSearchTokens(workspaceId, row.lastName) : null,
    row.email ? emailSearchTokens(workspaceId, row.email) : null,
  );
  return tokens.length ? tokens.join(",") : null;
}

/**
 * Turns a batch of records into SQL-ready rows: validates, drops within-file duplicates (the first
 * occurrence of an address wins), then hashes and encrypts. Duplicates are detected before
 * encryption so they cost no AES work.
 */
export function prepareBatch(
  records: RawRecord[],
  deps: {
    columns: ColumnIndex;
    region: string;
    now: Date;
    extraTags: string[];
    seen: AddressSeenMap;
    indexer: BlindIndexer;
    encryptor: PiiBatchEncryptor;
  },
): { rows: PreparedRow[]; rejections: RowRejection[]; rejectedLines: Set<number> } {
  const rows: PreparedRow[] = [];
  const rejections: RowRejection[] = [];
  const rejectedLines = new Set<number>();
  const { columns, seen, indexer, encryptor } = deps;
  const emailColumn = columns.fields.email?.name ?? "email";
  const phoneColumn = columns.fields.phone?.name ?? "phone";
  encryptor.reserve(records.length * 5);

  for (const record of records) {
    const result = validateRecord(record, columns, deps);
    if (!result.ok) {
      rejections.push(...result.problems);
      rejectedLines.add(record.line);
      continue;
    }
    const row = result.row;
    const emailHash = row.email ? indexer.hash("email", emailLookupKey(row.email)) : null;
    const phoneHash = row.phone ? indexer.hash("phone", row.phone) : null;
    const firstByEmail = emailHash ? seen.get(emailHash) : 0;
    const firstByPhone = phoneHash ? seen.get(phoneHash) : 0;
    if (firstByEmail || firstByPhone) {
      const useEmail = firstByEmail && (!firstByPhone || firstByEmail <= firstByPhone);
      rejections.push({
        line: row.line,
        column: useEmail ? emailColumn : phoneColumn,
        reason: `duplicate of line ${useEmail ? firstByEmail : firstByPhone}`,
      });
      rejectedLines.add(row.line);
      continue;
    }
    if (emailHash) seen.setIfAbsent(emailHash, row.line);
    if (phoneHash) seen.setIfAbsent(phoneHash, row.line);

    const tags = deps.extraTags.length
      ? [...new Set([...row.tags, ...deps.extraTags])]
      : row.tags.length > 1
        ? [...new Set(row.tags)]
        : row.tags;
    rows.push({
      line: row.line,
      id: "",
      emailHash,
      emailCiphertext: row.email ? encryptor.encrypt(row.email, "contact.email") : null,
      phoneHash,
      phoneCiphertext: row.phone ? encryptor.encrypt(row.phone, "contact.phone") : null,
      phoneCountry: row.phoneCountry,
      firstNameCiphertext: encryptor.encryptOptional(row.firstName, "contact.first_name"),
      lastNameCiphertext: encryptor.encryptOptional(row.lastName, "contact.last_name"),
      searchTokens: rowSearchTokens(indexer.workspaceId, row),
      locale: row.locale,
      timezone: row.timezone,
      tags: tags.length ? tags.join(",") : null,
      attributes: row.attributes ? JSON.stringify(row.attributes) : null,
      consent: row.consent,
      consentAt: row.consentAt,
      consentNoteSealed:
        row.consentNote && row.consent
          ? encryptor.encrypt(JSON.stringify({ note: row.consentNote }), CONSENT_EVIDENCE_PURPOSE)
          : null,
    });
  }
  return { rows, rejections, rejectedLines };
}
