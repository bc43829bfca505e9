// Bisect over a trace (design §4): the first icount at which a predicate holds.
//
// 1. One forward pass over the trace, taking a snapshot and sampling the predicate every
//    `every` instructions, and at the trace's end.
// 2. The first true sample s_i bounds the answer: (s_{i-1}, s_i]. Binary search inside it, each
//    probe a bounded replay from the nearest snapshot (a snapshot is kept at every probe).
// 3. When the interval is short, step it instruction by instruction: the first true state.
// A predicate need not be monotonic; then the result is the first true state after the last
// false sample before it, and the report says the predicate is not monotonic when it saw it
// false after true (at a later sample, at the trace's end, or right after the reported point).

import { TraceCursor } from "./bisect-cursor.js";
import type { Predicate, PredicateContext } from "./predicate.js";

/** Where the search stands, for a progress bar: phase, done, total (in phase units). */
export type Progress = (phase: "replay" | "search" | "step", done: number, total: number) => void;

export type BisectResult =
  | { kind: "at-start" }
  | { kind: "never"; endIcount: number }
  | {
      kind: "found";
      icount: number;
      /** Observations showing the predicate is not monotonic (empty when none was seen). */
      nonMonotonic: string[];
    };

export interface BisectStats {
  /** Instructions replayed in all (forward pass, probes, steps). */
  instructions: number;
  forwardInstructions: number;
  probes: number;
  steps: number;
  snapshots: number;
}

/** Instructions below which the last interval is stepped one by one. */
export const STEP_BELOW = 64;

export function bisect(cursor: TraceCursor, pred: Predicate, onProgress?: Progress): { result: BisectResult; stats: BisectStats } {
  const ctx: PredicateContext = { machine: cursor.machine, serial: () => cursor.serialSoFar() };
  const stats: BisectStats = { instructions: 0, forwardInstructions: 0, probes: 0, steps: 0, snapshots: 0 };
  const at = (k: number): boolean => {
    cursor.seek(k);
    return pred.test(ctx);
  };
  const start = cursor.replayed;
  const done = (result: BisectResult) => {
    stats.snapshots = cursor.snapshotCount;
    stats.instructions = cursor.replayed - start;
    return { result, stats };
  };

  cursor.seek(0);
  if (pred.test(ctx)) return done({ kind: "at-start" });
  const end = cursor.endIcount, every = cursor.every;
  if (pred.point) {
    // A condition true at single instants cannot be sampled: scan forward instruction by instruction.
    while (cursor.icount < end) {
      if (!cursor.step()) break;
      stats.steps++;
      if (pred.test(ctx)) return done({ kind: "found", icount: cursor.icount, nonMonotonic: [] });
      if ((stats.steps & 0xffff) === 0) onProgress?.("step", cursor.icount, end);
    }
    return done({ kind: "never", endIcount: cursor.icount });
  }
  const samples: { icount: number; value: boolean }[] = [];
  for (let s = Math.min(every, end); ; s = Math.min(s + every, end)) {
    cursor.advanceTo(s);
    samples.push({ icount: cursor.icount, value: pred.test(ctx) });
    onProgress?.("replay", cursor.icount, end);
    if (cursor.icount >= end || cursor.icount < s) break;
  }
  stats.forwardInstructions = cursor.replayed - start;
  const first = samples.findIndex((s) => s.value);
  if (first < 0) return done({ kind: "never", endIcount: cursor.icount });
  const nonMonotonic: string[] = [];
  const laterFalse = samples.slice(first + 1).find((s) => !s.value);
  if (laterFalse) {
    const last = samples[samples.length - 1];
    nonMonotonic.push(laterFalse === last && last.icount === end
      ? `false again at the end of the trace (icount ${end})`
      : `false again at icount ${laterFalse.icount} (sampled every ${every} instructions)`);
  }

  let lo = first === 0 ? 0 : samples[first - 1].icount, hi = samples[first].icount;
  const span = Math.max(1, Math.log2((hi - lo) / STEP_BELOW));
  while (hi - lo > STEP_BELOW) {
    let mid = lo + Math.floor((hi - lo) / 2);
    // Probe at a digest point while the interval spans several: a snapshot can be kept there.
    const step = cursor.flushStep;
    if (step > 0 && hi - lo > 2 * step) { const a = Math.floor(mid / step) * step; if (a > lo && a < hi) mid = a; }
    stats.probes++;
    if (at(mid)) hi = mid; else lo = mid;
    cursor.snapshot();
    onProgress?.("search", stats.probes, Math.ceil(span));
  }
  at(lo);
  let found = hi;
  for (let k = lo + 1; k <= hi; k++) {
    cursor.step();
    stats.steps++;
    if (pred.test(ctx)) { found = k; break; }
    onProgress?.("step", k - lo, hi - lo);
  }
  if (found < end) {
    cursor.seek(found + 1);
    if (!pred.test(ctx)) nonMonotonic.push(`false again at icount ${found + 1}, one instruction later`);
  }
  return done({ kind: "found", icount: found, nonMonotonic });
}
