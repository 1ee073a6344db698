export { foldCounterDeltas } from "./fold-counter-deltas";
export { consentCounterKey, readCounters, type CounterKind } from "./read-counters";
export { cappedCount, COUNT_CAP } from "./capped-count";
