// Guest time for the virtual clock mode: a linear function of icount plus the idle time the
// machine skipped while the CPU was halted (design §2: "HLT in virtual mode skips time to the
// next deadline"). icount stays "instructions retired"; halting adds time, never instructions.
// With --clock host, idleNs also takes the forward jumps to host time samples
// (src/replay/host-clock.ts): guest time = icount * nsPerInstruction + every ns added so far.

import type { TimeSource } from "../devices/clock.js";

export class GuestTime implements TimeSource {
  /** Guest ns added beyond the linear rate: idle skips (HLT) and host time samples, summed over the run. */
  idleNs = 0;
  constructor(readonly nsPerInstruction = 1) {
    if (!(nsPerInstruction > 0) || !Number.isInteger(nsPerInstruction))
      throw new RangeError(`nsPerInstruction must be a positive integer, got ${nsPerInstruction}`);
  }
  nowNs(icount: number): number {
    return icount * this.nsPerInstruction + this.idleNs;
  }
  icountAt(ns: number): number {
    return Math.max(0, Math.ceil((ns - this.idleNs) / this.nsPerInstruction));
  }
  /** Moves time forward to `ns` without retiring instructions (the CPU is halted at `icount`). */
  idleUntil(icount: number, ns: number): void {
    const now = this.nowNs(icount);
    if (ns > now) this.idleNs += ns - now;
  }
}
