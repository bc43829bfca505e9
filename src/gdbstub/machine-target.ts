// The Machine as a gdb target: registers, side-effect-free guest-virtual memory, breakpoints kept
// by the stub (guest memory is never patched), exact watchpoints, forward execution in slices, and
// reverse execution over a timeline of snapshots (timeline.ts).
//
// Execution: with no breakpoint or watchpoint set, slices run the machine at full speed up to the
// next snapshot point / replay input / end of trace. Otherwise one instruction at a time, checking
// after each: write watchpoints by comparing the watched bytes (exact: any instruction, any
// length, DMA included), read/access watchpoints through the MMU's AccessWatch hook (watched pages
// stay on the slow path, which reports each data access), breakpoints by the linear address of
// the next instruction (CS.base + EIP).

import { Seg } from "../cpu/constants.js";
import type { AccessWatch } from "../cpu/mmu.js";
import type { Machine, RunEnd } from "../vmx/machine.js";
import { runMonitor } from "./commands/monitor.js";
import { readRegister, REGS, writeRegister } from "./registers.js";
import { Timeline, type InputSchedule } from "./timeline.js";
import { peekLinear, peekTranslate, pokeLinear } from "./translate.js";
import { ACC_READ } from "../cpu/memory.js";
import { BpType, SIGTRAP, type ResumeMode, type ReverseTarget, type StopReason, type Target } from "./target.js";

interface Watch { type: BpType; addr: number; len: number; old: Uint8Array }

export interface MachineTargetOptions {
  /** Recorded inputs to hand the machine at their icounts (a replay), or none (a live run). */
  inputs?: InputSchedule;
  /** icount of the end of the trace (replay): forward execution stops there with replaylog:end. */
  endIcount?: number;
  /** Instructions between timeline snapshots (default 200,000). */
  snapshotEvery?: number;
}

export class MachineTarget implements Target, ReverseTarget {
  readonly registerCount = REGS.length;
  readonly reverse: ReverseTarget = this;
  readonly monitor = (command: string): string => runMonitor(this, command);
  readonly timeline: Timeline;
  private readonly sw = new Set<number>();
  private readonly hw = new Set<number>();
  private watches: Watch[] = [];
  private mode: ResumeMode = "continue";
  private readonly endIcount: number;
  /** Read/access watchpoint hit by the instruction just executed (AccessWatch). */
  private accessHit: Watch | null = null;
  /** The backward scan in progress: [hi, start) searched; interval [from, hi) being replayed. */
  private scan: { hi: number; from: number; last: number; why: StopReason | null } | null = null;
  /** Set when the live guest exited (debug-exit port): the exit code. */
  private exitCode = -1;

  constructor(readonly machine: Machine, options: MachineTargetOptions = {}) {
    this.endIcount = options.endIcount ?? Infinity;
    this.timeline = new Timeline(machine, options.inputs ?? { icounts: [], deliver: () => {} }, options.snapshotEvery ?? 200_000);
  }

  get replay(): boolean {
    return this.endIcount !== Infinity;
  }

  // ---- registers and memory ----

  readRegister(n: number): Uint8Array | null {
    return readRegister(this.machine.cpu, n);
  }
  writeRegister(n: number, bytes: Uint8Array): boolean {
    const ok = writeRegister(this.machine.cpu, n, bytes);
    if (ok) this.timeline.invalidateFuture();
    return ok;
  }
  readMemory(addr: number, len: number): Uint8Array {
    return peekLinear(this.machine.cpu, addr, len);
  }
  writeMemory(addr: number, bytes: Uint8Array): boolean {
    const ok = pokeLinear(this.machine.cpu, addr, bytes);
    if (ok) { this.timeline.invalidateFuture(); this.resyncWatches(); }
    return ok;
  }

  // ---- breakpoints and watchpoints ----

  addBreakpoint(type: BpType, addr: number, len: number): boolean {
    addr = addr >>> 0;
    if (type === BpType.SW) this.sw.add(addr);
    else if (type === BpType.HW) this.hw.add(addr);
    else {
      if (len <= 0 || len > 4096) return false;
      this.watches.push({ type, addr, len, old: this.readMemory(addr, len) });
      this.updateAccessWatch();
    }
    return true;
  }

  removeBreakpoint(type: BpType, addr: number, len: number): boolean {
    addr = addr >>> 0;
    if (type === BpType.SW) return this.sw.delete(addr);
    if (type === BpType.HW) return this.hw.delete(addr);
    const i = this.watches.findIndex((w) => w.type === type && w.addr === addr && w.len === len);
    if (i < 0) return false;
    this.watches.splice(i, 1);
    this.updateAccessWatch();
    return true;
  }

