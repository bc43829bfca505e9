// Record and replay sessions: drive a Machine in slices, feed it inputs from the Environment,
// and write (record) or verify (replay) digests.
//
// Where inputs enter: only at slice boundaries chosen by the recorder (every `pollEvery`
// instructions, at digest points, and when the guest stops). Each input is logged with the icount
// at which it was handed over, and replay stops at exactly that icount to hand it over again.
// Same-icount order in a trace: DIGEST first, then inputs. The DIGEST payload carries the raw
// architectural CPU words (digest.ts cpuWords) in `cpu`, not a hash, so a divergence can show a
// register diff; `mem` is the 64-bit memory digest.

import { Eflags } from "../cpu/constants.js";
import { Machine, MACHINE_SEMANTICS_VERSION, type RunEnd } from "../vmx/machine.js";
import { CPU_WORDS, MemoryDigest } from "./digest.js";
import { guestFromHeader, guestHeader, machineForGuest, type GuestSpec, type ImageSource } from "./guest-setup.js";
import { Environment, ReplayMismatch, type HostWorld } from "./environment.js";
import { applyHostTime } from "./host-clock.js";
import { deliverSerial, digestPayload, driveSync, endText, Recorder, type ClockMode } from "./recorder.js";
import { restoreMachine, type MachineState } from "./snapshot.js";
import { EventKind, type TraceEvent } from "./trace-events.js";
import { semanticsMismatch, TraceError, type TraceHeader } from "./trace-format.js";
import { TraceReader } from "./trace-reader.js";
import { TraceWriter, type TraceWriterOptions } from "./trace-writer.js";

export type { FlatGuest, GuestSpec, LoaderGuest } from "./guest-setup.js";

export interface Outputs {
  onSerial?: (byte: number) => void;
  onDebugConsole?: (byte: number) => void;
  onReport?: (message: string) => void;
}

export interface RecordOptions extends Outputs {
  guest: GuestSpec;
  path: string;
  world: HostWorld;
  /** ISO 8601 creation time, chosen by the caller (the trace layer never reads a clock). */
  createdAt: string;
  maxInstructions?: number;
  /** Instructions between DIGEST events (default 1,000,000). */
  digestEvery?: number;
  /** Instructions per slice: between polls of the host for input and host time samples (default 100,000; 20,000 with the host clock). */
  pollEvery?: number;
  writer?: TraceWriterOptions;
}

export interface SessionResult {
  end: RunEnd;
  icount: number;
  /** The final CPU words and memory digest (what the END digest recorded or verified). */
  finalCpu: Int32Array;
  finalMem: Uint8Array;
  /** The machine as the run left it (for snapshots and whole-machine comparisons). */
  machine: Machine;
}

function buildMachine(guest: GuestSpec, epochMs: number, out: Outputs): Machine {
  return machineForGuest(guest, epochMs, out);
}

/** The trace header `recordRun` writes for `guest`. */
export function recordHeader(guest: GuestSpec, createdAt: string): TraceHeader {
  return { semanticsVersion: MACHINE_SEMANTICS_VERSION, ...guestHeader(guest), createdAt, tags: {} };
}

/** Starts a recording of `guest` into `path`: the Recorder to drive (synchronously or not), then finish(). */
export function startRecording(o: RecordOptions): Recorder {
  const writer = new TraceWriter(o.path, recordHeader(o.guest, o.createdAt), o.writer);
  try {
    const env = Environment.record(o.world, writer);
    const m = buildMachine(o.guest, env.epochMs(), o);
    return new Recorder(m, env, { clock: o.guest.clock ?? "virtual", writer, maxInstructions: o.maxInstructions, digestEvery: o.digestEvery, slice: o.pollEvery });
  } catch (e) {
    writer.abandon();
    throw e;
  }
}

/** Closes a recording the Recorder finished (or abandons the trace when `error`). */
export function finishRecording(r: Recorder, reason?: string): SessionResult {
  const final = r.finish(reason)!;
  return { end: r.end, icount: r.m.cpu.icount, finalCpu: new Int32Array(final.cpu.buffer), finalMem: final.mem, machine: r.m };
}

