/** Time is an input: services read `ctx.now()`, tests pass a fixed or advancing clock. */
export type Clock = () => Date;
// One function per process, on globalThis: Next may load this module twice (instrumentation and
// route bundles), and code that asks "is this real time?" compares clocks by identity.
const globalForClock = globalThis as unknown as { __optinSystemClock?: Clock };
export const systemClock: Clock = (globalForClock.__optinSystemClock ??= () => new Date());

export function fixedClock(at: Date | string): Clock & { advance(ms: number): void; set(at: Date | string): void } {
  let current = new Date(at).getTime();
  const clock = (() => new Date(current)) as Clock & { advance(ms: number): void; set(at: Date | string): void };
  clock.advance = (ms: number) => {
    current += ms;
  };
  clock.set = (value: Date | string) => {
    current = new Date(value).getTime();
  };
  return clock;
}