  private updateAccessWatch(): void {
    const cpu = this.machine.cpu;
    const reads = this.watches.filter((w) => w.type !== BpType.WRITE);
    if (reads.length === 0) cpu.accessWatch = null;
    else {
      const watch: AccessWatch = {
        pageWatched: (vpn) => reads.some((w) => vpn >= w.addr >>> 12 && vpn <= (w.addr + w.len - 1) >>> 12),
        access: (lin, size, write) => {
          const a = lin >>> 0;
          for (const w of reads) {
            if (w.type === BpType.READ && write) continue;
            if (((a - w.addr) >>> 0) < w.len || ((w.addr - a) >>> 0) < size) { this.accessHit = w; return; }
          }
        },
      };
      cpu.accessWatch = watch;
    }
    // Not a TLB flush: a guest that relies on stale translations must not see the debugger.
    cpu.dropFastPaths();
  }

  private get observed(): boolean {
    return this.sw.size > 0 || this.hw.size > 0 || this.watches.length > 0;
  }

  /** The linear address of the next instruction. */
  pcLinear(): number {
    const cpu = this.machine.cpu;
    return (cpu.segBase[Seg.CS] + cpu.eip) >>> 0;
  }

  /** A breakpoint at the current instruction, as a stop reason. */
  breakpointHere(): StopReason | null {
    const pc = this.pcLinear();
    if (this.sw.has(pc)) return { kind: "swbreak" };
    if (this.hw.has(pc)) return { kind: "hwbreak" };
    return null;
  }

  /** Refreshes every watch's remembered bytes from memory (after a seek or a memory write). */
  resyncWatches(): void {
    for (const w of this.watches) w.old = this.readMemory(w.addr, w.len);
  }

  // ---- forward execution ----

  resume(mode: ResumeMode): void {
    this.mode = mode;
    this.scan = null;
    if (mode === "reverseContinue") {
      this.exitCode = -1;
      this.scan = { hi: this.machine.cpu.icount, from: -1, last: -1, why: null };
    }
    this.resyncWatches();
  }

  /**
   * Executes one instruction (delivering due inputs and taking a due snapshot first) and returns
   * the watchpoint it triggered, or a terminal stop, or null.
   */
  stepWatched(): StopReason | null {
    const before = this.machine.cpu.icount;
    this.accessHit = null;
    const end = this.timeline.advance(1);
    const term = this.terminal(end);
    if (term) return term;
    if (this.machine.cpu.icount === before) { this.accessHit = null; return null; }
    for (const w of this.watches) {
      if (w.type === BpType.READ || this.unchanged(w)) continue;
      w.old = this.readMemory(w.addr, w.len);
      return { kind: "watch", type: w.type === BpType.WRITE ? "watch" : "awatch", addr: w.addr };
    }
    const hit = this.accessHit as Watch | null;
    if (hit) return { kind: "watch", type: hit.type === BpType.READ ? "rwatch" : "awatch", addr: hit.addr };
    return null;
  }

  /** Do the watched bytes still equal the remembered ones? (No allocation when the range is in one page.) */
  private unchanged(w: Watch): boolean {
    const cpu = this.machine.cpu;
    if ((w.addr & 0xfff) + w.len <= 4096) {
      const gpa = peekTranslate(cpu, w.addr);
      const h = gpa < 0 ? -1 : cpu.phys.translate(gpa, ACC_READ);
      if (h < 0 || h + w.len > cpu.mem.size) return w.old.length === 0;
      if (w.old.length !== w.len) return false;
      const bytes = cpu.mem.bytes;
      for (let i = 0; i < w.len; i++) if (bytes[h + i] !== w.old[i]) return false;
      return true;
    }
    return Buffer.from(this.readMemory(w.addr, w.len)).equals(Buffer.from(w.old));
  }

  /** A run end that stops the debuggee for good (exit, shutdown, hang), or null. */
  private terminal(end: RunEnd | null): StopReason | null {
    if (!end) return null;
    if (end.kind === "exit") {
      if (this.replay) return null;
      this.exitCode = end.code >> 1;
      return { kind: "exited", code: this.exitCode };
    }
    if (end.kind === "shutdown") return { kind: "terminated", why: `guest shut down: ${end.reason}` };
    if (end.kind === "poweroff") return { kind: "terminated", why: "guest powered off" };
    if (end.kind === "hung" && !this.timeline.inputPending()) return { kind: "terminated", why: `guest hung: ${end.reason}` };
    return null;
  }

