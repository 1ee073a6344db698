import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";

/**
 * Every spec imports `test` from here: after each passing test, every HTML page the test's
 * browser context navigated to (on the product's own origin) is opened again and checked with
 * axe against WCAG 2.1 AA. Pages are keyed by route shape (ids and tokens folded), so each kind
 * of page is checked once per run, not once per visit. Reading a page again is safe: a GET never
 * changes state in this product (the unsubscribe and confirm pages act only on POST).
 */
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const audited = new Set<string>();

/** `/u/eyJ…` and `/contacts/3f2a…` → `/u/:token`, `/contacts/:id`; query keys kept, values dropped. */
export function routeShape(url: URL): string {
  const path = url.pathname
    .split("/")
    .map((segment) => {
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment)) return ":id";
      if (/^[A-Za-z0-9_.~-]{20,}$/.test(segment)) return ":token";
      return segment;
    })
    .join("/");
  const keys = [...new Set(url.searchParams.keys())].sort();
  return keys.length ? `${path}?${keys.join("&")}` : path;
}

export async function axeViolations(page: Page) {
  // Legacy mode runs axe inside the page (its frames included) instead of finishing the run in a
  // fresh tab: opening that tab at teardown was what hung on a loaded 2-core machine.
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).setLegacyMode(true).analyze();
  return results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({
      target: n.target.join(" "),
      html: n.html.slice(0, 160),
      why: n.failureSummary?.split("\n").slice(1).join(" ").slice(0, 200),
    })),
  }));
}

/** Explicit check of the page as it is now (a dialog open, a state reached by clicking). */
export async function expectAccessible(page: Page) {
  const violations = await axeViolations(page);
  expect(violations, `axe (WCAG 2.1 AA) on ${page.url()}`).toEqual([]);
}

function trackNavigations(context: BrowserContext, origin: string, seen: Map<string, string>) {
  const track = (page: Page) =>
    page.on("response", (response) => {
      const request = response.request();
      if (!request.isNavigationRequest() || request.method() !== "GET" || response.frame() !== page.mainFrame()) return;
      if (!(response.headers()["content-type"] ?? "").startsWith("text/html")) return;
      const url = new URL(response.url());
      if (url.origin !== origin || url.pathname.startsWith("/api/")) return;
      const shape = routeShape(url);
      if (!audited.has(shape) && !seen.has(shape)) seen.set(shape, url.href);
    });
  context.pages().forEach(track);
  context.on("page", track);
}

export const test = base.extend<{ accessibilityAudit: void }>({
  accessibilityAudit: [
    async ({ context, baseURL }, use, testInfo) => {
      const seen = new Map<string, string>();
      const origin = new URL(baseURL!).origin;
      trackNavigations(context, origin, seen);
      await use();
      if (testInfo.status !== testInfo.expectedStatus || seen.size === 0) return;
      const failures: string[] = [];
      // The test's own tab when it is still open (a second tab is one more process on a busy machine).
      const reused = context.pages().find((open) => !open.isClosed());
      const page = reused ?? (await context.newPage());
      try {
        for (const [shape, href] of seen) {
          if (audited.has(shape)) continue;
          await page.goto(href, { waitUntil: "load" });
          // Loading states carry aria-busy="true"; wait for the data to be on the page (polling
          // pages never go network-idle, so that is not the signal), within a bound.
          await page
            .waitForFunction(() => !document.querySelector('[aria-busy="true"]'), undefined, { timeout: 8_000 })
            .catch(() => undefined);
          const violations = await axeViolations(page);
          audited.add(shape);
          if (violations.length) failures.push(`${shape} (${page.url()}):\n${JSON.stringify(violations, null, 2)}`);
        }
      } finally {
        if (!reused) await page.close();
      }
      expect(failures, "axe (WCAG 2.1 AA) violations on pages this test visited").toEqual([]);
    },
    // Its own time budget, on top of the test's: a test that visits many kinds of page re-opens each.
    { auto: true, timeout: 180_000 },
  ],
});

export { expect };
