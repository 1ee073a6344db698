import { describe, expect, it } from "vitest";
import { renderFormPage, renderMessagePage } from "@/components/forms/hosted-html";
import { PRODUCT_BRAND, hostedBrand } from "@/components/hosted/theme";
import { DEFAULT_ACCENT_COLOR } from "@/server/shared/workspace-profile";

describe("hosted pages' brand (components/hosted/theme.ts)", () => {
  it("is the product's own when no workspace is known", () => {
    expect(hostedBrand(null)).toEqual({ name: "OptIn Manager", accentColor: DEFAULT_ACCENT_COLOR, logoSrc: null });
    expect(hostedBrand({ name: "  " })).toBe(PRODUCT_BRAND);
  });

  it("keeps only a #rrggbb accent and an https or same-site logo (the HTML pages put them in CSS and attributes)", () => {
    expect(
      hostedBrand({ name: "Acme", accentColor: "red;}body{display:none", logoSrc: "javascript:alert(1)" }),
    ).toEqual({ name: "Acme", accentColor: DEFAULT_ACCENT_COLOR, logoSrc: null });
    for (const bad of [
      "http://cdn.example.com/a.png",
      "//evil.example/a.png",
      "/\\evil.example",
      "data:image/png;base64,AA",
    ])
      expect(hostedBrand({ name: "Acme", logoSrc: bad }).logoSrc).toBeNull();
    expect(hostedBrand({ name: "Acme", accentColor: "#0F766E", logoSrc: "/brand/x/logo?v=1" })).toEqual({
      name: "Acme",
      accentColor: "#0f766e",
      logoSrc: "/brand/x/logo?v=1",
    });
  });

  it("shows the logo with the workspace's name as alt, or its initials on the accent, and the footer", () => {
    const withLogo = renderMessagePage({
      brand: hostedBrand({ name: "Acme Coffee", accentColor: "#123456", logoSrc: "https://cdn.example.com/a.png" }),
      title: "Done",
      message: "Thanks",
    });
    expect(withLogo).toContain('<img class="logo" src="https://cdn.example.com/a.png" alt="Acme Coffee">');
    expect(withLogo).toContain("--hosted-accent:#123456");
    expect(withLogo).toContain("Powered by OptIn Manager");
    expect(withLogo).not.toContain("#a1a1aa");
    const initials = renderMessagePage({
      brand: hostedBrand({ name: "Acme Coffee" }),
      title: "Done",
      message: "Thanks",
    });
    expect(initials).toContain('<span class="mark" aria-hidden="true">AC</span>');
    expect(initials).toContain("<title>Done · Acme Coffee</title>");
  });

  it("a form offering several topics has an unticked box per topic, named by the topic; one topic has none", () => {
    const base = {
      brand: null,
      definition: { title: "Join", fields: [{ name: "email" as const, required: true }], consentText: "I agree." },
      action: "/f/key",
    };
    const several = renderFormPage({
      ...base,
      topics: [
        { key: "sale", name: "Spring sale", channels: ["email"] },
        { key: "notes", name: "Roast notes", description: "Fridays", channels: ["email", "sms"] },
      ],
    });
    expect(several.match(/<input type="checkbox"/g)).toHaveLength(2);
    expect(several).not.toContain(" checked");
    expect(several).toContain('<label for="t-1" class="topic-name">Roast notes</label>');
    expect(several).toContain('aria-describedby="t-1-ch t-1-desc"');
    const one = renderFormPage({ ...base, topics: [{ key: "sale", name: "Spring sale", channels: ["email"] }] });
    expect(one).not.toContain('type="checkbox"');
    expect(one).toContain("You're signing up for");
  });
});