  runSlice(budget: number): StopReason | null {
    const cpu = this.machine.cpu;
    if (this.mode === "reverseContinue") return this.scan ? this.reverseSlice(budget) : { kind: "signal", signal: SIGTRAP };
    if (this.exitCode >= 0) return { kind: "exited", code: this.exitCode };
    if (this.mode === "step") {
      if (cpu.icount >= this.endIcount) return { kind: "replaylog", end: "end" };
      return this.stepWatched() ?? this.breakpointHere() ?? { kind: "signal", signal: SIGTRAP };
    }
    const stopAt = cpu.icount + budget;
    while (cpu.icount < stopAt) {
      if (cpu.icount >= this.endIcount) return { kind: "replaylog", end: "end" };
      const before = cpu.icount;
      if (this.observed) {
        const r = this.stepWatched() ?? this.breakpointHere();
        if (r) return r;
        if (cpu.icount === before) return { kind: "terminated", why: "guest stopped making progress" };
        continue;
      }
      const end = this.timeline.advance(Math.min(stopAt, this.endIcount) - cpu.icount);
      const term = this.terminal(end);
      if (term) return term;
      if (cpu.icount === before && end && end.kind !== "limit") return { kind: "terminated", why: `guest stopped: ${end.kind}` };
    }
    return null;
  }

  // ---- reverse execution (design §4) ----

  reverseStep(): StopReason {
    this.exitCode = -1;
    const k = this.machine.cpu.icount;
    if (k <= this.timeline.startIcount) return { kind: "replaylog", end: "begin" };
    this.timeline.seek(k - 1);
    return this.breakpointHere() ?? { kind: "signal", signal: SIGTRAP };
  }

  /**
   * Scans back interval by interval (latest snapshot below the current icount first), replaying
   * each forward and remembering the last breakpoint (state j with PC at a breakpoint) or the
   * last watchpoint trigger (instruction j touched a watched location); stops at state j, or at
   * the start of the timeline with replaylog:begin. Runs to completion; the stub uses
   * resume("reverseContinue") + runSlice() instead, so ^C can interrupt a long scan.
   */
  reverseContinue(): StopReason {
    this.resume("reverseContinue");
    for (;;) {
      const r = this.runSlice(1 << 30);
      if (r) return r;
    }
  }

  /** One slice of the backward scan; null while the scan goes on. */
  private reverseSlice(budget: number): StopReason | null {
    const tl = this.timeline, cpu = this.machine.cpu;
    const scan = this.scan!;
    let spent = 0;
    while (spent < budget) {
      if (scan.from < 0) {
        // Start the interval below `hi`.
        if (scan.hi <= tl.startIcount) return this.endScan(tl.startIcount, { kind: "replaylog", end: "begin" });
        scan.from = tl.restoreAtOrBefore(scan.hi - 1);
        this.resyncWatches();
      }
      while (cpu.icount < scan.hi && spent < budget) {
        const j = cpu.icount;
        const bp = this.breakpointHere();
        if (bp) { scan.last = j; scan.why = bp; }
        const w = this.stepWatched();
        spent++;
        if (w && w.kind === "watch") { scan.last = j; scan.why = w; }
        else if (w || cpu.icount === j) { scan.hi = j; break; }
      }
      if (cpu.icount < scan.hi) continue;
      if (scan.last >= 0 && scan.why) return this.endScan(scan.last, scan.why);
      scan.hi = scan.from;
      scan.from = -1;
    }
    return null;
  }

  private endScan(at: number, why: StopReason): StopReason {
    this.scan = null;
    this.timeline.seek(at);
    this.resyncWatches();
    return why;
  }

  /**
   * ^C during a backward scan: everything from `hi` to where the scan began has been searched,
   * so stop at `hi` (or at the hit already found in the interval below it).
   */
  interrupt(): void {
    const scan = this.scan;
    if (!scan) return;
    this.scan = null;
    this.timeline.seek(scan.hi);
    this.resyncWatches();
  }

  /** Moves the machine to `icount` (forward or backward) without stopping at breakpoints. */
  seek(icount: number): void {
    this.exitCode = -1;
    this.timeline.seek(Math.min(icount, this.endIcount));
    this.resyncWatches();
  }
}
