import jStat from "jstat";

/** One variant's counts for the metric: `successes` of `trials` (e.g. opened of sent). */
export interface VariantCounts {
  key: string;
  successes: number;
  trials: number;
}

/** A two-proportion z-test's answer: the difference (second − first), its 95% CI, the two-sided p-value. */
export interface ZTestResult {
  test: "two_proportion_z";
  z: number;
  pValue: number;
  difference: number;
  ci95: [number, number];
}

/** A chi-square test of independence's answer (variants × success/failure). */
export interface ChiSquareResult {
  test: "chi_square";
  statistic: number;
  dof: number;
  pValue: number;
}

/** The confidence the automatic decision asks for: p below 0.05. */
export const SIGNIFICANCE_LEVEL = 0.05;

/**
 * Two-proportion z-test (pooled standard error for the statistic; unpooled, Wald, for the 95%
 * confidence interval of the difference p2 − p1). Two-sided p-value from the standard normal.
 * With no trials on a side, or no variation at all (every trial a success, or none), p = 1.
 */
export function twoProportionZTest(first: VariantCounts, second: VariantCounts): ZTestResult {
  const p1 = first.trials > 0 ? first.successes / first.trials : 0;
  const p2 = second.trials > 0 ? second.successes / second.trials : 0;
  const difference = p2 - p1;
  const n = first.trials + second.trials;
  const pooled = n > 0 ? (first.successes + second.successes) / n : 0;
  const se =
    first.trials > 0 && second.trials > 0
      ? Math.sqrt(pooled * (1 - pooled) * (1 / first.trials + 1 / second.trials))
      : 0;
  const z = se > 0 ? difference / se : 0;
  const pValue = se > 0 ? Math.min(1, 2 * (1 - jStat.normal.cdf(Math.abs(z), 0, 1))) : 1;
  const unpooled =
    first.trials > 0 && second.trials > 0
      ? Math.sqrt((p1 * (1 - p1)) / first.trials + (p2 * (1 - p2)) / second.trials)
      : 0;
  const critical = jStat.normal.inv(0.975, 0, 1);
  return {
    test: "two_proportion_z",
    z,
    pValue,
    difference,
    ci95: [difference - critical * unpooled, difference + critical * unpooled],
  };
}

/**
 * Pearson's chi-square test of independence on the variants × (success, failure) table, without
 * continuity correction; dof = variants − 1. A table without variation (no success or no failure
 * anywhere), or with a variant without trials, answers p = 1 over the variants that have trials.
 */
export function chiSquareIndependence(variants: readonly VariantCounts[]): ChiSquareResult {
  const rows = variants.filter((v) => v.trials > 0);
  const successes = rows.reduce((s, v) => s + v.successes, 0);
  const trials = rows.reduce((s, v) => s + v.trials, 0);
  const failures = trials - successes;
  const dof = Math.max(rows.length - 1, 1);
  if (rows.length < 2 || successes === 0 || failures === 0) return { test: "chi_square", statistic: 0, dof, pValue: 1 };
  let statistic = 0;
  for (const v of rows) {
    const expectedSuccess = (v.trials * successes) / trials;
    const expectedFailure = (v.trials * failures) / trials;
    statistic += (v.successes - expectedSuccess) ** 2 / expectedSuccess;
    statistic += (v.trials - v.successes - expectedFailure) ** 2 / expectedFailure;
  }
  return {
    test: "chi_square",
    statistic,
    dof,
    pValue: Math.min(1, Math.max(0, 1 - jStat.chisquare.cdf(statistic, dof))),
  };
}

/** The test an A/B test's variants get: the z-test for two, chi-square for three or four. */
export function significanceOf(variants: readonly VariantCounts[]): ZTestResult | ChiSquareResult {
  if (variants.length === 2) return twoProportionZTest(variants[0]!, variants[1]!);
  return chiSquareIndependence(variants);
}

/**
 * The automatic decision: the variant with the best rate when the test says p < 0.05, else null
 * ("no significant difference": the caller sends the default variant). Ties on the best rate are
 * no winner either.
 */
export function winnerOf(variants: readonly VariantCounts[], pValue: number): string | null {
  if (!(pValue < SIGNIFICANCE_LEVEL)) return null;
  const rate = (v: VariantCounts) => (v.trials > 0 ? v.successes / v.trials : 0);
  const sorted = [...variants].sort((a, b) => rate(b) - rate(a));
  if (sorted.length < 2 || rate(sorted[0]!) === rate(sorted[1]!)) return null;
  return sorted[0]!.key;
}
