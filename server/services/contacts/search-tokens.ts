import { searchToken } from "@/server/lib/crypto";

/**
 * The contacts' keyed search index (`contacts.search_tokens`): names and addresses are encrypted,
 * so the list cannot match text in SQL. Instead every write of a contact's names or email stores
 * HMAC tokens (server/lib/crypto.ts `searchToken`, a key derived from the blind-index key, scoped
 * to the workspace) of
 *
 * - each word of the first and last name (kind `name`): NFKD, diacritics removed, lower-cased,
 *   split on white space and punctuation (hyphens, apostrophes, dots…): `Anne-Marie O'Brien` →
 *   `anne`, `marie`, `o`, `brien`; `Jiří` → `jiri`;
 * - each prefix of three characters or more of the lower-cased email's local part, the local part
 *   with its `@`, and the whole address (kind `email`): `jan.novak@ex.io` → `jan`, `jan.`, …
 *   `jan.novak`, `jan.novak@`, `jan.novak@ex.io`. Prefixes that run into the domain are not
 *   indexed (they would double the tokens of every contact, and a CSV import writes them all); a
 *   query that does is looked up by its local part and `@`.
 *
 * A search looks tokens up with `@>` (the GIN index on the column). Someone holding the database
 * without the key learns which contacts share a name word or an email prefix, never the text.
 */

/** Name words of a first or last name, normalised for matching (see above). */
export function nameSearchWords(name: string | null | undefined): string[] {
  if (!name) return [];
  const folded = name.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  return [...new Set(folded.split(/[\s\p{P}]+/u).filter(Boolean))];
}

/** Zero-width characters, dropped as the address normaliser drops them (server/lib/addresses.ts). */
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/g;

/** The lower-cased form an email's tokens are taken from (an address is lower-cased for lookups). */
function emailSearchText(text: string): string {
  return text.normalize("NFC").replace(ZERO_WIDTH, "").trim().toLowerCase();
}

/** Shortest email prefix that is indexed and searched. */
export const MIN_EMAIL_PREFIX = 3;

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Every prefix of the local part from three characters to its whole length, and the whole address. */
export function emailSearchPrefixes(email: string | null | undefined): string[] {
  if (!email) return [];
  const text = emailSearchText(email);
  const at = text.lastIndexOf("@");
  const local = at >= 0 ? text.slice(0, at) : text;
  // Prefix lengths count code points: the end offset (in UTF-16 units) of each code point.
  const ends: number[] = [];
  let offset = 0;
  for (const char of local) ends.push((offset += char.length));
  const prefixes: string[] = [];
  for (let length = MIN_EMAIL_PREFIX; length <= ends.length; length++) prefixes.push(local.slice(0, ends[length - 1]));
  // The local part with its `@` (at least three code points once the `@` is counted).
  if (at >= 0 && ends.length + 1 >= MIN_EMAIL_PREFIX) prefixes.push(`${local}@`);
  if (codePoints(text) >= MIN_EMAIL_PREFIX && !prefixes.includes(text)) prefixes.push(text);
  return prefixes;
}

/**
 * The indexed prefix a typed address start is looked up by: the whole text when it is a whole
 * address or has no `@`, else its local part with the `@` (`jan.novak@ex` → `jan.novak@`).
 */
function emailQueryPrefix(text: string): string {
  const at = text.lastIndexOf("@");
  if (at < 0) return text;
  const domain = text.slice(at + 1);
  return /^[^@\s]+\.[^@\s.]{2,}$/.test(domain) ? text : text.slice(0, at + 1);
}

/** Tokens of one name (first or last). */
export function nameSearchTokens(workspaceId: string, name: string | null | undefined): string[] {
  return nameSearchWords(name).map((word) => searchToken(workspaceId, "name", word));
}

/** Tokens of one email address (its normalised form, as stored). */
export function emailSearchTokens(workspaceId: string, email: string | null | undefined): string[] {
  return emailSearchPrefixes(email).map((prefix) => searchToken(workspaceId, "email", prefix));
}

/** Distinct tokens in a stable order, so an unchanged contact always gets the same array. */
export function mergeSearchTokens(...lists: (readonly string[] | null | undefined)[]): string[] {
  const all = new Set<string>();
  for (const list of lists) for (const token of list ?? []) all.add(token);
  return [...all].sort();
}

/** Everything `contacts.search_tokens` holds for a contact with these names and email. */
export function contactSearchTokens(
  workspaceId: string,
  contact: { firstName?: string | null; lastName?: string | null; email?: string | null },
): string[] {
  return mergeSearchTokens(
    nameSearchTokens(workspaceId, contact.firstName),
    nameSearchTokens(workspaceId, contact.lastName),
    emailSearchTokens(workspaceId, contact.email),
  );
}

/**
 * What a search box query looks for. A contact matches when it holds the email token, or when it
 * holds every name token (AND):
 *
 * - one word without spaces (`jan`, `novak`, `jan.novak@ex`): the start of an email address (from
 *   three characters) or a name; a hyphenated or apostrophised word (`Jean-Luc`) needs all its parts;
 * - a query with an `@` is an address: no name tokens;
 * - several words (`Jan Novák`): every word must be a word of the first or last name.
 *
 * Empty when the query holds nothing searchable (only punctuation, say).
 */
export function searchQueryTokens(workspaceId: string, query: string): { email: string | null; names: string[] } {
  const text = emailSearchText(query);
  const oneWord = text.length > 0 && !/\s/u.test(text);
  const prefix = oneWord ? emailQueryPrefix(text) : "";
  const email = Array.from(prefix).length >= MIN_EMAIL_PREFIX ? searchToken(workspaceId, "email", prefix) : null;
  const names = text.includes("@") ? [] : nameSearchTokens(workspaceId, query);
  return { email, names };
}
