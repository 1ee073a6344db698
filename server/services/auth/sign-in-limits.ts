import type { Queryable } from "@/db/client";
import {
  activeCount,
  clearLimit,
  isBlocked,
  limitKey,
  readLimits,
  recordHit,
  type LimitRule,
} from "@/server/lib/persistent-rate-limit";

const MINUTE = 60_000;

/**
 * Abuse limits on sign-in, counted in `rate_limits` (all processes, across restarts). Only
 * failures count; a refused attempt is not checked and not counted.
 *
 * - per client address: 30 failed sign-ins in 15 minutes, then refused until the window ends;
 * - per account and address: 5 failures free, then back-off 1 s, 2 s, 4 s … capped at 15 minutes;
 * - per account, all addresses: 50 failures free in an hour, then the same back-off — applied only
 *   to addresses that have failed themselves, so the owner signing in from an address with no
 *   failures is never locked out by someone else's guessing;
 * - the whole instance: 1000 failures a minute, then every sign-in is refused until the minute ends.
 */
export const SIGN_IN_LIMITS = {
  perAddress: { windowMs: 15 * MINUTE, limit: 30 },
  perAccountAddress: { windowMs: 60 * MINUTE, backoff: { free: 5, baseMs: 1000, capMs: 15 * MINUTE } },
  perAccount: { windowMs: 60 * MINUTE, backoff: { free: 50, baseMs: 1000, capMs: 15 * MINUTE } },
  instance: { windowMs: MINUTE, limit: 1000 },
} satisfies Record<string, LimitRule>;

/** Magic-link requests: 3 per address and 10 per client address in 15 minutes. */
export const MAGIC_LINK_LIMITS = {
  perEmail: { windowMs: 15 * MINUTE, limit: 3 },
  perAddress: { windowMs: 15 * MINUTE, limit: 10 },
} satisfies Record<string, LimitRule>;

/** Wrong current passwords when changing it: 5 per user in 15 minutes. */
export const CHANGE_PASSWORD_LIMIT = { windowMs: 15 * MINUTE, limit: 5 } satisfies LimitRule;

const INSTANCE_KEY = "sign-in-instance";

function signInKeys(email: string, clientKey: string) {
  return {
    address: limitKey("sign-in-address", clientKey),
    accountAddress: limitKey("sign-in-account-address", email, clientKey),
    account: limitKey("sign-in-account", email),
    instance: INSTANCE_KEY,
  };
}

/**
 * Whether a password sign-in for `email` from `clientKey` may be checked at `now`. Reading is one
 * select of the four counters.
 */
export async function signInAllowed(db: Queryable, email: string, clientKey: string, now: Date): Promise<boolean> {
  const keys = signInKeys(email, clientKey);
  const states = await readLimits(db, Object.values(keys));
  if (
    isBlocked(states.get(keys.instance), now) ||
    isBlocked(states.get(keys.address), now) ||
    isBlocked(states.get(keys.accountAddress), now)
  ) {
    return false;
  }
  const addressHasFailed =
    activeCount(states.get(keys.address), SIGN_IN_LIMITS.perAddress, now) > 0 ||
    activeCount(states.get(keys.accountAddress), SIGN_IN_LIMITS.perAccountAddress, now) > 0;
  return !(addressHasFailed && isBlocked(states.get(keys.account), now));
}

/** Counts one failed sign-in against every limit (one upsert each). */
export async function recordSignInFailure(db: Queryable, email: string, clientKey: string, now: Date): Promise<void> {
  const keys = signInKeys(email, clientKey);
  await Promise.all([
    recordHit(db, keys.address, SIGN_IN_LIMITS.perAddress, now),
    recordHit(db, keys.accountAddress, SIGN_IN_LIMITS.perAccountAddress, now),
    recordHit(db, keys.account, SIGN_IN_LIMITS.perAccount, now),
    recordHit(db, keys.instance, SIGN_IN_LIMITS.instance, now),
  ]);
}

/** After a successful sign-in: this address's back-off on this account starts over (the other counters stay). */
export async function recordSignInSuccess(db: Queryable, email: string, clientKey: string): Promise<void> {
  await clearLimit(db, signInKeys(email, clientKey).accountAddress);
}

/**
 * Counts a magic-link request (one upsert per limit) and answers whether a link may be sent: the
 * count includes this request, so concurrent requests cannot slip past the limit. Past it nothing
 * is sent; the caller answers exactly as if it had been.
 */
export async function magicLinkAllowed(db: Queryable, email: string, clientKey: string, now: Date): Promise<boolean> {
  const [perEmail, perAddress] = await Promise.all([
    recordHit(db, limitKey("magic-link-email", email.trim().toLowerCase()), MAGIC_LINK_LIMITS.perEmail, now),
    recordHit(db, limitKey("magic-link-address", clientKey), MAGIC_LINK_LIMITS.perAddress, now),
  ]);
  return perEmail.count <= MAGIC_LINK_LIMITS.perEmail.limit && perAddress.count <= MAGIC_LINK_LIMITS.perAddress.limit;
}

export function changePasswordKey(userId: string): string {
  return limitKey("change-password", userId);
}
