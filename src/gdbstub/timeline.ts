// The reverse-execution timeline (design §4, after rr's ReplayTimeline): snapshots of the machine
// every `every` instructions as it runs forward, and recorded inputs handed over at their icounts.
// Any icount already reached can be revisited: restore the latest snapshot at or before it, then
// run forward. Order at one icount: the snapshot is taken first, then that icount's inputs are
// delivered, then instructions run; so a restored snapshot at icount s redelivers inputs at s.

import { SnapshotStore } from "../replay/snapshot-store.js";
import type { Machine, RunEnd } from "../vmx/machine.js";

/** Recorded inputs: their icounts in order, and how to hand input `index` to the machine. */
export interface InputSchedule {
  icounts: number[];
  deliver(index: number, m: Machine): void;
}

export class Timeline {
  readonly store: SnapshotStore;
  readonly startIcount: number;
  private readonly ids = new Map<number, number>();
  /** Index of the next input not yet delivered. */
  private cursor = 0;
  /** The furthest icount ever reached: beyond it, execution makes new history. */
  private frontier = 0;

  constructor(readonly machine: Machine, private readonly inputs: InputSchedule, readonly every: number) {
    // Reverse-stepi restores the same snapshot again and again: keep its RAM (shadowRam) and bound
    // the delta chain a cold restore inflates (a write-heavy guest's deltas are as big as a full image).
    this.store = new SnapshotStore({ budgetBytes: 256 << 20, shadowRam: true, chainPagesRatio: 1 });
    this.startIcount = machine.cpu.icount;
    this.cursor = this.firstInputAtOrAfter(this.startIcount);
    this.snapshot();
  }

  /** Snapshots taken so far, by icount. */
  snapshots(): { id: number; icount: number; bytes: number }[] {
    return this.store.list().map((s) => ({ id: s.id, icount: s.icount, bytes: s.bytes }));
  }

  /** Takes a snapshot at the current icount unless one is held there; returns its id. */
  snapshot(): number {
    const icount = this.machine.cpu.icount;
    const have = this.ids.get(icount);
    if (have !== undefined && this.store.has(have)) return have;
    const id = this.store.take(this.machine);
    this.ids.set(icount, id);
    return id;
  }

  /**
   * The debugger changed registers or memory: the history after the current icount is no longer
   * what those snapshots recorded, so they are forgotten and execution from here is new history.
   */
  invalidateFuture(): void {
    const now = this.machine.cpu.icount;
    for (const [icount] of this.ids) if (icount > now) this.ids.delete(icount);
    this.frontier = now;
  }

  /** The id of the latest held snapshot at or before `icount`, or -1. */
  private latestAtOrBefore(icount: number): number {
    let best = -1, bestAt = -1;
    for (const [at, id] of this.ids) if (at <= icount && at > bestAt && this.store.has(id)) { best = id; bestAt = at; }
    return best;
  }

  /** True while the machine runs past everything it ran before (its output is new, not a re-run). */
  isNewHistory(): boolean {
    return this.machine.cpu.icount >= this.frontier;
  }

  /** True when an input is due at the current icount (a halted guest is waiting for it). */
  inputPending(): boolean {
    return this.cursor < this.inputs.icounts.length && this.inputs.icounts[this.cursor] <= this.machine.cpu.icount;
  }

  private firstInputAtOrAfter(icount: number): number {
    const a = this.inputs.icounts;
    let i = 0;
    while (i < a.length && a[i] < icount) i++;
    return i;
  }

  /**
   * Runs up to `n` instructions, taking due snapshots and delivering due inputs on the way.
   * Returns the machine's run end when it stopped for another reason than the count, else null.
   */
  advance(n: number): RunEnd | null {
    const m = this.machine, cpu = m.cpu;
    const target = cpu.icount + n;
    while (cpu.icount < target) {
      if (cpu.icount % this.every === 0) this.snapshot();
      const a = this.inputs.icounts;
      while (this.cursor < a.length && a[this.cursor] <= cpu.icount) this.inputs.deliver(this.cursor++, m);
      const nextSnap = (Math.floor(cpu.icount / this.every) + 1) * this.every;
      const nextInput = this.cursor < a.length ? a[this.cursor] : Infinity;
      const limit = Math.min(target, nextSnap, nextInput) - cpu.icount;
      const end = m.run(limit);
      if (cpu.icount > this.frontier) this.frontier = cpu.icount;
      if (end.kind === "limit") continue;
      // "idle": a host-clock guest halted until the next recorded host time sample, which is due here.
      if ((end.kind === "hung" || end.kind === "idle") && this.inputPending()) continue;
      return end;
    }
    return null;
  }

  /** Restores the latest snapshot at or before `icount`; returns the snapshot's icount. */
  restoreAtOrBefore(icount: number): number {
    const id = this.latestAtOrBefore(Math.max(icount, this.startIcount));
    if (id < 0) throw new RangeError(`no snapshot at or before icount ${icount}`);
    this.store.restore(this.machine, id);
    const at = this.machine.cpu.icount;
    this.cursor = this.firstInputAtOrAfter(at);
    return at;
  }

  /** Puts the machine at `icount`: from the nearest snapshot at or before it, run forward. */
  seek(icount: number): void {
    const cpu = this.machine.cpu;
    const id = this.latestAtOrBefore(icount);
    if (icount < cpu.icount || (id >= 0 && this.store.info(id).icount > cpu.icount)) this.restoreAtOrBefore(icount);
    while (cpu.icount < icount) {
      const before = cpu.icount;
      const end = this.advance(icount - cpu.icount);
      if (end && cpu.icount === before) break;
    }
  }
}
