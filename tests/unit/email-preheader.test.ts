import { describe, expect, it } from "vitest";
import { composeMessage, TemplatePartError } from "@/server/services/templates/compose";
import { preheaderHtml, wrapEmailHtml } from "@/server/services/templates/layout";
import { buildScope, sampleContact } from "@/server/services/templates/scope";

const ADDRESS = { address: "1 Market St, San Francisco, CA 94105", isPlaceholder: false };
const LINKS = { unsubscribeUrl: "https://app.test/u/tok", preferencesUrl: "https://app.test/preferences/tok" };
const FOOTER = { brand: "Acme", isMarketing: true, ...LINKS, postalAddress: ADDRESS.address };

/** The text of the hidden preheader span, without its filler; null when the HTML has none. */
function hiddenLine(html: string): string | null {
  const match = /<span data-preheader="true" style="([^"]*)">(.*?)&#847;/.exec(html);
  if (!match) return null;
  expect(match[1]).toContain("display:none");
  expect(match[1]).toContain("mso-hide:all");
  return match[2]!;
}

function compose(content: { subject?: string; text: string; html?: string }, preheader?: string) {
  return composeMessage({
    content,
    channel: "email",
    isMarketing: true,
    brand: "Acme",
    postalAddress: ADDRESS,
    scope: buildScope({ variables: {}, contact: sampleContact("en"), workspace: { name: "Acme" }, links: LINKS }),
    links: LINKS,
    ...(preheader !== undefined ? { preheader } : {}),
  });
}

describe("email preheader", () => {
  it("is the first thing in the layout's body, hidden, escaped, on one line", () => {
    const html = wrapEmailHtml({
      bodyHtml: "<p>Body first words</p>",
      subject: "Hi",
      footer: FOOTER,
      preheader: "  20% off <today>\n only  ",
    });
    expect(hiddenLine(html)).toBe("20% off &lt;today&gt; only");
    const body = html.slice(html.indexOf("<body"));
    expect(body.indexOf("data-preheader")).toBeLessThan(body.indexOf("<table"));
    expect(html.indexOf("data-preheader")).toBeLessThan(html.indexOf("Body first words"));
  });

  it("goes right after <body> of a whole document, which keeps its own design", () => {
    const html = wrapEmailHtml({
      bodyHtml: '<html><body style="background:#fff"><p>Own design</p></body></html>',
      subject: "Hi",
      footer: FOOTER,
      preheader: "Read me first",
    });
    expect(html).toMatch(/^<html><body style="background:#fff"><span data-preheader="true"/);
    expect(hiddenLine(html)).toBe("Read me first");
    expect(html).toMatch(/Unsubscribe<\/a>[\s\S]*<\/body><\/html>$/);
  });

  it("adds nothing without one, or with a blank one", () => {
    expect(preheaderHtml(undefined)).toBeNull();
    expect(preheaderHtml("   ")).toBeNull();
    const html = wrapEmailHtml({ bodyHtml: "<p>x</p>", subject: "s", footer: FOOTER, preheader: " " });
    expect(html).not.toContain("data-preheader");
  });

  it("renders Liquid like the subject, on the text → HTML path too, and stays out of the text part", async () => {
    const message = await compose(
      { subject: "News", text: "Hello there.\n\nSecond paragraph." },
      "Hi {{ contact.first_name }}, new arrivals",
    );
    expect(hiddenLine(message.html!)).toBe("Hi Alex, new arrivals");
    expect(message.html).toContain("Hello there.");
    expect(message.text).not.toContain("new arrivals");
    expect(message.problems).toEqual([]);
    const none = await compose({ subject: "News", text: "Hello" });
    expect(hiddenLine(none.html!)).toBeNull();
  });

  it("a Liquid error in it names the preheader", async () => {
    const error = await compose({ subject: "News", text: "Hello" }, "Hi {{ nobody.knows }}").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplatePartError);
    expect((error as TemplatePartError).message).toMatch(/^Preheader: /);
  });
});
