/**
 * Fixed-window in-memory limiter for a single process (form posts, invitation e-mails).
 * Not shared across processes. Limits that must hold across processes and restarts (sign-in,
 * magic links, password changes) use `persistent-rate-limit.ts` instead.
 */
export interface RateLimiter {
  /** Counts one hit for `key`; true when it is within the limit. */
  hit(key: string, now?: number): boolean;
  reset(key: string): void;
}

export function createRateLimiter({ limit, windowMs }: { limit: number; windowMs: number }): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key, now = Date.now()) {
      const current = windows.get(key);
      if (!current || now - current.start >= windowMs) {
        windows.set(key, { start: now, count: 1 });
        if (windows.size > 10_000) {
          for (const [k, w] of windows) if (now - w.start >= windowMs) windows.delete(k);
        }
        return true;
      }
      current.count += 1;
      return current.count <= limit;
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
