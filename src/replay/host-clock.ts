// Guest time in the host clock mode (--clock host).
//
// Device timers (PIT, LAPIC timer, RTC) and RDTSC read guest time from the Clock, which maps
// icount to ns through GuestTime: icount * nsPerInstruction + idleNs. In host mode the session
// runs the machine in slices and, at every slice boundary, takes a host time sample from the
// Environment (HOST_TIME, logged with its icount when recording, read back when replaying):
//
//   guest time at icount i = max(host sample s_k, guest time reached at i_k)
//                            + (i - i_k) * nsPerInstruction       for i_k <= i < i_{k+1}
//
// where (i_k, s_k) is the last sample at or before i. So guest time is piecewise defined by the
// samples alone, never by the host directly: replay applies the same samples at the same icounts
// and gets the same time, the same timer deadlines and the same RDTSC values. Time never goes
// backwards (a sample behind guest time changes nothing). A sample that moves time past a timer's
// deadline fires it at the sample's icount; between samples, deadlines fall where the nominal
// rate puts them. The slice length therefore bounds how late a host-time timer can fire.
//
// An idle HLT (IF=1, a timer armed) ends the machine's run in host mode; the recorder waits in
// real time until the host reaches the deadline or input arrives, and the wake-up time is the
// next sample.

import type { Machine } from "../vmx/machine.js";
import type { Environment } from "./environment.js";

/** Moves guest time forward to the session time `ns` (if it is ahead) and fires the timers now due. */
export function applyHostTime(m: Machine, ns: number): void {
  const icount = m.cpu.icount;
  if (ns > m.time.nowNs(icount)) {
    m.time.idleUntil(icount, ns);
    m.clock.retime();
  }
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
