/**
 * State telemarketing rules that are stricter than the federal TCPA window (8:00–21:00 in the
 * recipient's local time) for marketing text messages. The state is the one that issued the
 * number's area code (see server/lib/nanp-area-codes.ts), the usual proxy for where the
 * recipient lives.
 *
 * A conservative summary of the statutes as commonly read (not legal advice); where a statute
 * speaks of "calls", texts are treated as calls, as the FCC and most courts do for the TCPA.
 * State holidays (some states forbid solicitation on them) are not modelled.
 *
 * - FL  Fla. Stat. §501.059(8): 8:00–20:00; at most 3 messages on the same subject per 24 h.
 * - OK  Okla. Stat. tit. 15 §775C.4: 8:00–21:00; at most 3 per 24 h on the same subject.
 * - MD  Md. Code, Com. Law §14-4503 (Stop the Spam Calls Act, 2023): 8:00–20:00; at most 3 per 24 h.
 * - WA  RCW 80.36.390: 8:00–20:00.
 * - TX  Tex. Bus. & Com. Code §301.051: 9:00–21:00, Sunday 12:00–21:00.
 * - CT  Conn. Gen. Stat. §42-288a (as amended 2023): 9:00–20:00.
 * - MA  940 CMR 19: 8:00–20:00.
 * - MN  Minn. Stat. §325E.27: 9:00–21:00.
 * - KY  KRS 367.46955: 10:00–21:00.
 * - AL, LA, MS: 8:00–20:00 and never on Sunday.
 * - RI  R.I. Gen. Laws §5-61-3.4: weekdays 9:00–18:00, Saturday 10:00–17:00, never on Sunday.
 * - UT  Utah Code §13-25a: 8:00–21:00 (the federal window, listed so the timeline names the rule).
 */

/** Allowed local window on one weekday, in minutes after midnight; null = no sending that day. */
export type DayWindow = { start: number; end: number } | null;

export interface StateRule {
  region: string;
  /** Statute summary shown in the decision's checks. */
  label: string;
  /** Index 0 = Sunday … 6 = Saturday. */
  windows: readonly DayWindow[];
  /** At most this many marketing messages on the same topic per rolling 24 hours, when set. */
  maxPerTopicPer24h?: number;
}

const h = (hours: number, minutes = 0) => hours * 60 + minutes;
const every = (start: number, end: number): DayWindow[] => Array.from({ length: 7 }, () => ({ start, end }));
const notOnSunday = (start: number, end: number): DayWindow[] => [
  null,
  ...Array.from({ length: 6 }, () => ({ start, end })),
];

const RULES: StateRule[] = [
  { region: "FL", label: "Florida (FTSA)", windows: every(h(8), h(20)), maxPerTopicPer24h: 3 },
  { region: "OK", label: "Oklahoma (OTSA)", windows: every(h(8), h(21)), maxPerTopicPer24h: 3 },
  { region: "MD", label: "Maryland (Stop the Spam Calls Act)", windows: every(h(8), h(20)), maxPerTopicPer24h: 3 },
  { region: "WA", label: "Washington", windows: every(h(8), h(20)) },
  {
    region: "TX",
    label: "Texas",
    windows: [{ start: h(12), end: h(21) }, ...Array.from({ length: 6 }, () => ({ start: h(9), end: h(21) }))],
  },
  { region: "CT", label: "Connecticut", windows: every(h(9), h(20)) },
  { region: "MA", label: "Massachusetts", windows: every(h(8), h(20)) },
  { region: "MN", label: "Minnesota", windows: every(h(9), h(21)) },
  { region: "KY", label: "Kentucky", windows: every(h(10), h(21)) },
  { region: "AL", label: "Alabama", windows: notOnSunday(h(8), h(20)) },
  { region: "LA", label: "Louisiana", windows: notOnSunday(h(8), h(20)) },
  { region: "MS", label: "Mississippi", windows: notOnSunday(h(8), h(20)) },
  {
    region: "RI",
    label: "Rhode Island",
    windows: [null, ...Array.from({ length: 5 }, () => ({ start: h(9), end: h(18) })), { start: h(10), end: h(17) }],
  },
  { region: "UT", label: "Utah", windows: every(h(8), h(21)) },
];

const BY_REGION: ReadonlyMap<string, StateRule> = new Map(RULES.map((rule) => [rule.region, rule]));

/** The stricter-than-federal rule of a US state (USPS code), or null. */
export function stateRuleFor(region: string | null | undefined): StateRule | null {
  return region ? (BY_REGION.get(region) ?? null) : null;
}

/** Every state rule, for the settings page's explanation. */
export function listStateRules(): readonly StateRule[] {
  return RULES;
}
