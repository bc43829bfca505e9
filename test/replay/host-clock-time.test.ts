// Guest time under --clock host as a function of the recorded samples (src/replay/host-clock.ts):
// properties over generated sample schedules — continuous (a sample never moves time, except an
// idle CPU skipping to its deadline), monotonic, rate bounded, icountAt the exact inverse of
// nowNs, identical when the same samples are applied to a machine restored from a snapshot (what
// replay does), and converging on a steady host's time.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostSample, RATE_MAX } from "../../src/replay/host-clock.js";
import { codec } from "../../src/replay/trace-format.js";
import { GuestTime, type GuestTimeState } from "../../src/vmx/guest-time.js";

interface Step {
  instructions: number;
  hostNs: number;
  halted: boolean;
  /** Halted: the next timer deadline, this many ns after the time reached (null: none armed). */
  deadlineAhead: number | null;
}

const arbStep: fc.Arbitrary<Step> = fc.record({
  instructions: fc.oneof(fc.constant(0), fc.nat({ max: 50 }), fc.integer({ min: 51, max: 200_000 })),
  hostNs: fc.oneof(fc.constant(0), fc.nat({ max: 5000 }), fc.integer({ min: 5001, max: 5_000_000 }), fc.integer({ min: 5_000_001, max: 300_000_000 })),
  halted: fc.boolean(),
  deadlineAhead: fc.option(fc.oneof(fc.nat({ max: 1000 }), fc.nat({ max: 50_000_000 }))),
});
const arbRun = fc.record({ nsPerInstruction: fc.constantFrom(1, 7, 50), steps: fc.array(arbStep, { minLength: 1, maxLength: 60 }) });

/** Applies `steps` to `t` from (icount, host) = (0, 0); `after(k)` runs after step k. */
function apply(t: GuestTime, steps: Step[], after: (k: number, icount: number, host: number) => void = () => {}, from = 0, at = { icount: 0, host: 0 }): { icount: number; host: number } {
  let { icount, host } = at;
  for (let k = from; k < steps.length; k++) {
    const st = steps[k];
    icount += st.instructions;
    host += st.hostNs;
    const reached = t.nowNs(icount);
    hostSample(t, icount, host, st.halted, st.halted && st.deadlineAhead !== null ? reached + st.deadlineAhead : Infinity);
    after(k, icount, host);
  }
  return { icount, host };
}