/** Records a run of `guest` into `path`, waiting for input and host time through the HostWorld's blocking calls. */
export function recordRun(o: RecordOptions): SessionResult {
  const r = startRecording(o);
  try {
    driveSync(r, () => r.env.waitForInput(), (ns) => o.world.hostClock?.idleUntil(ns));
  } catch (e) {
    r.abandon();
    throw e;
  }
  return finishRecording(r);
}

/** Runs `guest` live (no trace): the same slice loop as a recording, inputs from `world`. */
export function runLive(o: Outputs & { guest: GuestSpec; world: HostWorld; maxInstructions?: number; pollEvery?: number }): { end: RunEnd; icount: number; machine: Machine } {
  const env = Environment.live(o.world);
  const m = buildMachine(o.guest, env.epochMs(), o);
  const r = new Recorder(m, env, { clock: o.guest.clock ?? "virtual", maxInstructions: o.maxInstructions, slice: o.pollEvery });
  driveSync(r, () => env.waitForInput(), (ns) => o.world.hostClock?.idleUntil(ns));
  return { end: r.end, icount: m.cpu.icount, machine: m };
}

export interface ReplayOptions extends Outputs {
  path: string;
  /** Returns the bytes of a recorded image (the caller finds it; its SHA-256 is checked here). */
  image: ImageSource;
  /** Stop at this icount instead of the end of the trace. */
  to?: number;
  /**
   * Resume from this machine state (a snapshot taken during a replay of the same trace, at a point
   * where the events at its icount were not yet handled, e.g. a replay stopped by `to`).
   */
  from?: MachineState;
  /** Calls `onSnapshot` every `snapshotEvery` instructions (at multiples of it), before the events at that icount. */
  snapshotEvery?: number;
  onSnapshot?: (m: Machine) => void;
}

export interface Divergence {
  /** The last icount at which the recorded and replayed digests still matched. */
  lastGood: number;
  /** The icount of the first digest that differs. */
  at: number;
  what: string;
  /** Register differences (name: recorded → replayed) when the CPU state differs. */
  registers: string[];
}

export interface ReplayResult {
  icount: number;
  end: RunEnd | null;
  /** The recorded END reason, when the trace reached its clean end. */
  recordedEnd: string | null;
  digestsVerified: number;
  divergence: Divergence | null;
  /** Set when the trace stops before a clean END (truncated recording). */
  incomplete: string | null;
  /** The machine where the replay stopped. */
  machine: Machine;
}

const REG_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags"];

function registerDiff(rec: Int32Array, now: Int32Array): string[] {
  const out: string[] = [];
  const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
  for (let i = 0; i < CPU_WORDS; i++) {
    if (rec[i] === now[i]) continue;
    const name = i < REG_NAMES.length ? REG_NAMES[i] : `cpu word ${i}`;
    out.push(`${name}: ${hex(rec[i])} → ${hex(now[i])}`);
  }
  return out;
}

