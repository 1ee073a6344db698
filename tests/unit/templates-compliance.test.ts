import { describe, expect, it } from "vitest";
import {
  applySmsCompliance,
  checkCompliance,
  POSTAL_ADDRESS_PLACEHOLDER,
  resolvePostalAddress,
  toComplianceResult,
  type ComplianceCheckInput,
} from "@/server/services/templates/compliance";
import { composeMessage } from "@/server/services/templates/compose";
import { pickLocale } from "@/server/services/templates/locale";
import { htmlToText, NO_TRACK_ATTRIBUTE, wrapEmailHtml } from "@/server/services/templates/layout";
import { buildScope, sampleContact } from "@/server/services/templates/scope";

const ADDRESS = { address: "1 Market St, San Francisco, CA 94105", isPlaceholder: false };
const LINKS = { unsubscribeUrl: "https://app.test/u/tok?a=1&b=2", preferencesUrl: "https://app.test/preferences/tok" };

function check(overrides: Partial<ComplianceCheckInput>) {
  return checkCompliance({
    channel: "sms",
    isMarketing: true,
    brand: "Acme Coffee",
    postalAddress: ADDRESS,
    message: { subject: null, text: "Acme Coffee: 20% off today. Reply STOP to opt out.", html: null },
    links: LINKS,
    ...overrides,
  });
}

const codes = (problems: { code: string }[]) => problems.map((p) => p.code).sort();

describe("compliance check", () => {
  it("a marketing SMS with the brand and opt-out wording passes", () => {
    expect(check({})).toEqual([]);
  });

  it("a marketing SMS without brand or opt-out wording gets warnings (fixed at send), not errors", () => {
    const problems = check({ message: { subject: null, text: "20% off today!", html: null } });
    expect(codes(problems)).toEqual(["sms_brand_missing", "sms_opt_out_missing"]);
    expect(toComplianceResult(problems).ok).toBe(true);
  });

  it("accepts common opt-out phrasings and the brand in any case", () => {
    for (const text of [
      "ACME COFFEE: deal. Text STOP to quit",
      "Acme coffee deal. Reply END to cancel.",
      "Acme Coffee: deal. Opt out: reply STOP",
      "acme coffee! To unsubscribe reply STOP",
    ]) {
      expect(check({ message: { subject: null, text, html: null } })).toEqual([]);
    }
  });

  it("a transactional SMS needs neither", () => {
    expect(check({ isMarketing: false, message: { subject: null, text: "Your code is 1234", html: null } })).toEqual(
      [],
    );
  });

  it("the pipeline prefixes the brand and appends the opt-out wording, once", () => {
    const fixed = applySmsCompliance("20% off today", "Acme Coffee");
    expect(fixed.text).toBe("Acme Coffee: 20% off today. Reply STOP to opt out.");
    expect(applySmsCompliance(fixed.text, "Acme Coffee")).toEqual({
      text: fixed.text,
      prefixedBrand: false,
      appendedOptOut: false,
    });
  });

  it("a marketing email needs the unsubscribe link and a real postal address", () => {
    const html = wrapEmailHtml({
      bodyHtml: "<p>Hi</p>",
      subject: "Hi",
      footer: { brand: "Acme", isMarketing: true, ...LINKS, postalAddress: ADDRESS.address },
    });
    const text = `Hi\n\nUnsubscribe: ${LINKS.unsubscribeUrl}\n${ADDRESS.address}`;
    expect(check({ channel: "email", message: { subject: "Hi", text, html } })).toEqual([]);
    expect(codes(check({ channel: "email", message: { subject: "Hi", text: "Hi", html: "<p>Hi</p>" } }))).toEqual([
      "postal_address_missing",
      "unsubscribe_missing",
    ]);
    expect(codes(check({ channel: "email", links: null, message: { subject: "Hi", text, html } }))).toEqual([
      "unsubscribe_missing",
    ]);
  });

  it("the placeholder postal address fails the check", () => {
    expect(resolvePostalAddress(undefined)).toEqual({ address: POSTAL_ADDRESS_PLACEHOLDER, isPlaceholder: true });
    expect(resolvePostalAddress("  ")).toMatchObject({ isPlaceholder: true });
    expect(resolvePostalAddress(POSTAL_ADDRESS_PLACEHOLDER)).toMatchObject({ isPlaceholder: true });
    const problems = check({
      channel: "email",
      postalAddress: resolvePostalAddress(undefined),
      message: { subject: "Hi", text: `x ${LINKS.unsubscribeUrl}`, html: null },
    });
    expect(problems).toEqual([expect.objectContaining({ code: "postal_address_missing", severity: "error" })]);
  });

  it("every email needs a subject; a transactional one nothing else", () => {
    expect(
      codes(check({ channel: "email", isMarketing: false, message: { subject: " ", text: "Receipt", html: null } })),
    ).toEqual(["subject_missing"]);
  });
});

