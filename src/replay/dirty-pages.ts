// Which RAM pages were written since a consumer last looked. HostMemory.dirty is one shared map;
// several consumers (the snapshot store's deltas, the replay digests) each need "written since
// MY last look", so one DirtyLog per HostMemory moves the shared marks into one sink per
// consumer and clears them.
//
// Contract from memory.ts: fast-path writes go through TLB entries whose page was marked when the
// entry was granted, so after clearing HostMemory.dirty the TLB must be flushed for writes to
// mark again. collect() does both.

import type { Cpu } from "../cpu/cpu.js";
import type { HostMemory } from "../cpu/memory.js";

const LOGS = new WeakMap<HostMemory, DirtyLog>();

export class DirtyLog {
  private readonly sinks = new Set<Uint8Array>();

  private constructor(readonly mem: HostMemory) {}

  /** The one log of `mem`. */
  static of(mem: HostMemory): DirtyLog {
    let log = LOGS.get(mem);
    if (!log) { log = new DirtyLog(mem); LOGS.set(mem, log); }
    return log;
  }

  /** A new consumer's map, one byte per page, all 1 (nothing is known to be clean yet). */
  subscribe(): Uint8Array {
    const sink = new Uint8Array(this.mem.dirty.length).fill(1);
    this.sinks.add(sink);
    return sink;
  }

  unsubscribe(sink: Uint8Array): void {
    this.sinks.delete(sink);
  }

  /** Moves HostMemory.dirty into every sink, clears it, and flushes `cpu`'s TLB so writes mark again. */
  collect(cpu: Cpu): void {
    const d = this.mem.dirty, n = d.length;
    for (const sink of this.sinks) for (let p = 0; p < n; p++) sink[p] |= d[p];
    d.fill(0);
    cpu.flushTlb(false);
  }

  /** All of RAM was replaced (a restore): every consumer must treat every page as written. */
  markAll(): void {
    for (const sink of this.sinks) sink.fill(1);
  }
}
