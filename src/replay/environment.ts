// The Environment: the ONE door through which anything from the outside world reaches the
// machine (design §2). In `live` mode it asks the host; in `record` mode it asks the host and
// logs every answer with the icount at which the guest received it; in `replay` mode it answers
// from the trace and never consults the host.
//
// Inputs today: the wall-clock time that initialises the RTC (RTC_TIME at icount 0) and serial
// bytes for COM1 (SERIAL_IN, logged when the UART actually accepts them, so an overrun on the host
// side can never make replay differ), and with --clock host the host's monotonic time, sampled at
// slice boundaries (HOST_TIME; src/replay/host-clock.ts says how guest time follows it).

import type { TraceEvent } from "./trace-events.js";
import { EventKind } from "./trace-events.js";
import type { TraceWriter } from "./trace-writer.js";

/** The host's monotonic clock (--clock host). */
export interface HostClock {
  /** Host monotonic time in ns, from any origin. */
  nowNs(): number;
  /**
   * The guest is idle until host time `ns` (its next timer deadline): block until then or until
   * input may have arrived. Used by synchronous drivers (tests); the CLI waits asynchronously.
   */
  idleUntil(ns: number): void;
}

/** The live outside world, as the CLI (or a test's script) provides it. */
export interface HostWorld {
  /** Host wall-clock time, ms since the Unix epoch. */
  wallClockMs(): number;
  /** Serial bytes that arrived since the last call (non-blocking), or null. */
  pollSerial(): Uint8Array | null;
  /**
   * The guest is idle waiting for input: block until input may have arrived. Returns false when
   * no more input will ever come (end of a script or file, or no input attached).
   */
  waitForInput(): boolean;
  /** The host's monotonic clock; required by --clock host. */
  hostClock?: HostClock;
  /** The user asked to stop (the console's Ctrl-A x); polled at slice boundaries. */
  stopRequested?(): boolean;
}

export type EnvMode = "live" | "record" | "replay";

/** The replayed trace does not match what the machine asks for: a divergence or a damaged trace. */
export class ReplayMismatch extends Error {
  constructor(readonly icount: number, message: string) {
    super(`replay mismatch at icount ${icount}: ${message}`);
    this.name = "ReplayMismatch";
  }
}

export class Environment {
  /** Host bytes accepted from the world but not yet taken by the guest's UART (live/record). */
  private serialQueue: number[] = [];
  private pending: TraceEvent | undefined;
  /** Host monotonic time when the session started: guest time 0 (record/live with a host clock). */
  private readonly hostOrigin: number;
  private lastHostNs = 0;

  private constructor(
    readonly mode: EnvMode,
    private readonly world: HostWorld | undefined,
    private readonly writer: TraceWriter | undefined,
    private readonly events: Iterator<TraceEvent> | undefined,
  ) {
    if (events) this.advance();
    this.hostOrigin = world?.hostClock ? world.hostClock.nowNs() : 0;
  }

  static live(world: HostWorld): Environment {
    return new Environment("live", world, undefined, undefined);
  }
  static record(world: HostWorld, writer: TraceWriter): Environment {
    return new Environment("record", world, writer, undefined);
  }
  /** Replays `events` (the trace's events in order); DIGEST/MARK/SNAPSHOT/END are left to the caller via peek(). */
  static replay(events: Iterator<TraceEvent>): Environment {
    return new Environment("replay", undefined, undefined, events);
  }

  private advance(): void {
    const r = this.events!.next();
    this.pending = r.done ? undefined : r.value;
  }

  /** The next trace event not yet consumed (replay mode). */
  peek(): TraceEvent | undefined {
    return this.pending;
  }

  /** Consumes the pending event (replay mode), after the caller handled it. */
  consume(): void {
    this.advance();
  }

  /** The RTC's initial time of day, ms since the epoch: asked once, at icount 0. */
  epochMs(): number {
    if (this.mode === "replay") {
      const e = this.pending;
      if (!e || e.kind !== EventKind.RTC_TIME || e.icount !== 0)
        throw new ReplayMismatch(0, `the trace does not start with the RTC time (found ${e ? `event kind ${e.kind} at ${e.icount}` : "no events"})`);
      this.advance();
      return e.payload[0];
    }
    const ms = Math.floor(this.world!.wallClockMs());
    this.writer?.append(0, EventKind.RTC_TIME, [ms]);
    return ms;
  }

  /**
   * The icount at which the next input must be handed to the guest (replay), so the run loop
   * stops exactly there; Infinity when none is known in advance (live, record).
   */
  nextInputIcount(): number {
    if (this.mode !== "replay") return Infinity;
    const e = this.pending;
    return e && e.kind === EventKind.SERIAL_IN ? e.icount : Infinity;
  }

  /**
   * Serial bytes for COM1 at `icount`, at most `room` of them (what the UART can take now).
   * Record/live: from the host, queued until the guest's UART has room; replay: from the trace.
   */
  serialInput(icount: number, room: number): Uint8Array | null {
    if (this.mode === "replay") {
      const e = this.pending;
      if (!e || e.kind !== EventKind.SERIAL_IN || e.icount !== icount) return null;
      const bytes = e.payload[1];
      if (bytes.length > room)
        throw new ReplayMismatch(icount, `the trace delivers ${bytes.length} serial bytes but the UART has room for ${room}`);
      this.advance();
      return bytes;
    }
    const fresh = this.world!.pollSerial();
    if (fresh) for (const b of fresh) this.serialQueue.push(b);
    if (room <= 0 || this.serialQueue.length === 0) return null;
    const bytes = Uint8Array.from(this.serialQueue.splice(0, room));
    this.writer?.append(icount, EventKind.SERIAL_IN, [0, bytes]);
    return bytes;
  }

  /** Record/live: the guest waits for input; true if the host may still provide some. */
  waitForInput(): boolean {
    return this.mode !== "replay" && (this.serialQueue.length > 0 || this.world!.waitForInput());
  }

  /**
   * Host time at `icount`, ns since the session started, never less than the previous sample.
   * Record/live: sampled from the host clock and logged (HOST_TIME); replay: from the trace.
   */
  hostTimeNs(icount: number): number {
    if (this.mode === "replay") {
      const e = this.pending;
      if (!e || e.kind !== EventKind.HOST_TIME || e.icount !== icount)
        throw new ReplayMismatch(icount, `expected a host time sample here, the trace has ${e ? `event kind ${e.kind} at ${e.icount}` : "no more events"}`);
      this.advance();
      return e.payload[0];
    }
    const clock = this.world!.hostClock;
    if (!clock) throw new Error("the host clock mode needs a HostWorld with a hostClock");
    const ns = Math.max(this.lastHostNs, Math.floor(clock.nowNs() - this.hostOrigin));
    this.lastHostNs = ns;
    this.writer?.append(icount, EventKind.HOST_TIME, [ns]);
    return ns;
  }

  /** The host monotonic time (the host clock's own origin) at which session time reaches `ns`. */
  hostDeadline(ns: number): number {
    return this.hostOrigin + ns;
  }

  /** Record/live: the user asked the session to stop. */
  stopRequested(): boolean {
    return this.mode !== "replay" && this.world!.stopRequested?.() === true;
  }

  /** Bytes the host sent that the guest has not taken yet (record/live). */
  get serialBacklog(): number {
    return this.serialQueue.length;
  }
}
