import { describe, expect, it } from "vitest";
import { figuresCell, resultRow } from "@/bench/lib/record";

describe("benchmark result rows", () => {
  it("renders the ratio in its own column and scalar figures as key=value", () => {
    const row = resultRow({
      date: new Date("2026-12-07T01:02:03Z"),
      commit: "abc1234",
      name: "import",
      args: ["--size", "100000", "--db", "postgres", "--record"],
      cores: 2,
      summary: { rowsPerSec: 90000, ratio: 3.5, slices: [1, 2], ok: true, note: "a|b" },
    });
    expect(row).toBe(
      "| 2026-12-07 01:02 | abc1234 | import | --size 100000 --db postgres | 2 | 3.5 | rowsPerSec=90000, ok=true, note=a\\|b |",
    );
  });

  it("shows a dash when the summary has no ratio and caps the figures", () => {
    const summary = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    expect(figuresCell(summary, 3)).toBe("k0=0, k1=1, k2=2");
    expect(resultRow({ date: new Date(0), commit: "?", name: "pages", args: [], cores: 2, summary: {} })).toContain(
      "| pages | — | 2 | — |",
    );
  });
});
