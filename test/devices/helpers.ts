import { Clock } from "../../src/devices/clock.js";

/** A Clock driven by a fake instruction counter, advanced the way the machine's run loop does it. */
export function makeClock(nsPerInstruction = 1) {
  let icount = 0;
  const clock = new Clock({ icount: () => icount, nsPerInstruction });
  return {
    clock,
    icount: () => icount,
    /** Runs "instructions" up to `target`, stopping at each deadline to fire due timers. */
    advanceTo(target: number): void {
      for (;;) {
        const d = clock.nextDeadlineIcount();
        if (d > target) break;
        if (d > icount) icount = d;
        clock.runDue(icount);
      }
      icount = target;
    },
  };
}

/** floor(ns * hz / 1e9) with BigInt: the oracle for the tick grid. */
export function bigTicks(ns: number, hz: number): number {
  return Number((BigInt(ns) * BigInt(hz)) / 1_000_000_000n);
}

/** The least integer ns with bigTicks(ns) >= tick. */
export function bigNsOfTick(tick: number, hz: number): number {
  const num = BigInt(tick) * 1_000_000_000n;
  const h = BigInt(hz);
  return Number((num + h - 1n) / h);
}
