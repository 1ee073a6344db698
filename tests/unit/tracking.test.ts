import { describe, expect, it } from "vitest";
import { createTrackingCodec, newShortCode, SHORT_CODE_PATTERN } from "@/server/lib/tracking-tokens";
import { allLinksClicked, classifyEvent, classifyUserAgent } from "@/server/services/tracking/classify";
import { rewriteForTracking, shortenedForEstimate, stripTrackingPixel } from "@/server/services/tracking/rewrite-links";
import { tallyDelta } from "@/server/services/tracking/rollup";

const MESSAGE = "6f1d7c1e-2b43-4b8e-9a43-1c2d3e4f5a6b";
const LINK = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const codec = createTrackingCodec("a-test-secret-of-at-least-32-characters!!");

describe("tracking tokens", () => {
  it("round-trips an open and a click token", () => {
    expect(codec.verifyOpen(codec.signOpen(MESSAGE))).toEqual({ messageId: MESSAGE });
    expect(codec.verifyClick(codec.signClick(MESSAGE, LINK))).toEqual({ messageId: MESSAGE, linkId: LINK });
  });

  it("refuses every altered character, another purpose, another secret and junk", () => {
    const token = codec.signClick(MESSAGE, LINK);
    for (let i = 0; i < token.length; i++) {
      const swapped = token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
      expect(codec.verifyClick(swapped)).toBeNull();
    }
    expect(codec.verifyOpen(token)).toBeNull();
    expect(codec.verifyClick(codec.signOpen(MESSAGE))).toBeNull();
    expect(createTrackingCodec("another-secret-of-at-least-32-characters").verifyClick(token)).toBeNull();
    for (const junk of ["", "x", "!!!!", `${token}A`, token.slice(1), "a".repeat(500)])
      expect(codec.verifyClick(junk)).toBeNull();
  });

  it("short codes are 10 base62 characters and do not repeat", () => {
    const codes = new Set(Array.from({ length: 2000 }, () => newShortCode()));
    expect(codes.size).toBe(2000);
    for (const code of codes) expect(code).toMatch(SHORT_CODE_PATTERN);
  });
});

describe("machine classification", () => {
  const sentAt = new Date("2026-06-01T12:00:00Z");
  const later = new Date("2026-06-01T13:00:00Z");

  it.each([
    ["Mozilla/5.0 (compatible; Barracuda Sentinel)", "scanner:barracuda"],
    ["Mimecast-URL-Protect/1.0", "scanner:mimecast"],
    ["Proofpoint URL Defense", "scanner:proofpoint"],
    ["Mozilla/5.0 (Windows NT 10.0) Microsoft Office Existence Discovery", "scanner:microsoft"],
    ["SafeLinks/2.0", "scanner:microsoft"],
    ["python-requests/2.31", "scanner:bot"],
  ])("%s is a scanner", (ua, cls) => {
    expect(classifyUserAgent(ua)).toEqual({ userAgentClass: cls, machineReason: "scanner_user_agent" });
    expect(classifyEvent({ kind: "open", userAgent: ua, occurredAt: later, sentAt })).toMatchObject({ machine: true });
  });

  it("Apple's privacy proxy opens are a machine's; a bare user agent clicking is a person", () => {
    expect(classifyEvent({ kind: "open", userAgent: "Mozilla/5.0", occurredAt: later, sentAt })).toMatchObject({
      machine: true,
      machineReason: "apple_privacy_proxy",
    });
    expect(classifyEvent({ kind: "click", userAgent: "Mozilla/5.0", occurredAt: later, sentAt }).machine).toBe(false);
  });

  it("Gmail's image proxy and browsers are people; anything within seconds of the send is a machine", () => {
    const gmail = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
    expect(classifyEvent({ kind: "open", userAgent: gmail, occurredAt: later, sentAt })).toEqual({
      userAgentClass: "google_image_proxy",
      machineReason: null,
      machine: false,
    });
    const browser = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15";
    expect(classifyEvent({ kind: "open", userAgent: browser, occurredAt: later, sentAt }).machine).toBe(false);
    const soon = new Date(sentAt.getTime() + 2000);
    expect(classifyEvent({ kind: "open", userAgent: browser, occurredAt: soon, sentAt })).toMatchObject({
      machine: true,
      machineReason: "too_soon",
    });
    expect(classifyEvent({ kind: "open", userAgent: browser, occurredAt: soon, sentAt: null }).machine).toBe(false);
  });

  it("every link clicked within seconds is a scanner; some links, or slowly, is a person", () => {
    const at = (s: number) => new Date(later.getTime() + s * 1000);
    const recent = [{ linkId: "a", occurredAt: at(0) }];
    expect(allLinksClicked({ linkCount: 2, linkId: "b", occurredAt: at(2), recent })).toBe(true);
    expect(allLinksClicked({ linkCount: 3, linkId: "b", occurredAt: at(2), recent })).toBe(false);
    expect(allLinksClicked({ linkCount: 2, linkId: "b", occurredAt: at(60), recent })).toBe(false);
    expect(allLinksClicked({ linkCount: 1, linkId: "a", occurredAt: at(1), recent: [] })).toBe(false);
  });

  it("roll-up deltas move unique counts only when a message starts or stops having events", () => {
    expect(tallyDelta("open", { human: 0, machine: 0 }, { human: 1, machine: 0 })).toMatchObject({
      uniqueOpens: 1,
      totalOpens: 1,
      uniqueAnyOpens: 1,
      uniqueMachineOpens: 0,
    });
    expect(tallyDelta("open", { human: 1, machine: 0 }, { human: 2, machine: 0 })).toMatchObject({
      uniqueOpens: 0,
      totalOpens: 1,
    });
    // A burst reclassified: the person's click becomes a machine's.
    expect(tallyDelta("click", { human: 1, machine: 0 }, { human: 0, machine: 2 })).toEqual({
      uniqueClicks: -1,
      totalClicks: -1,
      uniqueMachineClicks: 1,
      machineClicks: 2,
      uniqueAnyClicks: 0,
    });
  });
});

