/** Time is an input: services read `ctx.now()`, tests pass a fixed or advancing clock. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

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
