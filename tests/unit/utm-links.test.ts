import { describe, expect, it } from "vitest";
import {
  campaignSlug,
  tagLinksInHtml,
  tagLinksInText,
  tagUrl,
  utmParameters,
  type UtmParameters,
} from "@/server/shared/utm";

const params: UtmParameters = { utm_source: "optin", utm_medium: "email", utm_campaign: "spring-sale" };
const UTM = "utm_source=optin&utm_medium=email&utm_campaign=spring-sale";
const APP = "https://optin.example.com";
const UNSUBSCRIBE = `${APP}/u/abc.def`;
const skip = { urls: [UNSUBSCRIBE], origins: [APP] };

describe("campaign UTM settings", () => {
  it("slugs a campaign name: lower case, accents dropped, one dash between words", () => {
    expect(campaignSlug("Spring Sale 2026!")).toBe("spring-sale-2026");
    expect(campaignSlug("  Café — Été / Hiver ")).toBe("cafe-ete-hiver");
    expect(campaignSlug("!!!")).toBe("campaign");
    expect(campaignSlug("x".repeat(300))).toHaveLength(100);
  });

  it("applies the defaults to empty fields; term and content only when set", () => {
    expect(utmParameters({}, "Spring Sale")).toEqual({
      utm_source: "optin",
      utm_medium: "email",
      utm_campaign: "spring-sale",
    });
    expect(
      utmParameters({ source: " news ", medium: "", campaign: "q2", term: "shoes", content: "hero" }, "Spring"),
    ).toEqual({ utm_source: "news", utm_medium: "email", utm_campaign: "q2", utm_term: "shoes", utm_content: "hero" });
  });
});

describe("tagUrl", () => {
  it("appends the parameters to an http(s) link, before the fragment", () => {
    expect(tagUrl("https://shop.example.com/sale", params)).toBe(`https://shop.example.com/sale?${UTM}`);
    expect(tagUrl("http://shop.example.com/a#top", params)).toBe(`http://shop.example.com/a?${UTM}#top`);
    expect(tagUrl("https://shop.example.com", params)).toBe(`https://shop.example.com/?${UTM}`);
  });

  it("keeps the existing query as written, and a parameter the author set keeps their value", () => {
    expect(tagUrl("https://shop.example.com/s?q=a%20b&flag", params)).toBe(
      `https://shop.example.com/s?q=a%20b&flag&${UTM}`,
    );
    expect(tagUrl("https://shop.example.com/?utm_source=partner&id=7", params)).toBe(
      "https://shop.example.com/?utm_source=partner&id=7&utm_medium=email&utm_campaign=spring-sale",
    );
    const full = `https://shop.example.com/?${UTM}`;
    expect(tagUrl(full, params)).toBe(full);
  });

  it("encodes values that need it", () => {
    expect(tagUrl("https://shop.example.com/", { utm_campaign: "a b&c" })).toBe(
      "https://shop.example.com/?utm_campaign=a+b%26c",
    );
  });

  it("leaves mailto:, tel:, relative, malformed, skipped URLs and the product's own pages alone", () => {
    for (const url of [
      "mailto:sales@example.com",
      "tel:+15555550100",
      "/relative/path",
      "#anchor",
      "javascript:void(0)",
      "https://",
      UNSUBSCRIBE,
      `${APP}/preferences/token`,
      `${APP}/w/web-version`,
    ])
      expect(tagUrl(url, params, skip)).toBe(url);
  });
});

describe("tagLinksInHtml", () => {
  it("tags hrefs of links in any quoting, escaping & in the rewritten attribute", () => {
    const html = `<p><a href="https://shop.example.com/a?x=1&amp;y=2" class="btn">Shop</a> <a href='https://b.example.com/'>B</a> <a href=https://c.example.com/c>C</a></p>`;
    expect(tagLinksInHtml(html, params, skip)).toBe(
      `<p><a href="https://shop.example.com/a?x=1&amp;y=2&amp;${UTM.replace(/&/g, "&amp;")}" class="btn">Shop</a> ` +
        `<a href="https://b.example.com/?${UTM.replace(/&/g, "&amp;")}">B</a> ` +
        `<a href="https://c.example.com/c?${UTM.replace(/&/g, "&amp;")}">C</a></p>`,
    );
  });

  it("never touches unsubscribe, preference or web-version links, data-no-track links, mailto: or tel:", () => {
    const html = [
      `<a href="${UNSUBSCRIBE}" data-no-track="true">Unsubscribe</a>`,
      `<a href="${APP}/preferences/p.q">Manage preferences</a>`,
      `<a href="${APP}/w/view">View in your browser</a>`,
      `<a data-no-track href="https://partner.example.com/">Partner</a>`,
      `<a href="mailto:help@example.com">Write to us</a>`,
      `<a href="tel:+15555550100">Call</a>`,
      `<img src="https://cdn.example.com/logo.png">`,
    ].join("\n");
    expect(tagLinksInHtml(html, params, skip)).toBe(html);
  });

  it("does not read data-href or other attributes ending in href", () => {
    const html = `<a data-href="https://x.example.com/" href="https://y.example.com/">Y</a>`;
    expect(tagLinksInHtml(html, params)).toBe(
      `<a data-href="https://x.example.com/" href="https://y.example.com/?${UTM.replace(/&/g, "&amp;")}">Y</a>`,
    );
  });
});

describe("tagLinksInText", () => {
  it("tags URLs in text, leaving the sentence's punctuation and brackets outside the URL", () => {
    const text = [
      "Shop now: https://shop.example.com/sale.",
      "Read the post (https://blog.example.com/post?id=3), then",
      "see https://en.example.org/wiki/Thing_(term) too!",
    ].join("\n");
    expect(tagLinksInText(text, params)).toBe(
      [
        `Shop now: https://shop.example.com/sale?${UTM}.`,
        `Read the post (https://blog.example.com/post?id=3&${UTM}), then`,
        `see https://en.example.org/wiki/Thing_(term)?${UTM} too!`,
      ].join("\n"),
    );
  });

  it("leaves the footer's unsubscribe and preference links and mail addresses alone", () => {
    const text = `Write to help@example.com or mailto:help@example.com\nUnsubscribe: ${UNSUBSCRIBE}\nManage preferences: ${APP}/preferences/p.q`;
    expect(tagLinksInText(text, params, skip)).toBe(text);
  });
});