describe("link rewriting", () => {
  const base = "https://t.example.com";
  const unsubscribe = "https://app.example.com/u/abc";
  const preferences = "https://app.example.com/preferences/def";
  const rewrite = (text: string, html: string | null, extra: Partial<Parameters<typeof rewriteForTracking>[0]> = {}) =>
    rewriteForTracking({
      channel: "email",
      messageId: MESSAGE,
      text,
      html,
      clicks: true,
      opens: true,
      skip: { urls: [unsubscribe, preferences], origins: ["https://app.example.com", base] },
      baseUrl: base,
      signOpen: codec.signOpen,
      signClick: codec.signClick,
      newShortCode,
      ...extra,
    });

  it("rewrites http(s) links and leaves unsubscribe, preference, app, mailto, tel and no-track links alone", () => {
    const html = `<html><body>
      <a href="https://shop.example.com/a?x=1&amp;y=2">Shop</a>
      <a href='http://shop.example.com/b'>B</a>
      <a href="mailto:hi@example.com">Mail</a> <a href="tel:+15555550100">Call</a>
      <a href="${unsubscribe}">Unsubscribe</a> <a data-no-track href="https://elsewhere.example.com">Footer</a>
      <a href="https://app.example.com/f/signup">Web version</a> <a href="/relative">Rel</a>
    </body></html>`;
    const text = `Shop: https://shop.example.com/a?x=1&y=2. Unsubscribe: ${unsubscribe} Prefs: ${preferences}`;
    const out = rewrite(text, html);
    expect(out.links.map((l) => l.url)).toEqual(["https://shop.example.com/a?x=1&y=2", "http://shop.example.com/b"]);
    expect(out.links.map((l) => l.position)).toEqual([0, 1]);
    expect(out.html).not.toContain("shop.example.com");
    for (const kept of [
      "mailto:hi@example.com",
      "tel:+15555550100",
      unsubscribe,
      "https://elsewhere.example.com",
      "https://app.example.com/f/signup",
      'href="/relative"',
    ])
      expect(out.html).toContain(kept);
    // Text and HTML share the link of the same URL; the sentence's full stop stays outside.
    const token = codec.signClick(MESSAGE, out.links[0]!.id);
    expect(out.text).toContain(`${base}/t/c/${token}.`);
    expect(out.html).toContain(`${base}/t/c/${token}"`);
    expect(out.text).toContain(unsubscribe);
    expect(out.text).toContain(preferences);
    // The pixel sits before </body>; shown in the app, the message loses it.
    expect(out.html).toMatch(new RegExp(`<img src="${base}/t/o/${codec.signOpen(MESSAGE)}"[^>]*/></body>`));
    const shown = stripTrackingPixel(out.html!);
    expect(shown).not.toContain("/t/o/");
    expect(shown).toContain("</body></html>");
  });

  it("switches: no clicks leaves links alone; no opens adds no pixel; no HTML no pixel", () => {
    const html = `<p><a href="https://shop.example.com">Shop</a></p>`;
    const noClicks = rewrite("https://shop.example.com", html, { clicks: false });
    expect(noClicks.links).toEqual([]);
    expect(noClicks.html).toContain('href="https://shop.example.com"');
    expect(noClicks.html).toContain("/t/o/");
    const noOpens = rewrite("", html, { opens: false });
    expect(noOpens.html).not.toContain("/t/o/");
    expect(rewrite("https://shop.example.com", null).html).toBeNull();
  });

  it("SMS links become short links; the estimate measures the same length", () => {
    const text = "Sale: https://shop.example.com/a/very/long/path?utm=1 Reply STOP to opt out";
    const out = rewrite(text, null, { channel: "sms" });
    expect(out.links).toHaveLength(1);
    expect(out.links[0]!.shortCode).toMatch(SHORT_CODE_PATTERN);
    expect(out.text).toBe(`Sale: ${base}/t/${out.links[0]!.shortCode} Reply STOP to opt out`);
    expect(shortenedForEstimate(text, base, { urls: [], origins: [base] }).length).toBe(out.text.length);
  });
});
