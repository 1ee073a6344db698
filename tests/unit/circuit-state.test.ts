import { describe, expect, it } from "vitest";
import {
  CIRCUIT_MAX_OPEN_MS,
  CIRCUIT_OPEN_MS,
  CIRCUIT_PROBE_TIMEOUT_MS,
  CIRCUIT_PROBE_WAIT_MS,
  gateOf,
  nextCircuit,
  type Circuit,
} from "@/server/services/messages/circuit-state";

const T0 = new Date("2026-12-02T12:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const closed = (failures: number, windowStart = T0): Circuit => ({
  provider: "twilio",
  state: "closed",
  failures,
  windowStart,
  openedAt: null,
  openUntil: null,
});
const failed = (failures: number) => ({ failures, succeeded: false, probe: false });

describe("counting failures while closed", () => {
  it("a healthy provider writes nothing", () => {
    expect(nextCircuit(undefined, { failures: 0, succeeded: true, probe: false }, T0)).toBeNull();
    expect(nextCircuit(closed(0), { failures: 0, succeeded: true, probe: false }, T0)).toBeNull();
  });

  it("adds failures within the window and opens at the tenth for 30 s", () => {
    const nine = nextCircuit(closed(4), failed(5), at(10_000));
    expect(nine).toMatchObject({ state: "closed", failures: 9, windowStart: T0 });
    const ten = nextCircuit(closed(9), failed(1), at(20_000));
    expect(ten).toEqual({
      state: "open",
      failures: 10,
      windowStart: T0,
      openedAt: at(20_000),
      openUntil: at(20_000 + CIRCUIT_OPEN_MS),
    });
  });

  it("a success in between starts again from the failures after it", () => {
    expect(nextCircuit(closed(9), { failures: 2, succeeded: true, probe: false }, at(1_000))).toMatchObject({
      state: "closed",
      failures: 2,
      windowStart: at(1_000),
    });
    expect(nextCircuit(closed(9), { failures: 0, succeeded: true, probe: false }, at(1_000))).toMatchObject({
      state: "closed",
      failures: 0,
    });
  });

  it("failures older than the window no longer count", () => {
    expect(nextCircuit(closed(9), failed(1), at(61_000))).toMatchObject({
      state: "closed",
      failures: 1,
      windowStart: at(61_000),
    });
  });

  it("outcomes of calls made before another round opened the circuit change nothing", () => {
    const open: Circuit = { ...closed(10), state: "open", openedAt: T0, openUntil: at(CIRCUIT_OPEN_MS) };
    expect(nextCircuit(open, failed(3), at(1_000))).toBeNull();
    expect(nextCircuit(open, { failures: 0, succeeded: true, probe: false }, at(1_000))).toBeNull();
  });
});

describe("open and half-open", () => {
  const open: Circuit = { ...closed(10), state: "open", openedAt: T0, openUntil: at(CIRCUIT_OPEN_MS) };

  it("an open circuit makes delivery wait until open_until, then lets a probe through", () => {
    expect(gateOf(open, at(1_000))).toEqual({ kind: "wait", until: at(CIRCUIT_OPEN_MS) });
    expect(gateOf(open, at(CIRCUIT_OPEN_MS))).toEqual({ kind: "probe" });
    expect(gateOf(undefined, T0)).toEqual({ kind: "closed" });
    expect(gateOf(closed(5), T0)).toEqual({ kind: "closed" });
  });

  it("while a probe is under way others wait a moment; a probe that never reported may be tried again", () => {
    const probing: Circuit = { ...open, state: "half_open", windowStart: at(CIRCUIT_OPEN_MS) };
    expect(gateOf(probing, at(CIRCUIT_OPEN_MS + 100))).toEqual({
      kind: "wait",
      until: at(CIRCUIT_OPEN_MS + 100 + CIRCUIT_PROBE_WAIT_MS),
    });
    expect(gateOf(probing, at(CIRCUIT_OPEN_MS + CIRCUIT_PROBE_TIMEOUT_MS))).toEqual({ kind: "probe" });
  });

  it("the probe's success closes the circuit", () => {
    const probing: Circuit = { ...open, state: "half_open", windowStart: at(CIRCUIT_OPEN_MS) };
    expect(nextCircuit(probing, { failures: 0, succeeded: true, probe: true }, at(31_000))).toMatchObject({
      state: "closed",
      failures: 0,
      windowStart: at(31_000),
    });
  });

  it("the probe's failure opens it again for twice the last wait, at most five minutes", () => {
    const probing: Circuit = { ...open, state: "half_open", windowStart: at(CIRCUIT_OPEN_MS) };
    const reopened = nextCircuit(probing, { failures: 1, succeeded: false, probe: true }, at(31_000))!;
    expect(reopened).toMatchObject({ state: "open", openedAt: at(31_000), openUntil: at(31_000 + 60_000) });

    const long: Circuit = {
      ...probing,
      openedAt: T0,
      openUntil: at(4 * 60_000),
      windowStart: at(4 * 60_000),
    };
    const capped = nextCircuit(long, { failures: 1, succeeded: false, probe: true }, at(4 * 60_000))!;
    expect(capped.openUntil!.getTime() - capped.openedAt!.getTime()).toBe(CIRCUIT_MAX_OPEN_MS);
  });
});
