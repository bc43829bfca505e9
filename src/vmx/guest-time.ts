// Guest time: the function of icount that device timers and RDTSC read (through the Clock).
//
// Virtual clock mode: a linear function of icount plus the idle time the machine skipped while
// the CPU was halted (design §2: "HLT in virtual mode skips time to the next deadline"). icount
// stays "instructions retired"; halting adds time, never instructions:
//   time(i) = i * nsPerInstruction + idleNs
//
// Host clock mode (--clock host): piecewise linear, one segment per host time sample, each
// starting where the previous one reached (continuous) with its own rate, which may be fractional:
//   time(i) = floor(baseNs + (i - baseIcount) * rate)        for i >= baseIcount
// src/replay/host-clock.ts chooses the segments from the recorded samples alone. The floor keeps
// guest ns integral (RDTSC, device registers); baseNs keeps the fraction (the next segment starts
// at the unfloored value, so rounding never accumulates); the same double operations on the same
// numbers give the same result in record and replay.

import type { TimeSource } from "../devices/clock.js";

/** Host mode's state beyond the current segment: the last sample and the host rate estimate (host-clock.ts). */
export interface HostTimeState {
  baseIcount: number;
  baseNs: number;
  /** Guest ns per instruction in the current segment. */
  rate: number;
  /** The icount and value (session ns) of the last host time sample; -1 before the first. */
  sampleIcount: number;
  sampleNs: number;
  /** Host ns per instruction, smoothed over busy slices; -1 until the first measurement. */
  hostRate: number;
}

/** What a snapshot keeps of guest time: `host` only in the host clock mode. */
export interface GuestTimeState {
  idleNs: number;
  /** [baseIcount, baseNs, rate, sampleIcount, sampleNs, hostRate] */
  host?: number[];
}

export class GuestTime implements TimeSource {
  /** Virtual mode: guest ns added beyond the linear rate by idle skips (HLT) and PAUSE, summed over the run. */
  idleNs = 0;
  /** Host mode's segment and controller state; null in the virtual mode. */
  readonly host: HostTimeState | null;

  constructor(readonly nsPerInstruction = 1, clock: "virtual" | "host" = "virtual") {
    if (!(nsPerInstruction > 0) || !Number.isInteger(nsPerInstruction))
      throw new RangeError(`nsPerInstruction must be a positive integer, got ${nsPerInstruction}`);
    this.host = clock === "host"
      ? { baseIcount: 0, baseNs: 0, rate: nsPerInstruction, sampleIcount: -1, sampleNs: 0, hostRate: -1 }
      : null;
  }

  nowNs(icount: number): number {
    const h = this.host;
    if (h === null) return icount * this.nsPerInstruction + this.idleNs;
    return Math.floor(h.baseNs + (icount - h.baseIcount) * h.rate);
  }

  /** Host mode: the time at `icount` before the floor (where the next segment starts, so no fraction is lost per sample). */
  exactNs(icount: number): number {
    const h = this.host!;
    return h.baseNs + (icount - h.baseIcount) * h.rate;
  }

  /**
   * The first icount at which time >= `ns` (a timer deadline). Host mode: the exact inverse of
   * nowNs over the current segment (the estimate is corrected by evaluating nowNs itself, so a
   * timer never fires before its time and always at the same icount for the same segment); a
   * time before the segment's start maps to an icount at or before baseIcount (already due),
   * earlier times to earlier icounts, so overdue timers still fire in time order.
   */
  icountAt(ns: number): number {
    const h = this.host;
    if (h === null) return Math.max(0, Math.ceil((ns - this.idleNs) / this.nsPerInstruction));
    const start = Math.floor(h.baseNs);
    if (ns <= start) return Math.max(0, h.baseIcount - Math.ceil(start - ns));
    let i = h.baseIcount + Math.ceil((Math.ceil(ns) - h.baseNs) / h.rate);
    while (this.nowNs(i) < ns) i++;
    while (i > h.baseIcount && this.nowNs(i - 1) >= ns) i--;
    return i;
  }

  /** Moves time forward to `ns` without retiring instructions (the CPU is halted at `icount`). */
  idleUntil(icount: number, ns: number): void {
    const now = this.nowNs(icount);
    if (!(ns > now)) return;
    const h = this.host;
    if (h === null) this.idleNs += ns - now;
    else this.startSegment(icount, Math.max(ns, this.exactNs(icount)), h.rate);
  }

  /** Host mode: a new segment from `icount`, at time `ns` (>= the time reached there), advancing `rate` ns per instruction. */
  startSegment(icount: number, ns: number, rate: number): void {
    const h = this.host!;
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`guest time rate must be positive, got ${rate}`);
    h.baseIcount = icount;
    h.baseNs = ns;
    h.rate = rate;
  }

  save(): GuestTimeState {
    const h = this.host;
    if (h === null) return { idleNs: this.idleNs };
    return { idleNs: this.idleNs, host: [h.baseIcount, h.baseNs, h.rate, h.sampleIcount, h.sampleNs, h.hostRate] };
  }

  restore(s: GuestTimeState): void {
    const h = this.host;
    if ((h === null) !== (s.host === undefined))
      throw new RangeError(`guest time: a ${s.host ? "host" : "virtual"} clock snapshot restored into a ${h ? "host" : "virtual"} clock machine`);
    this.idleNs = s.idleNs;
    if (h === null) return;
    const v = s.host!;
    if (v.length !== 6 || !v.every(Number.isFinite) || !(v[2] > 0)) throw new RangeError("guest time: malformed host clock state");
    [h.baseIcount, h.baseNs, h.rate, h.sampleIcount, h.sampleNs, h.hostRate] = v;
  }
}
