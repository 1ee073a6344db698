/**
 * Send-time optimisation: the model behind a campaign scheduled "at each recipient's best hour".
 *
 * Evidence: a contact's own human opens and clicks (machine events left out) of the last
 * `HISTORY_DAYS` days, counted by the hour of their local day (0–23) in the zone their send is
 * planned in. The workspace prior is the same count over every contact of the workspace, as a
 * distribution over the 24 hours; with fewer than `MIN_PRIOR_EVENTS` events in all it is a
 * point mass on the schedule's fallback hour (default 10:00).
 *
 * Shrinkage (a Dirichlet-multinomial, i.e. a Bayesian average): a contact with `n` events,
 * `c_h` of them at hour `h`, gets
 *
 *     posterior_h = (c_h + k · prior_h) / (n + k)
 *
 * with `k = PRIOR_WEIGHT` (5) pseudo-events spread like the prior. One or two events barely move
 * a contact away from the workspace's best hour; a dozen at the same hour win. `n + k` is the
 * same for every hour of one contact, so the argmax compares `c_h + k · prior_h`.
 *
 * The best hour is the argmax over the allowed hours only (inside the schedule's window and
 * outside the workspace's quiet hours for the channel); ties go to the earliest allowed slot
 * from the window's start. The freeze computes exactly this in one SQL statement for the whole
 * audience (server/services/campaigns/freeze-run.ts); this module is its reference and is what
 * the unit tests pin down.
 */

/** Days of opens and clicks the model reads. */
export const HISTORY_DAYS = 180;
/** k: how many pseudo-events of the workspace prior each contact starts with. */
export const PRIOR_WEIGHT = 5;
/** Below this many events in the whole workspace the prior is the fallback hour alone. */
export const MIN_PRIOR_EVENTS = 20;
/** The fallback hour when the schedule gives none. */
export const DEFAULT_FALLBACK_HOUR = 10;
/** The longest window a best-hour send may spread over. */
export const MAX_WINDOW_HOURS = 24;

/** Counts of events by local hour: an array of 24 non-negative numbers. */
export type HourCounts = readonly number[];

/** The workspace prior: the workspace's distribution over hours, or a point mass on `fallbackHour`. */
export function workspacePrior(workspaceCounts: HourCounts, fallbackHour: number): number[] {
  const total = workspaceCounts.reduce((sum, n) => sum + n, 0);
  if (total < MIN_PRIOR_EVENTS) return Array.from({ length: 24 }, (_, h) => (h === fallbackHour ? 1 : 0));
  return Array.from({ length: 24 }, (_, h) => (workspaceCounts[h] ?? 0) / total);
}

/** posterior_h = (c_h + k · prior_h) / (n + k), for the 24 hours. */
export function posterior(contactCounts: HourCounts, prior: readonly number[], k = PRIOR_WEIGHT): number[] {
  const n = contactCounts.reduce((sum, c) => sum + c, 0);
  return Array.from({ length: 24 }, (_, h) => ((contactCounts[h] ?? 0) + k * (prior[h] ?? 0)) / (n + k));
}

/**
 * The best hour among `allowedHours`, given in slot order (the first is the earliest after the
 * window's start): the highest posterior, the earliest slot on a tie. Null when no hour is allowed.
 */
export function bestHour(
  contactCounts: HourCounts,
  prior: readonly number[],
  allowedHours: readonly number[],
  k = PRIOR_WEIGHT,
): number | null {
  const scores = posterior(contactCounts, prior, k);
  let best: number | null = null;
  for (const hour of allowedHours) {
    // Strictly greater: an equal score later in the window does not displace an earlier one.
    if (best === null || scores[hour]! > scores[best]! + 1e-12) best = hour;
  }
  return best;
}

/**
 * Hours of the local day allowed by quiet hours: `[start, end)` in minutes of the day (an hour
 * slot is allowed when its start minute, hh:00, is inside); `null` window = every hour.
 */
export function quietHoursAllowed(window: { start: number; end: number } | null): boolean[] {
  return Array.from({ length: 24 }, (_, h) => !window || (h * 60 >= window.start && h * 60 < window.end));
}
