// The record/live run loop as a small state machine: step() runs one slice of the machine and
// says what it needs next (run again, wait for input, wait until a host time, or done). A
// synchronous driver (recordRun, tests) answers waits through the HostWorld; the CLI's driver
// (src/cli/console.ts) awaits them, so the terminal keeps being read while the guest runs.
//
// One step: run ≤ `slice` instructions (stopping at the next digest point) → DIGEST if due →
// [wait, when the guest is idle] → HOST_TIME sample (host clock: at the end of a slice or an idle
// wait, not at a digest point inside a slice) → SERIAL_IN (what the UART takes; in host mode only
// with a sample).
// Replay (session.ts) relies on this order: at one icount, DIGEST, then HOST_TIME, then SERIAL_IN;
// a second HOST_TIME at the same icount means the recorder ran the machine in between (a run
// that retired nothing: the guest stayed halted).

import { Eflags } from "../cpu/constants.js";
import { EmulatorBug } from "../cpu/fault.js";
import type { Machine, RunEnd } from "../vmx/machine.js";
import { cpuWords, MemoryDigest } from "./digest.js";
import type { Environment } from "./environment.js";
import { nextDeadlineNs, sampleHostTime } from "./host-clock.js";
import { EventKind } from "./trace-events.js";
import type { TraceWriter } from "./trace-writer.js";

export type ClockMode = "virtual" | "host";

export function endText(end: RunEnd): string {
  switch (end.kind) {
    case "exit": return `exit ${end.code}`;
    case "shutdown": return `shutdown: ${end.reason}`;
    case "hung": return `hung: ${end.reason}`;
    default: return end.kind;
  }
}

export interface DigestPayload { cpu: Uint8Array; mem: Uint8Array; pages: number }

export function digestPayload(m: Machine, memory: MemoryDigest): DigestPayload {
  const pages = memory.update(m.cpu);
  const w = cpuWords(m.cpu);
  return { cpu: new Uint8Array(w.buffer.slice(0)), mem: memory.value(), pages };
}

/** Feeds COM1 the serial bytes the Environment has for the current icount, as many as its receiver takes. */
export function deliverSerial(m: Machine, env: Environment): number {
  const uart = m.platform.com1;
  const bytes = env.serialInput(m.cpu.icount, uart.rxRoom());
  if (!bytes) return 0;
  for (const b of bytes) {
    if (!uart.receive(b)) throw new EmulatorBug(`UART refused a byte it had room for at icount ${m.cpu.icount}`);
  }
  return bytes.length;
}

export interface RecorderOptions {
  clock: ClockMode;
  /** The trace (record mode); none in live mode (no digests either). */
  writer?: TraceWriter;
  maxInstructions?: number;
  /**
   * Instructions between DIGEST events, exactly. Default: 1,000,000, stretched while the guest
   * writes much memory (digestInterval), so hashing stays a small part of the run.
   */
  digestEvery?: number;
  /** Instructions per slice: between polls of the host for input and host time samples (default 100,000; 20,000 with the host clock). */
  slice?: number;
}

/** What the driver does before the next step(). */
export const enum Need {
  RUN = 0,
  /** Block until input may have arrived; then resume(moreMayCome). */
  WAIT_INPUT = 1,
  /** Block until host monotonic time `waitUntilNs` or input; then resume(true). */
  WAIT_UNTIL = 2,
  DONE = 3,
}

export const HOST_SLICE = 20_000;
/** Default (and least default) instructions between digests. */
export const DIGEST_EVERY = 1_000_000;
/** Default digest spacing after a digest that rehashed STRETCH_PAGES or more: this many instructions per page. */
export const PAGE_INSTRUCTIONS = 2000;
export const STRETCH_PAGES = 2000;

export class Recorder {
  end: RunEnd = { kind: "limit" };
  /** Host monotonic time (the host clock's origin) to wait for, with Need.WAIT_UNTIL. */
  waitUntilNs = 0;
  private readonly memory: MemoryDigest | undefined;
  private readonly digestEvery: number;
  private readonly slice: number;
  private readonly limit: number;
  private nextDigest: number;
  private waiting: Need = Need.RUN;
  /** Host mode: icount of the last host time sample (slices are counted from it, not from digest points). */
  private sampledAt = 0;
  private firstDigest = true;

  constructor(readonly m: Machine, readonly env: Environment, private readonly o: RecorderOptions) {
    this.memory = o.writer ? new MemoryDigest(m.mem) : undefined;
    this.digestEvery = o.writer ? o.digestEvery ?? DIGEST_EVERY : Infinity;
    this.slice = o.slice ?? (o.clock === "host" ? HOST_SLICE : 100_000);
    this.limit = o.maxInstructions ?? Infinity;
    this.nextDigest = m.cpu.icount + this.digestEvery;
  }

