import { describe, expect, it } from "vitest";
import {
  LIQUID_LIMITS,
  LiquidTemplateError,
  liquidGlobalPaths,
  parseLiquid,
  renderLiquid,
  unescapeLiquidInHtml,
} from "@/server/lib/liquid";
import { buildScope, sampleContact, unknownVariables } from "@/server/services/templates/scope";

const scope = buildScope({
  variables: { order_id: "A-17", items: [{ name: "Tea" }, { name: "Cake" }] },
  contact: { ...sampleContact("en"), firstName: null },
  workspace: { name: "Acme" },
  links: null,
});

async function failure(source: string, mode: "text" | "html" = "text"): Promise<LiquidTemplateError> {
  try {
    await renderLiquid(source, scope, mode);
  } catch (error) {
    expect(error).toBeInstanceOf(LiquidTemplateError);
    return error as LiquidTemplateError;
  }
  throw new Error(`expected "${source}" to fail`);
}

describe("Liquid engine (strict and sandboxed)", () => {
  it("personalises with conditionals, loops and filters", async () => {
    const out = await renderLiquid(
      'Hi {{ contact.first_name | default: "there" }}, order {{ order_id | upcase }}:{% for item in items %} {{ forloop.index }}.{{ item.name }}{% endfor %}{% if contact.attributes.vip %} VIP{% endif %}',
      scope,
      "text",
    );
    expect(out).toBe("Hi there, order A-17: 1.Tea 2.Cake");
  });

  it("an unknown variable is an error naming it, with its position", async () => {
    const error = await failure("Hello {{ coupon_code }}");
    expect(error.kind).toBe("render");
    expect(error.message).toMatch(/undefined variable: coupon_code \(line 1, column 10\)/);
  });

  it("an unknown filter is a parse error", () => {
    expect(() => parseLiquid("{{ order_id | shout }}", "text")).toThrow(/undefined filter: shout/);
  });

  it("refuses include, render and layout: nothing is read from disk", () => {
    for (const tag of ["include", "render", "layout"]) {
      expect(() => parseLiquid(`{% ${tag} "/etc/passwd" %}`, "text")).toThrow(
        new RegExp(`tag "${tag}" is not available`),
      );
    }
  });

  it("only own properties are readable", async () => {
    expect((await failure("{{ contact.constructor }}")).message).toMatch(/undefined variable/);
    expect((await failure("{{ contact.__proto__ }}")).message).toMatch(/undefined variable/);
  });

  it("a render that loops too long or allocates too much stops with a limit error", async () => {
    const slow = await failure("{% for i in (1..3000) %}{% for j in (1..3000) %}{% endfor %}{% endfor %}");
    expect(slow.kind).toBe("limit");
    const big = await failure(
      '{% assign a = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign a = a | append: a %}{% endfor %}{{ a }}',
    );
    expect(big.kind).toBe("limit");
  });

  it("refuses a template source above the size limit", () => {
    expect(() => parseLiquid("x".repeat(LIQUID_LIMITS.sourceChars + 1), "text")).toThrow(/limit/);
  });

  it("the html engine escapes values unless told raw; the text engine writes them as they are", async () => {
    const s = buildScope({
      variables: { note: "<b>Tom & Jerry</b>" },
      contact: sampleContact("en"),
      workspace: { name: "Acme" },
      links: null,
    });
    expect(await renderLiquid("<p>{{ note }}</p>", s, "html")).toBe("<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>");
    expect(await renderLiquid("{{ note }}", s, "text")).toBe("<b>Tom & Jerry</b>");
  });

  it("reads Liquid typed into rich text even though the editor escaped it", async () => {
    const html = "<p>{{ contact.first_name | default: &quot;there&quot; }}{% if 2 &gt; 1 %}!{% endif %} &amp; more</p>";
    expect(unescapeLiquidInHtml(html)).toBe(
      '<p>{{ contact.first_name | default: "there" }}{% if 2 > 1 %}!{% endif %} &amp; more</p>',
    );
    expect(await renderLiquid(html, scope, "html")).toBe("<p>there! &amp; more</p>");
  });

  it("static analysis finds the variables nothing provides", () => {
    const paths = liquidGlobalPaths(
      "{{ order_id }} {{ contact.frist_name }} {{ contact.attributes.plan }} {{ workspace.name }} {{ workspace.id }} {{ unsubscribe_url }} {% assign x = 1 %}{{ x }} {% for i in items %}{{ i.name }}{% endfor %} {{ coupon }}",
      "text",
    );
    expect(unknownVariables(paths, ["order_id", "items"]).sort()).toEqual([
      "contact.frist_name",
      "coupon",
      "workspace.id",
    ]);
  });
});