describe("locale fallback", () => {
  const available = ["en", "fr", "pt-BR"];
  it("exact locale, then same language, then the default", () => {
    expect(pickLocale(available, "en", "fr")).toBe("fr");
    expect(pickLocale(available, "en", "FR-ca")).toBe("fr");
    expect(pickLocale(available, "en", "pt")).toBe("pt-BR");
    expect(pickLocale(available, "en", "pt_BR")).toBe("pt-BR");
    expect(pickLocale(available, "en", "de-DE")).toBe("en");
    expect(pickLocale(available, "en", null)).toBe("en");
  });
});

describe("email layout", () => {
  it("wraps the body in a responsive inlined layout whose footer carries the untracked links and the address", async () => {
    const scope = buildScope({
      variables: {},
      contact: sampleContact("en"),
      workspace: { name: "Acme <Coffee>" },
      links: LINKS,
    });
    const message = await composeMessage({
      content: {
        subject: "News for {{ contact.first_name }}",
        text: "",
        html: '<h1>Hi {{ contact.first_name }}</h1><p>Read <a href="https://acme.test/blog">our blog</a>.</p><ul><li><p>One</p></li></ul>',
      },
      channel: "email",
      isMarketing: true,
      brand: "Acme <Coffee>",
      postalAddress: ADDRESS,
      scope,
      links: LINKS,
    });
    expect(message.subject).toBe("News for Alex");
    expect(message.html).toContain('<meta name="viewport"');
    expect(message.html).toContain("max-width:600px");
    expect(message.html).toMatch(/<h1 style="[^"]+">Hi Alex<\/h1>/);
    expect(message.html).toContain('<p style="margin:0;');
    expect(message.html).toContain(`<a href="https://app.test/u/tok?a=1&amp;b=2" ${NO_TRACK_ATTRIBUTE}="true"`);
    expect(message.html).toContain(`href="https://app.test/preferences/tok" ${NO_TRACK_ATTRIBUTE}="true"`);
    expect(message.html).toContain("Acme &lt;Coffee&gt;");
    expect(message.html).toContain(ADDRESS.address);
    expect(message.html).not.toMatch(/<style|class=/);
    expect(message.text).toContain("Hi Alex\n\nRead our blog (https://acme.test/blog).\n\n- One");
    expect(message.text).toContain(`Unsubscribe: ${LINKS.unsubscribeUrl}`);
    expect(message.text).toContain(ADDRESS.address);
    expect(message.problems).toEqual([]);
  });

  it("keeps a whole HTML document and still inserts the footer, and strips scripts and handlers", () => {
    const html = wrapEmailHtml({
      bodyHtml:
        '<html><body><p onclick="x()">Hi</p><script>alert(1)</script><a href="javascript:alert(1)">x</a></body></html>',
      subject: "Hi",
      footer: { brand: "Acme", isMarketing: true, ...LINKS, postalAddress: ADDRESS.address },
    });
    expect(html).not.toMatch(/script|onclick|javascript:/);
    expect(html).toMatch(/Unsubscribe<\/a>[\s\S]*<\/body><\/html>$/);
  });

  it("the plain-text part of HTML keeps structure and link targets", () => {
    expect(htmlToText("<h2>Title</h2><p>One<br>Two &amp; three</p><ol><li>A</li><li>B</li></ol>")).toBe(
      "Title\n\nOne\nTwo & three\n\n- A\n- B",
    );
  });
});
