import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./fixtures";
import type { APIResponse, Response } from "@playwright/test";
import config from "../../playwright.config";
import { createTokenCodec } from "../../server/lib/tokens";
import { signIn } from "./helpers";

/**
 * Every HTML page carries a Content-Security-Policy that refuses framing, nosniff and a
 * Referrer-Policy; an admin page put in a frame by another site does not render. Hosted forms may be
 * framed only through their embed URL (`?embed=1`), which the form's iframe snippet uses.
 */
const serverEnv = (Array.isArray(config.webServer) ? config.webServer[0] : config.webServer)!.env!;
const tokens = createTokenCodec(serverEnv.APP_SECRET!);
const auth = { Authorization: `Bearer ${serverEnv.INIT_ADMIN_API_KEY}` };

function expectPageHeaders(response: Response | APIResponse | null, { referrer }: { referrer: string }) {
  const headers = response!.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).toContain("object-src 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe(referrer);
}

test("the admin UI and the contact pages carry the security headers", async ({ page, request }) => {
  expectPageHeaders(await page.goto("/sign-in"), { referrer: "strict-origin-when-cross-origin" });
  await signIn(page);
  for (const path of ["/", "/contacts", "/templates", "/settings/api-keys"]) {
    expectPageHeaders(await page.goto(path), { referrer: "strict-origin-when-cross-origin" });
  }

  const me = await (await request.get("/api/v1/me", { headers: auth })).json();
  const topics = (await (await request.get("/api/v1/topics", { headers: auth })).json()).items as {
    key: string;
    id: string;
  }[];
  const contact = await (
    await request.post("/api/v1/contacts", {
      headers: auth,
      data: { email: `headers-${randomUUID().slice(0, 8)}@example.com` },
    })
  ).json();
  const claims = { workspaceId: me.workspace.id as string, contactId: contact.id as string, channel: "email" as const };
  const unsubscribe = tokens.sign("unsubscribe", {
    ...claims,
    topicId: topics.find((t) => t.key === "newsletter")!.id,
  });
  expectPageHeaders(await page.goto(`/u/${unsubscribe}`), { referrer: "no-referrer" });
  expectPageHeaders(await page.goto(`/preferences/${tokens.sign("preferences", claims)}`), { referrer: "no-referrer" });

  // JSON answers are never sniffed as HTML either.
  const health = await request.get("/api/health");
  expect(health.headers()["x-content-type-options"]).toBe("nosniff");
});

test("an admin page framed by another site does not render; a form's embed URL does", async ({ page, request }) => {
  // A form to embed, made by the signed-in owner (forms are an admin-UI feature).
  await signIn(page);
  const topics = (await (await request.get("/api/v1/topics", { headers: auth })).json()).items as {
    key: string;
    id: string;
  }[];
  const created = await page.request.post("/api/trpc/forms.create", {
    headers: { "content-type": "application/json", origin: config.use!.baseURL! },
    data: {
      json: {
        name: `Embed ${randomUUID().slice(0, 6)}`,
        definition: {
          title: "Framing check",
          fields: [{ name: "email", required: true }],
          topicIds: [topics.find((t) => t.key === "newsletter")!.id],
          consentText: "Yes, send me the newsletter.",
          doubleOptIn: false,
        },
      },
    },
  });
  expect(created.status()).toBe(200);
  const formKey = (await created.json()).result.data.json.key as string;

  const base = config.use!.baseURL!;
  const framer = `<!doctype html><title>framer</title><iframe id="admin" src="${base}/contacts" width="600" height="300"></iframe><iframe id="form" src="${base}/f/${formKey}?embed=1" width="600" height="300"></iframe><iframe id="plain" src="${base}/f/${formKey}" width="600" height="300"></iframe>`;
  // Served by a tiny server at another site than the app (127.0.0.1 vs localhost).
  const other = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(framer);
  });
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
  // The embeddable form renders (its button shows), which also proves the frames loaded.
  await expect(page.frameLocator("#form").getByRole("button", { name: /subscribe|sign up/i })).toBeVisible();
  // The signed-in admin page and the plain form URL are refused by the browser: nothing of them renders.
  await expect(page.frameLocator("#admin").getByRole("link", { name: "Contacts" })).toHaveCount(0);
  await expect(page.frameLocator("#plain").locator("form")).toHaveCount(0);
  const frameUrls = page.frames().map((f) => f.url());
  expect(frameUrls.filter((url) => url.startsWith("chrome-error://"))).toHaveLength(2);
  await new Promise<void>((resolve) => other.close(() => resolve()));
});