/** Replays the trace at `path`, verifying every digest; stops at the first divergence. */
export function replayRun(o: ReplayOptions): ReplayResult {
  const reader = TraceReader.open(o.path, { salvage: true });
  try {
    const why = semanticsMismatch(reader.header.semanticsVersion, MACHINE_SEMANTICS_VERSION);
    if (why) throw new TraceError(o.path, 0, why);
    const guest = guestFromHeader(reader.header, o.path, o.image);
    const env = Environment.replay(reader.events());
    const m = buildMachine(guest, env.epochMs(), o);
    let lastGood = 0;
    if (o.from) {
      restoreMachine(m, o.from);
      lastGood = o.from.icount;
      while (env.peek() !== undefined && env.peek()!.icount < lastGood) env.consume();
    }
    const memory = new MemoryDigest(m.mem);
    const to = o.to ?? Infinity;
    const every = o.onSnapshot && o.snapshotEvery ? o.snapshotEvery : Infinity;
    let nextSnapshot = every === Infinity ? Infinity : (Math.floor(m.cpu.icount / every) + 1) * every;
    // HOST_TIME bookkeeping: a second sample at one icount means the recorder ran the machine in between.
    let hostTimeAt = -1, ranSinceHostTime = false;
    const run = (n: number): RunEnd => {
      ranSinceHostTime = true;
      return m.run(n);
    };
    let end: RunEnd | null = null, verified = 0;
    const status = reader.status;
    for (;;) {
      const e: TraceEvent | undefined = env.peek();
      if (!e) {
        const incomplete = status.complete ? "the trace has no END event" : `recording incomplete: ${status.reason}`;
        return { icount: m.cpu.icount, end, recordedEnd: null, digestsVerified: verified, divergence: null, incomplete, machine: m };
      }
      if (e.icount < m.cpu.icount) throw new ReplayMismatch(m.cpu.icount, `trace event of kind ${e.kind} at icount ${e.icount} is in the past`);
      if (m.cpu.icount >= nextSnapshot) {
        o.onSnapshot!(m);
        nextSnapshot = (Math.floor(m.cpu.icount / every) + 1) * every;
      }
      if (e.icount > m.cpu.icount) {
        const target = Math.min(e.icount, to, nextSnapshot);
        end = run(target - m.cpu.icount);
        if (m.cpu.icount < e.icount && m.cpu.icount === nextSnapshot && end.kind === "limit") continue;
        if (m.cpu.icount >= to) return { icount: m.cpu.icount, end, recordedEnd: null, digestsVerified: verified, divergence: null, incomplete: null, machine: m };
        if (m.cpu.icount < e.icount) {
          return {
            icount: m.cpu.icount, end, recordedEnd: null, digestsVerified: verified, incomplete: null, machine: m,
            divergence: { lastGood, at: m.cpu.icount, what: `the guest stopped (${endText(end)}) at icount ${m.cpu.icount}, before the recorded event at ${e.icount}`, registers: [] },
          };
        }
        continue;
      }
      // The recorder runs the machine after every host time sample (and the serial input that
      // follows it): an event after them at the same icount comes after that run, which retired
      // nothing (the guest stayed halted) but counted a HLT exit and may have ended the guest.
      if (hostTimeAt === m.cpu.icount && !ranSinceHostTime && e.kind !== EventKind.SERIAL_IN) end = run(0);
      switch (e.kind) {
        case EventKind.DIGEST: {
          const now = digestPayload(m, memory);
          const rec = new Int32Array(e.payload.cpu.buffer.slice(e.payload.cpu.byteOffset, e.payload.cpu.byteOffset + e.payload.cpu.byteLength));
          const nowWords = new Int32Array(now.cpu.buffer);
          const regs = rec.length === CPU_WORDS ? registerDiff(rec, nowWords) : ["(recorded CPU state has an unexpected size)"];
          const memSame = Buffer.from(now.mem).equals(Buffer.from(e.payload.mem));
          if (regs.length || !memSame) {
            return {
              icount: m.cpu.icount, end, recordedEnd: null, digestsVerified: verified, incomplete: null, machine: m,
              divergence: { lastGood, at: e.icount, what: regs.length ? "CPU state differs" : "memory differs", registers: regs },
            };
          }
          verified++;
          lastGood = e.icount;
          env.consume();
          break;
        }
        case EventKind.SERIAL_IN: {
          deliverSerial(m, env);
          // The recorder runs the machine after every input it hands to a guest halted with
          // interrupts on (it may wake it). When that run retired nothing (the guest stayed
          // halted, yet idle time passed and timers fired), the next event has this same icount.
          const next = env.peek();
          if (guest.clock !== "host" && m.cpu.halted && (m.cpu.flags & Eflags.IF) !== 0 && next !== undefined && next.icount === m.cpu.icount) end = run(0);
          break;
        }
        case EventKind.HOST_TIME: {
          applyHostTime(m, env.hostTimeNs(m.cpu.icount));
          hostTimeAt = m.cpu.icount;
          ranSinceHostTime = false;
          break;
        }
        case EventKind.END:
          return { icount: m.cpu.icount, end, recordedEnd: e.payload.reason, digestsVerified: verified, divergence: null, incomplete: null, machine: m };
        case EventKind.MARK:
        case EventKind.SNAPSHOT:
          env.consume();
          break;
        default:
          throw new ReplayMismatch(e.icount, `this machine takes no input of kind ${e.kind} (recorded by a newer or different configuration)`);
      }
    }
  } finally {
    reader.close();
  }
}
