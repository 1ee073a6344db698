import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { escapeHtml } from "@/server/shared/html";
import { invitationEmail } from "@/server/services/invitations/invitation-email";
import { magicLinkEmail } from "@/server/services/auth/magic-link-email";
import { renderMessagePage } from "@/components/forms/hosted-html";
import { hostedBrand } from "@/components/hosted/theme";

const root = path.resolve(__dirname, "../..");

describe("escapeHtml (server/shared/html.ts)", () => {
  it("turns the five characters HTML gives a meaning to into entities", () => {
    expect(escapeHtml(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;",
    );
  });

  it("leaves every other character as it is (accents, emoji, line breaks, an empty string)", () => {
    expect(escapeHtml("Café 👋\nZürich — 100%")).toBe("Café 👋\nZürich — 100%");
    expect(escapeHtml("")).toBe("");
  });

  it("escapes an ampersand that already starts an entity, so text shows exactly as typed", () => {
    expect(escapeHtml("&amp; &#39;")).toBe("&amp;amp; &amp;#39;");
  });

  it("keeps a value inside its quoted attribute, whichever quote the attribute uses", () => {
    const hostile = `" onmouseover="alert(1)' x='`;
    expect(escapeHtml(hostile)).not.toMatch(/["'<>]/);
  });

  it("is what the product's HTML strings use: a form page, an invitation, a sign-in link", () => {
    const page = renderMessagePage({ title: "<b>Done</b>", message: "a & b", brand: hostedBrand({ name: "Acme's" }) });
    expect(page).toContain("&lt;b&gt;Done&lt;/b&gt;");
    expect(page).toContain("Acme&#39;s");
    expect(
      invitationEmail({
        inviteUrl: "https://x.test/i?a=1&b=2",
        workspaceName: "<Acme>",
        inviterName: "Ann",
        role: "admin",
      }).html,
    ).toContain(`href="https://x.test/i?a=1&amp;b=2"`);
    expect(
      magicLinkEmail({ url: `https://x.test/s?t=1&u="'>`, expires: new Date(Date.now() + 600_000) }).html,
    ).toContain(`href="https://x.test/s?t=1&amp;u=&quot;&#39;&gt;"`);
  });

  it("has one implementation: no other file defines an escapeHtml of its own", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(rel);
        else if (
          /\.(ts|tsx)$/.test(entry.name) &&
          /function escapeHtml\b|const escapeHtml\b/.test(fs.readFileSync(path.join(root, rel), "utf8"))
        )
          offenders.push(rel);
      }
    };
    for (const dir of ["app", "components", "server", "db", "inngest", "scripts"]) walk(dir);
    expect(offenders).toEqual([path.join("server", "shared", "html.ts")]);
  });
});
