import { describe, expect, it } from "vitest";
import { blindIndex, searchToken } from "@/server/lib/crypto";
import {
  contactSearchTokens,
  emailSearchPrefixes,
  emailSearchTokens,
  nameSearchTokens,
  nameSearchWords,
  searchQueryTokens,
} from "@/server/services/contacts/search-tokens";

process.env.APP_SECRET ??= "unit-app-secret-unit-app-secret-0123456789";
process.env.ENCRYPTION_KEYS ??= `u1:${Buffer.alloc(32, 3).toString("base64")}`;

const WS = "0190c0de-0000-7000-8000-000000000001";
const OTHER_WS = "0190c0de-0000-7000-8000-000000000002";

describe("name words", () => {
  it("folds diacritics and case (NFKD, combining marks removed)", () => {
    expect(nameSearchWords("Jiří Nováková")).toEqual(["jiri", "novakova"]);
    expect(nameSearchWords("Chloé")).toEqual(["chloe"]);
    expect(nameSearchWords("ZOË")).toEqual(["zoe"]);
    // Decomposed input meets the composed form.
    expect(nameSearchWords("Chloe\u0301")).toEqual(nameSearchWords("Chlo\u00e9"));
    // Compatibility forms fold too (the "ﬁ" ligature, full-width letters).
    expect(nameSearchWords("ﬁona Ｊａｎ")).toEqual(["fiona", "jan"]);
  });

  it("splits on white space, hyphens and apostrophes (typographic ones included)", () => {
    expect(nameSearchWords("Anne-Marie")).toEqual(["anne", "marie"]);
    expect(nameSearchWords("O'Brien")).toEqual(["o", "brien"]);
    expect(nameSearchWords("D’Angelo")).toEqual(["d", "angelo"]);
    expect(nameSearchWords("  van   der\tBerg ")).toEqual(["van", "der", "berg"]);
    expect(nameSearchWords("Jean–Luc")).toEqual(["jean", "luc"]);
  });

  it("keeps one-letter words, drops empty ones and repeats", () => {
    expect(nameSearchWords("J. R. R.")).toEqual(["j", "r"]);
    expect(nameSearchWords("- '")).toEqual([]);
    expect(nameSearchWords("")).toEqual([]);
    expect(nameSearchWords(null)).toEqual([]);
  });
});

describe("email prefixes", () => {
  it("are the local part's prefixes of three characters or more, the local part with its @, and the whole lower-cased address", () => {
    expect(emailSearchPrefixes("Jan.N@ex.io")).toEqual(["jan", "jan.", "jan.n", "jan.n@", "jan.n@ex.io"]);
  });

  it("include every prefix of the local part (length ≥ 3)", () => {
    const prefixes = emailSearchPrefixes("novak@example.com");
    for (const local of ["nov", "nova", "novak"]) expect(prefixes).toContain(local);
    expect(prefixes).not.toContain("no");
  });

  it("count characters, not UTF-16 units, and cap at the address's length", () => {
    expect(emailSearchPrefixes("🙂ab@x.io")[0]).toBe("🙂ab");
    expect(emailSearchPrefixes("a@b")).toEqual(["a@b"]);
    expect(emailSearchPrefixes("ab")).toEqual([]);
    const long = `${"x".repeat(240)}@example.com`;
    // 238 local prefixes (3…240 characters), the local part with its @, the whole address.
    expect(emailSearchPrefixes(long)).toHaveLength(240);
  });
});

describe("tokens", () => {
  it("are HMAC-SHA256 hex cut to 128 bits, scoped to the workspace and the kind", () => {
    const [token] = nameSearchTokens(WS, "Jan");
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(token).toBe(searchToken(WS, "name", "jan"));
    expect(nameSearchTokens(OTHER_WS, "Jan")[0]).not.toBe(token);
    expect(emailSearchTokens(WS, "jan@x.io")[0]).toBe(searchToken(WS, "email", "jan"));
    expect(searchToken(WS, "email", "jan")).not.toBe(token);
  });

  it("use a key of their own: a whole address's token never equals its blind index", () => {
    const email = "jan@example.com";
    const tokens = emailSearchTokens(WS, email);
    expect(tokens).toContain(searchToken(WS, "email", email));
    expect(tokens).not.toContain(blindIndex(WS, "email", email));
  });

  it("of a contact are the distinct, sorted union of its names and email", () => {
    const tokens = contactSearchTokens(WS, { firstName: "Jan", lastName: "Jan-Novák", email: "jan@x.io" });
    expect(tokens).toEqual([...new Set(tokens)].sort());
    expect(tokens).toEqual(
      [
        ...new Set([
          searchToken(WS, "name", "jan"),
          searchToken(WS, "name", "novak"),
          ...["jan", "jan@", "jan@x.io"].map((p) => searchToken(WS, "email", p)),
        ]),
      ].sort(),
    );
    expect(contactSearchTokens(WS, {})).toEqual([]);
    expect(contactSearchTokens(WS, { firstName: null, lastName: null, email: null })).toEqual([]);
  });
});

describe("search query", () => {
  it("one word: the email prefix (from three characters) or the name word", () => {
    expect(searchQueryTokens(WS, "Jan")).toEqual({
      email: searchToken(WS, "email", "jan"),
      names: [searchToken(WS, "name", "jan")],
    });
    expect(searchQueryTokens(WS, "Ja")).toEqual({ email: null, names: [searchToken(WS, "name", "ja")] });
  });

  it("an address (with @): the email token only; a partial domain is looked up by the local part and its @", () => {
    expect(searchQueryTokens(WS, " Jan.N@Ex ")).toEqual({ email: searchToken(WS, "email", "jan.n@"), names: [] });
    expect(searchQueryTokens(WS, "Jan.N@ex.io")).toEqual({ email: searchToken(WS, "email", "jan.n@ex.io"), names: [] });
  });

  it("several words, or a hyphenated one: every name word (AND), diacritics folded", () => {
    expect(searchQueryTokens(WS, "Jan  Novák")).toEqual({
      email: null,
      names: [searchToken(WS, "name", "jan"), searchToken(WS, "name", "novak")],
    });
    expect(searchQueryTokens(WS, "jean-luc")).toEqual({
      email: searchToken(WS, "email", "jean-luc"),
      names: [searchToken(WS, "name", "jean"), searchToken(WS, "name", "luc")],
    });
  });

  it("nothing searchable: no tokens", () => {
    expect(searchQueryTokens(WS, "-")).toEqual({ email: null, names: [] });
    expect(searchQueryTokens(WS, "   ")).toEqual({ email: null, names: [] });
  });
});
