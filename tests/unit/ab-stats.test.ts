import { randomUUID, createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  chiSquareIndependence,
  significanceOf,
  twoProportionZTest,
  winnerOf,
} from "@/server/services/campaigns/ab-stats";
import { abBucket, abVariant, inAbTestGroup } from "@/server/services/campaigns/ab-assignment";
import { variantSend } from "@/server/services/campaigns/deliver-run-chunk";

const v = (key: string, successes: number, trials: number) => ({ key, successes, trials });

describe("A/B test statistics (jStat)", () => {
  it("chi-square test of independence: R's prop.test smokers example (X² = 12.6, df = 3, p = 0.005585)", () => {
    // R documentation, ?prop.test: smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82).
    const result = chiSquareIndependence([v("A", 83, 86), v("B", 90, 93), v("C", 129, 136), v("D", 70, 82)]);
    expect(result.statistic).toBeCloseTo(12.6, 1);
    expect(result.dof).toBe(3);
    expect(result.pValue).toBeCloseTo(0.005585, 5);
  });

  it("chi-square: the 2×2 table [[20, 30], [30, 20]] has X² = 4, whose published p (df 1) is 0.0455", () => {
    const result = chiSquareIndependence([v("A", 20, 50), v("B", 30, 50)]);
    expect(result.statistic).toBeCloseTo(4, 10);
    expect(result.pValue).toBeCloseTo(0.0455, 4);
  });

  it("two-proportion z-test: z = 2 gives the two-sided p 0.0455, and z² equals the 2×2 chi-square", () => {
    const z = twoProportionZTest(v("A", 20, 50), v("B", 30, 50));
    expect(z.z).toBeCloseTo(2, 10);
    expect(z.pValue).toBeCloseTo(0.0455, 4);
    expect(z.difference).toBeCloseTo(0.2, 10);
    // Wald 95% CI: 0.2 ± 1.959964 × sqrt(0.4·0.6/50 + 0.6·0.4/50) = 0.2 ± 0.19204.
    expect(z.ci95[0]).toBeCloseTo(0.00796, 4);
    expect(z.ci95[1]).toBeCloseTo(0.39204, 4);
  });

  it("two-proportion z-test: 550 of 1000 vs 600 of 1000 (z = 0.05 / sqrt(0.575·0.425·0.002) = 2.2617; normal table: p = 2·(1 − 0.9881) ≈ 0.024)", () => {
    const z = twoProportionZTest(v("A", 550, 1000), v("B", 600, 1000));
    expect(z.z).toBeCloseTo(2.2617, 3);
    expect(z.pValue).toBeCloseTo(0.0237, 3);
  });

  it("no variation or no trials: p = 1, no winner", () => {
    expect(twoProportionZTest(v("A", 0, 100), v("B", 0, 100)).pValue).toBe(1);
    expect(chiSquareIndependence([v("A", 0, 10), v("B", 0, 10), v("C", 0, 0)]).pValue).toBe(1);
    expect(winnerOf([v("A", 0, 100), v("B", 0, 100)], 1)).toBeNull();
  });

  it("picks the test by the number of variants and the winner only when p < 0.05", () => {
    expect(significanceOf([v("A", 1, 10), v("B", 2, 10)]).test).toBe("two_proportion_z");
    expect(significanceOf([v("A", 1, 10), v("B", 2, 10), v("C", 3, 10)]).test).toBe("chi_square");
    expect(winnerOf([v("A", 10, 100), v("B", 30, 100)], 0.001)).toBe("B");
    expect(winnerOf([v("A", 10, 100), v("B", 30, 100)], 0.05)).toBeNull();
    expect(winnerOf([v("A", 30, 100), v("B", 30, 100), v("C", 1, 100)], 0.001)).toBeNull();
  });
});

/** 10,000 deterministic uuids (v4-shaped, from a counter). */
function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const h = createHash("sha256").update(String(i)).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  });
}

describe("A/B test assignment (hash of campaign and contact)", () => {
  const campaignId = "7f1c2a52-9a7e-4d4e-9d3b-2f8f0c1e5a10";
  const contacts = ids(10_000);

  it("puts the test share in the test group and splits evenly among the variants (±2 points on 10,000 ids)", () => {
    for (const share of [10, 20, 50]) {
      const group = contacts.filter((c) => inAbTestGroup(campaignId, c, share));
      expect(Math.abs(group.length / contacts.length - share / 100)).toBeLessThan(0.02);
    }
    const split = (population: string[], count: number) => {
      const byVariant = new Map<string, number>();
      for (const c of population) {
        const key = abVariant(campaignId, c, count);
        byVariant.set(key, (byVariant.get(key) ?? 0) + 1);
      }
      expect([...byVariant.keys()].sort()).toEqual(["A", "B", "C", "D"].slice(0, count));
      for (const n of byVariant.values()) expect(Math.abs(n / population.length - 1 / count)).toBeLessThan(0.02);
    };
    for (const count of [2, 3, 4]) split(contacts, count);
    const half = contacts.filter((c) => inAbTestGroup(campaignId, c, 50));
    split(half, 2);
    split(half, 4);
  });

  it("is deterministic, and differs between campaigns", () => {
    const contact = randomUUID();
    expect(abBucket(campaignId, contact)).toBe(abBucket(campaignId, contact));
    expect(abVariant(campaignId, contact, 3)).toBe(abVariant(campaignId, contact, 3));
    const other = randomUUID();
    const same = contacts
      .slice(0, 1000)
      .filter((c) => inAbTestGroup(campaignId, c, 20) === inAbTestGroup(other, c, 20));
    expect(same.length).toBeLessThan(1000);
    // A bigger share keeps the smaller share's group (buckets below the smaller bound).
    const small = contacts.filter((c) => inAbTestGroup(campaignId, c, 10));
    expect(small.every((c) => inAbTestGroup(campaignId, c, 30))).toBe(true);
  });
});

describe("a variant's send (variantSend)", () => {
  const campaign = {
    templateId: null,
    content: { subject: "Spring", text: "Plain text", html: "<p>Campaign</p>", preheader: "Hi" },
    abTest: {
      variants: [
        { key: "A" as const },
        { key: "B" as const, subject: "Sale", senderName: "Ada", content: { html: "<p>Variant <b>B</b></p>" } },
        { key: "C" as const, content: { preheader: "Only the preheader" } },
      ],
      share: 20,
      metric: "opened" as const,
      waitHours: 4,
      defaultVariant: "A" as const,
      status: "testing" as const,
    },
  };
  const base = { content: campaign.content };

  it("overrides only the fields the variant gives; HTML without text brings its own text part", () => {
    expect(variantSend(campaign, base, null)).toEqual({ source: base });
    expect(variantSend(campaign, base, "A")).toEqual({ source: { content: campaign.content }, variant: "A" });
    const b = variantSend(campaign, base, "B");
    expect(b).toMatchObject({ variant: "B", senderName: "Ada" });
    expect(b.source).toEqual({
      content: { subject: "Sale", text: "Variant B", html: "<p>Variant <b>B</b></p>", preheader: "Hi" },
    });
    expect(variantSend(campaign, base, "C").source).toEqual({
      content: { ...campaign.content, preheader: "Only the preheader" },
    });
  });

  it("a template campaign keeps its template (the sender name still varies)", () => {
    const templated = { ...campaign, templateId: "00000000-0000-4000-8000-000000000009", content: null };
    const source = { templateId: templated.templateId };
    expect(variantSend(templated, source, "B")).toEqual({ source, variant: "B", senderName: "Ada" });
  });
});
