import type { TAbTestResults } from "@/server/services/campaigns";

/** A p-value as shown: three decimals, "< 0.001" below that. */
export function formatP(p: number): string {
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

/** A rate (0–1) as a percentage with one decimal ("—" for none). */
export function formatRate(rate: number | null): string {
  return rate === null ? "—" : `${(Math.round(rate * 1000) / 10).toLocaleString("en-US")}%`;
}

/**
 * The plain sentence of an A/B test's state: who won and on what p-value, or that there is no
 * significant difference (yet) and which variant then goes to the rest.
 */
export function abDecisionSentence(results: TAbTestResults): string {
  const test = results.settings;
  if (!test) return "This campaign has no A/B test.";
  const sig = results.significance;
  const p = sig ? ` (p = ${formatP(sig.pValue)})` : "";
  // A send-time test names its variants by their timing: "Best hour (variant B)".
  const name = (key: string | null) => {
    const label = results.variants.find((v) => v.key === key && v.sendTime)?.label;
    return label ? `${label} (variant ${key})` : `Variant ${key}`;
  };
  const defaultLabel = results.variants.find((v) => v.key === test.defaultVariant && v.sendTime)?.label;
  const fallback = defaultLabel
    ? `${defaultLabel.toLowerCase()} (variant ${test.defaultVariant}, default) goes to the rest`
    : `variant ${test.defaultVariant} (default) goes to the rest`;
  switch (results.status) {
    case "winner_chosen":
      return `${name(results.winner)} wins${results.winner && sig ? p : ""}: it goes to the rest of the audience.`;
    case "no_difference":
      return `No significant difference at 95%${p}: ${fallback}.`;
    case "overridden":
      return `${name(results.winner)} was chosen by hand: it goes to the rest of the audience.`;
    default:
      if (!results.testRunId || !sig) return "The test group has not been sent yet.";
      if (sig.leader) return `${name(sig.leader)} leads${p}; the winner is chosen when the wait is over.`;
      return `No significant difference yet${p}: unless that changes, ${fallback}.`;
  }
}

/** A relative change (0.25 → "+25%", −0.1 → "−10%"), one decimal when under 10%. */
export function formatLift(value: number): string {
  const pct = value * 100;
  const rounded = Math.abs(pct) < 10 ? Math.round(pct * 10) / 10 : Math.round(pct);
  const sign = rounded > 0 ? "+" : rounded < 0 ? "−" : "";
  return `${sign}${Math.abs(rounded).toLocaleString("en-US")}%`;
}

/** A send-time test's lift in one sentence: best hour vs fixed time on the metric, with its 95% CI. */
export function liftSentence(lift: NonNullable<TAbTestResults["lift"]>): string {
  if (lift.relative === null)
    return `Best hour vs fixed time: no lift to compute yet (the fixed time has no ${lift.metric} messages).`;
  const ci = lift.ci95 ? ` (95% CI ${formatLift(lift.ci95[0])} to ${formatLift(lift.ci95[1])})` : "";
  return `Best hour vs fixed time: ${formatLift(lift.relative)} ${lift.metric}${ci}.`;
}
