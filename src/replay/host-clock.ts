// Guest time in the host clock mode (--clock host).
//
// Device timers (PIT, LAPIC timer, RTC, PM timer) and RDTSC read guest time from the Clock, which
// maps icount to ns through GuestTime. In host mode the session runs the machine in slices and,
// at every slice boundary and idle wake-up, takes a host time sample from the Environment
// (HOST_TIME: session ns, logged with its icount when recording, read back when replaying).
// Guest time is a function of those samples and icount alone, so replay never asks the host and
// gets the same time, the same timer deadlines and the same RDTSC values:
//
//   Guest time is piecewise linear in icount, one segment per sample:
//     time(i) = floor(B + (i - I) * r)          from the sample at icount I to the next one,
//   where B is where the previous segment reached at I, before its floor (continuous), except at an idle wake-up:
//   when the CPU is halted at the sample, B = max(reached, min(s, D)) with D the earliest timer
//   deadline (nowNs of the Clock's next deadline icount): an idle CPU skips to the deadline it
//   waited for, as HLT does in the virtual mode, but not past it (a wake-up that came late would
//   skip periods of a periodic timer: lost ticks) and not past the host. Time never goes backwards.
//
//   The rate r slews guest time towards host time instead of jumping to it. At sample (I, s):
//     host rate estimate h: the host ns per instruction of the slice just run, (s - s') / (I - I')
//       from the previous sample (I', s'), when the CPU ran throughout it (not halted at I, so
//       the interval holds no idle wait) and I > I'; the first such measurement seeds h, later
//       ones move it a quarter of the way (h += (m - h) / 4). Before any, h = nsPerInstruction.
//     error e = s - B (positive: guest time is behind the host; a late wake-up's lateness is made up here)
//     horizon H = max(SLEW_NS / h, SLEW_SLICES * (I - I')) instructions: the error is corrected
//       over ~10 ms of host time, and never faster than a quarter of it per slice
//     r = h + e / H, clamped to [h / 2, 2 h] (the guest runs at half to twice the host's pace)
//       and then to at most RATE_MAX (100: 10 MIPS of guest time) and at least nsPerInstruction
//       (never slower than the virtual clock).
//   With a steady host the error decays geometrically; a host stall shows up as an error that
//   is made up at up to twice the host's pace, not as a jump that Linux's TSC calibration against
//   the PIT and the PM timer would see.
//
// Timer deadlines are icounts computed from the same segment (GuestTime.icountAt is the exact
// inverse of nowNs, evaluated with it), recomputed at every sample, so a timer fires at the icount
// replay computes. Every step above is the same double arithmetic on recorded integers and on
// state derived from them in the same order, in record and in replay.
//
// An idle HLT (IF=1, a timer armed) ends the machine's run in host mode; the recorder waits in
// real time until the host reaches the deadline or input arrives, and the wake-up is the next sample.

import type { GuestTime } from "../vmx/guest-time.js";
import type { Machine } from "../vmx/machine.js";
import type { Environment } from "./environment.js";

/**
 * The trace header's machine.hostTime for this definition of guest time. Traces recorded before
 * it (guest time jumped to every sample) have none and are refused: they would replay differently.
 */
export const HOST_TIME_MODEL = "slew";

/** Host ns over which an error between guest and host time is made up. */
export const SLEW_NS = 10_000_000;
/** At least this many slices (of the last one's length) to make up an error. */
export const SLEW_SLICES = 4;
/**
 * Most guest ns per instruction (unless nsPerInstruction is more): the guest never sees fewer
 * than 10 M instructions per second of its time. A host slower than that (an overloaded one)
 * makes guest time lag rather than squeeze timer ticks into fewer instructions: Linux loses
 * jiffies when its interrupts-off stretches outlast a tick. The least is the virtual rate,
 * nsPerInstruction: host time speeds guest time up, never slows it below the virtual clock.
 */
export const RATE_MAX = 100;

/**
 * Applies the host time sample `ns` taken at `icount` to guest time (the CPU `halted` there or
 * not; `deadlineNs`: the earliest timer deadline, what a halted CPU skips to): starts the next
 * segment. Pure arithmetic on `t`; timers are the caller's.
 */
export function hostSample(t: GuestTime, icount: number, ns: number, halted: boolean, deadlineNs = Infinity): void {
  const h = t.host!;
  const slice = h.sampleIcount < 0 ? icount : icount - h.sampleIcount;
  if (h.sampleIcount >= 0 && slice > 0 && !halted) {
    const measured = (ns - h.sampleNs) / slice;
    h.hostRate = h.hostRate < 0 ? measured : h.hostRate + (measured - h.hostRate) / 4;
  }
  const reached = t.exactNs(icount);
  const base = halted ? Math.max(reached, Math.min(ns, deadlineNs)) : reached;
  const est = h.hostRate < 0 ? t.nsPerInstruction : h.hostRate;
  const horizon = Math.max(SLEW_NS / Math.max(est, t.nsPerInstruction), SLEW_SLICES * slice);
  let rate = est + (ns - base) / horizon;
  rate = Math.min(Math.max(rate, est / 2), est * 2);
  rate = Math.max(Math.min(rate, RATE_MAX), t.nsPerInstruction);
  t.startSegment(icount, base, rate);
  h.sampleIcount = icount;
  h.sampleNs = ns;
}

/** Applies the host time sample `ns` at the current icount and fires the timers now due. */
export function applyHostTime(m: Machine, ns: number): void {
  const icount = m.cpu.icount;
  const halted = m.cpu.halted;
  hostSample(m.time, icount, ns, halted, halted ? nextDeadlineNs(m) : Infinity);
  m.clock.retime();
  m.clock.runDue(icount);
}

/** Takes (record/live) or reads back (replay) the host time sample at the current icount and applies it. */
export function sampleHostTime(m: Machine, env: Environment): number {
  const ns = env.hostTimeNs(m.cpu.icount);
  applyHostTime(m, ns);
  return ns;
}

/** Guest time (ns) of the earliest armed timer deadline: what an idle guest waits for. */
export function nextDeadlineNs(m: Machine): number {
  return m.time.nowNs(m.clock.nextDeadlineIcount());
}