  /** Runs one slice (or finishes a wait), returning what is needed next. */
  step(): Need {
    const m = this.m, env = this.env;
    const icount = m.cpu.icount;
    const sliceEnd = (this.o.clock === "host" ? this.sampledAt : icount) + this.slice;
    const end = (this.end = m.run(Math.min(this.limit, this.nextDigest, sliceEnd) - icount));
    if (m.cpu.icount >= this.nextDigest) {
      const d = digestPayload(m, this.memory!);
      this.o.writer!.append(m.cpu.icount, EventKind.DIGEST, d);
      this.nextDigest = m.cpu.icount + this.digestInterval(d.pages);
    }
    if (end.kind === "exit" || end.kind === "shutdown" || end.kind === "poweroff" || end.kind === "stopped") return Need.DONE;
    if (env.stopRequested()) {
      this.end = { kind: "stopped" };
      return Need.DONE;
    }
    const idleNoTimer = end.kind === "hung" && (m.cpu.flags & Eflags.IF) !== 0 && m.platform.com1.rxRoom() > 0;
    if (this.o.clock === "host") {
      if (m.cpu.icount >= this.limit) return Need.DONE;
      if (end.kind === "idle") return this.wait(Need.WAIT_UNTIL);
      if (idleNoTimer) return env.serialBacklog > 0 ? this.afterWait() : this.wait(Need.WAIT_INPUT);
      if (end.kind === "hung") return Need.DONE;
      // A digest point inside a slice is not a slice boundary: no sample there.
      return m.cpu.icount >= sliceEnd ? this.afterWait() : Need.RUN;
    }
    if (deliverSerial(m, env) > 0 && end.kind === "hung") return Need.RUN;
    if (end.kind === "limit" && m.cpu.icount < this.limit) return Need.RUN;
    // A guest halted with interrupts on and no timer armed waits for input, if any may come
    // and its UART has room for it (with none, a host backlog would be waited on forever).
    if (idleNoTimer) return env.serialBacklog > 0 ? this.resume(true) : this.wait(Need.WAIT_INPUT);
    return Need.DONE;
  }

  /**
   * Instructions to the next digest, after one that rehashed `pages` pages. A digest costs a hash
   * of every page written since the last one (~2 µs per 4 KiB page, vs ~50 ns per instruction):
   * a guest that rewrites 6,000 pages per million instructions (bench-mem) would spend a third of
   * the recording hashing. By default the interval is therefore PAGE_INSTRUCTIONS per page the
   * last digest hashed (hashing ~2% of the run), at most 10× DIGEST_EVERY, when that digest
   * hashed STRETCH_PAGES or more (a Linux boot stays under 1,000 per 1M, so its digests stay 1M
   * apart); the first digest (every page: nothing was known) does not count. Replay follows the recorded
   * icounts, so the spacing is the recorder's choice. An explicit digestEvery is kept exactly.
   */
  private digestInterval(pages: number): number {
    if (this.o.digestEvery !== undefined) return this.digestEvery;
    const first = this.firstDigest;
    this.firstDigest = false;
    return first || pages < STRETCH_PAGES ? DIGEST_EVERY : Math.min(10 * DIGEST_EVERY, pages * PAGE_INSTRUCTIONS);
  }

  /** After a wait: `more` is false when no input will ever come (WAIT_INPUT only). */
  resume(more: boolean): Need {
    const was = this.waiting;
    this.waiting = Need.RUN;
    if (was === Need.WAIT_INPUT && !more) return Need.DONE;
    if (this.o.clock === "host") return this.afterWait();
    if (deliverSerial(this.m, this.env) > 0) return Need.RUN;
    // The host said input may come but had none yet: wait again.
    return this.wait(Need.WAIT_INPUT);
  }

  /** The Need the driver is answering (RUN when none). */
  get pendingWait(): Need {
    return this.waiting;
  }

  /** Host mode: the time sample, then serial input; the machine runs next. */
  private afterWait(): Need {
    this.sampledAt = this.m.cpu.icount;
    sampleHostTime(this.m, this.env);
    deliverSerial(this.m, this.env);
    return Need.RUN;
  }

  private wait(need: Need): Need {
    this.waiting = need;
    if (need === Need.WAIT_UNTIL) this.waitUntilNs = this.env.hostDeadline(nextDeadlineNs(this.m));
    return need;
  }

  /** Drops an unfinished trace (the recording failed). */
  abandon(): void {
    this.o.writer?.abandon();
  }

  /** Record mode: the final DIGEST and END; returns the final digest. */
  finish(reason = endText(this.end)): DigestPayload | null {
    const w = this.o.writer;
    if (!w) return null;
    const final = digestPayload(this.m, this.memory!);
    w.append(this.m.cpu.icount, EventKind.DIGEST, final);
    w.append(this.m.cpu.icount, EventKind.END, { reason });
    w.close({ instructions: this.m.cpu.icount, exits: this.m.vmm.stats.toRecord() });
    return final;
  }
}

/** Drives a Recorder to the end, answering its waits synchronously through the HostWorld's blocking calls. */
export function driveSync(r: Recorder, waitForInput: () => boolean, idleUntil: (ns: number) => void): void {
  let need = Need.RUN;
  for (;;) {
    switch (need) {
      case Need.RUN: need = r.step(); break;
      case Need.WAIT_INPUT: need = r.resume(waitForInput()); break;
      case Need.WAIT_UNTIL: idleUntil(r.waitUntilNs); need = r.resume(true); break;
      default: return;
    }
  }
}
