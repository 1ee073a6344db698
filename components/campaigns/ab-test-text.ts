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
  const fallback = `variant ${test.defaultVariant} (default) goes to the rest`;
  switch (results.status) {
    case "winner_chosen":
      return `Variant ${results.winner} wins${results.winner && sig ? p : ""}: it goes to the rest of the audience.`;
    case "no_difference":
      return `No significant difference at 95%${p}: ${fallback}.`;
    case "overridden":
      return `Variant ${results.winner} was chosen by hand: it goes to the rest of the audience.`;
    default:
      if (!results.testRunId || !sig) return "The test group has not been sent yet.";
      if (sig.leader) return `Variant ${sig.leader} leads${p}; the winner is chosen when the wait is over.`;
      return `No significant difference yet${p}: unless that changes, ${fallback}.`;
  }
}