describe("host clock time function (generated sample schedules)", () => {
  it("samples at generated icounts/host times, CPU busy or halted → time continuous at busy samples, an idle skip lands on max(reached, min(host, deadline)); monotonic inside segments; rate in [nsPerInstruction, max(100, nsPerInstruction)]", () => {
    fc.assert(
      fc.property(arbRun, ({ nsPerInstruction, steps }) => {
        const t = new GuestTime(nsPerInstruction, "host");
        let icount = 0, host = 0;
        for (const st of steps) {
          const from = icount;
          icount += st.instructions;
          host += st.hostNs;
          // Monotonic over the segment being left, sampled at a few icounts.
          let last = -Infinity;
          for (let q = 0; q <= 8; q++) {
            const v = t.nowNs(from + Math.floor((st.instructions * q) / 8));
            expect(v).toBeGreaterThanOrEqual(last);
            last = v;
          }
          const reached = t.nowNs(icount);
          const deadline = st.halted && st.deadlineAhead !== null ? reached + st.deadlineAhead : Infinity;
          hostSample(t, icount, host, st.halted, deadline);
          const now = t.nowNs(icount);
          if (st.halted) expect(now).toBe(Math.max(reached, Math.min(host, deadline)));
          else expect(now).toBe(reached);
          const r = t.host!.rate;
          expect(r).toBeGreaterThanOrEqual(nsPerInstruction);
          expect(r).toBeLessThanOrEqual(Math.max(RATE_MAX, nsPerInstruction));
          // Never slower than the virtual clock.
          expect(now).toBeGreaterThanOrEqual(icount * nsPerInstruction);
        }
      }),
      { numRuns: 300, seed: 0x40c1_0001 },
    );
  });

  it("after every generated sample, icountAt(ns) for ns ahead of the current time → the least icount whose nowNs reaches ns (a timer never fires early, and fires at the icount nowNs says)", () => {
    fc.assert(
      fc.property(arbRun, fc.array(fc.oneof(fc.nat({ max: 100 }), fc.nat({ max: 1e10 })), { minLength: 1, maxLength: 5 }), ({ nsPerInstruction, steps }, aheads) => {
        const t = new GuestTime(nsPerInstruction, "host");
        apply(t, steps, (_k, icount) => {
          const now = t.nowNs(icount);
          for (const a of aheads) {
            const ns = now + 1 + a;
            const i = t.icountAt(ns);
            expect(i).toBeGreaterThan(icount);
            expect(t.nowNs(i)).toBeGreaterThanOrEqual(ns);
            expect(t.nowNs(i - 1)).toBeLessThan(ns);
          }
          expect(t.icountAt(now)).toBeLessThanOrEqual(icount); // due now
        });
      }),
      { numRuns: 200, seed: 0x40c1_0002 },
    );
  });

  it("the same samples applied straight, and to a GuestTime restored (through the trace codec) from a snapshot taken after a generated step → identical time, deadlines and state, bit for bit", () => {
    fc.assert(
      fc.property(arbRun, fc.nat(), ({ nsPerInstruction, steps }, cut) => {
        const split = cut % steps.length;
        const probe = (t: GuestTime, icount: number) => [t.nowNs(icount), t.nowNs(icount + 12_345), t.icountAt(t.nowNs(icount) + 1_000_000), t.host!.rate];
        const straight: number[][] = [];
        const a = new GuestTime(nsPerInstruction, "host");
        let saved: GuestTimeState | undefined, at = { icount: 0, host: 0 };
        apply(a, steps, (k, icount, host) => {
          straight.push(probe(a, icount));
          if (k === split) { saved = codec.decode(codec.encode(a.save())) as GuestTimeState; at = { icount, host }; }
        });
        const b = new GuestTime(nsPerInstruction, "host");
        b.restore(saved!);
        const resumed: number[][] = [];
        apply(b, steps, (_k, icount) => resumed.push(probe(b, icount)), split + 1, at);
        expect(resumed).toEqual(straight.slice(split + 1));
        for (let k = 0; k < resumed.length; k++) for (let j = 0; j < 4; j++) expect(Object.is(resumed[k][j], straight[split + 1 + k][j])).toBe(true);
        expect(b.save()).toEqual(a.save());
      }),
      { numRuns: 200, seed: 0x40c1_0003 },
    );
  });

  it("busy CPU, steady host of 2..50 ns/instruction (better than 20 MIPS: guest time may run at 2× that and still be under the 100 ns cap) with per-sample jitter up to ±20% of a slice, starting 0..100 ms ahead of the guest → after 1 s of host time the guest is within 2 slices of host time", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 2, max: 50, noNaN: true }), fc.integer({ min: 1000, max: 100_000 }), fc.nat({ max: 100_000_000 }),
        fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 16 }),
        (h, slice, offset, jitter) => {
          fc.pre(slice * h <= 4_000_000);
          const t = new GuestTime(1, "host");
          const sliceNs = slice * h;
          const n = Math.ceil(1e9 / sliceNs);
          let host = 0;
          for (let k = 1; k <= n; k++) {
            // Sampling noise on a steady clock, kept monotonic as the Environment keeps it.
            host = Math.max(host, Math.floor(offset + k * sliceNs + jitter[k % jitter.length] * sliceNs));
            hostSample(t, k * slice, host, false);
          }
          expect(Math.abs(host - t.nowNs(n * slice))).toBeLessThanOrEqual(2 * sliceNs);
        },
      ),
      { numRuns: 40, seed: 0x40c1_0004 },
    );
  });
});
