// A replayed trace that can be moved to any icount, forward or backward, for bisect and diff:
// the machine the header describes, the trace's events handed over at their icounts exactly as
// replayRun (session.ts) does, digests verified on the way, and snapshots every `every`
// instructions (plus any the caller asks for) to come back to.
//
// "The state at icount k" is the machine after k instructions retired, before the trace's events
// at k are handled (as replayRun leaves it with `to: k`); a snapshot holds such a state.
// The guest's serial output is logged with the icount of the instruction that wrote each byte,
// once, the first time the timeline runs through it, so "output so far" is known at any k.

import { Eflags } from "../cpu/constants.js";
import { MACHINE_SEMANTICS_VERSION, type Machine, type RunEnd } from "../vmx/machine.js";
import { CPU_WORDS, cpuWords, MemoryDigest } from "./digest.js";
import { applyHostTime } from "./host-clock.js";
import { SnapshotStore } from "./snapshot-store.js";
import { EventKind, kindName, type TraceEvent } from "./trace-events.js";
import { guestFromHeader, machineForGuest, type ImageSource } from "./guest-setup.js";
import { semanticsMismatch, TraceError, type TraceHeader } from "./trace-format.js";
import { TraceReader } from "./trace-reader.js";

export interface CursorOptions {
  /** The bytes of a recorded image (its SHA-256 is checked against the header). */
  image: ImageSource;
  /** Instructions between automatic snapshots (default: 1/32 of the trace, at least 4096: each snapshot costs about as much as replaying 0.5M instructions). */
  snapshotEvery?: number;
  onReport?: (message: string) => void;
}

/** A recorded digest that the replay does not reproduce. */
export interface CursorDivergence { icount: number; what: string }

export class TraceCursor {
  readonly machine: Machine;
  readonly header: TraceHeader;
  /** icount of the recorded END (or of the last readable event of an incomplete trace). */
  readonly endIcount: number;
  readonly recordedEnd: string | null;
  readonly incomplete: string | null;
  readonly every: number;
  /** Events other than SNAPSHOT/MARK, in trace order. */
  readonly events: TraceEvent[];
  divergence: CursorDivergence | null = null;
  /** Instructions executed so far, over every replayed interval (for statistics). */
  replayed = 0;
  /** The run end of the last slice that stopped short (exit, hang...), for the caller's report. */
  lastEnd: RunEnd | null = null;
  private next = 0;
  private readonly store = new SnapshotStore({ budgetBytes: 384 << 20 });
  /** Icounts where the recording emptied the TLB (digest points): the only places snapshots are taken. */
  private readonly flushPoints = new Set<number>();
  /** The recording's digest interval (0: no digests), to align probes with snapshot points. */
  flushStep = 0;
  private lastSnapshotAt = 0;
  private readonly snaps = new Map<number, number>();
  private readonly digest: MemoryDigest;
  private serialBytes = new Uint8Array(4096);
  private serialIcounts = new Float64Array(4096);
  private serialLength = 0;
  /** The furthest icount run so far: serial output before it is logged. */
  private frontier = 0;
  private readonly hostClock: boolean;
  /** HOST_TIME bookkeeping, as replayRun: the icount of the last sample, and whether the machine ran since. */
  private hostTimeAt = -1;
  private ranSinceHostTime = false;

  constructor(readonly file: string, o: CursorOptions) {
    const reader = TraceReader.open(file, { salvage: true });
    try {
      const why = semanticsMismatch(reader.header.semanticsVersion, MACHINE_SEMANTICS_VERSION);
      if (why) throw new TraceError(file, 0, why);
      this.header = reader.header;
      this.events = [...reader.events()].filter((e) => e.kind !== EventKind.SNAPSHOT && e.kind !== EventKind.MARK);
      this.incomplete = reader.status.complete ? null : `recording incomplete: ${reader.status.reason}`;
    } finally {
      reader.close();
    }
    const guest = guestFromHeader(this.header, file, o.image);
    const rtc = this.events[0];
    if (!rtc || rtc.kind !== EventKind.RTC_TIME || rtc.icount !== 0) throw new TraceError(file, 0, "the trace does not start with the RTC time");
    const end = this.events.find((e) => e.kind === EventKind.END);
    this.recordedEnd = end ? (end.payload as { reason: string }).reason : null;
    this.endIcount = end ? end.icount : this.events[this.events.length - 1].icount;
    // Snapshots empty the TLB, which a guest relying on a stale entry (Linux) can notice: take
    // them only where the recording emptied it too (icount 0 and its digest points).
    for (const e of this.events) if (e.kind === EventKind.DIGEST) this.flushPoints.add(e.icount);
    const firstDigest = this.events.find((e) => e.kind === EventKind.DIGEST);
    this.flushStep = firstDigest ? firstDigest.icount : 0;
    this.every = o.snapshotEvery ?? Math.max(4096, Math.ceil(this.endIcount / 32));
    this.hostClock = guest.clock === "host";
    const m = machineForGuest(guest, (rtc.payload as [number])[0], { onReport: o.onReport, onSerial: (b) => this.logSerial(b) });
    this.machine = m;
    this.next = 1;
    this.digest = new MemoryDigest(m.mem);
    this.snapshot();
  }

  get icount(): number {
    return this.machine.cpu.icount;
  }

  private logSerial(b: number): void {
    const at = this.machine.cpu.icount;
    if (at < this.frontier) return;
    if (this.serialLength === this.serialBytes.length) {
      const nb = new Uint8Array(this.serialLength * 2); nb.set(this.serialBytes); this.serialBytes = nb;
      const ni = new Float64Array(this.serialLength * 2); ni.set(this.serialIcounts); this.serialIcounts = ni;
    }
    this.serialBytes[this.serialLength] = b;
    this.serialIcounts[this.serialLength++] = at;
  }

  /** The guest's serial output written by the instructions before the current icount (latin1). */
  serialSoFar(): string {
    const k = this.icount;
    let lo = 0, hi = this.serialLength;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (this.serialIcounts[mid] < k) lo = mid + 1; else hi = mid; }
    return Buffer.from(this.serialBytes.buffer, 0, lo).toString("latin1");
  }

  /** Takes a snapshot at the current icount unless one is held there (only before that icount's events). */
  snapshot(): void {
    const at = this.icount;
    if (at !== 0 && !this.flushPoints.has(at)) return;
    if (at > this.lastSnapshotAt) this.lastSnapshotAt = at;
    const have = this.snaps.get(at);
    if (have !== undefined && this.store.has(have)) return;
    if (this.next < this.events.length && this.events[this.next].icount < at) return;
    if (this.next > 0 && this.next <= this.events.length && this.events[this.next - 1].icount === at && this.events[this.next - 1].kind !== EventKind.RTC_TIME) return;
    this.snaps.set(at, this.store.take(this.machine));
  }

  /** Number of snapshots held. */
  get snapshotCount(): number {
    return this.snaps.size;
  }

  private firstEventAtOrAfter(icount: number): number {
    const ev = this.events;
    let lo = 1, hi = ev.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (ev[mid].icount < icount) lo = mid + 1; else hi = mid; }
    return lo;
  }

  /** Moves to `icount` (clamped to the trace's end): restores the nearest snapshot at or before it if needed, then runs forward. */
  seek(icount: number): void {
    icount = Math.min(icount, this.endIcount);
    let best = -1, bestAt = -1;
    for (const [at, id] of this.snaps) if (at <= icount && at > bestAt && this.store.has(id)) { best = id; bestAt = at; }
    if (icount < this.icount || bestAt > this.icount) {
      if (best < 0) throw new RangeError(`no snapshot at or before icount ${icount}`);
      this.store.restore(this.machine, best);
      this.next = this.firstEventAtOrAfter(bestAt);
      this.hostTimeAt = -1;
    }
    this.advanceTo(icount);
  }

  /**
   * Runs forward to `target` (at most the trace's end), handling events on the way and taking a
   * snapshot at every multiple of `every`. Returns false when the guest stopped short (divergence).
   */
  advanceTo(target: number): boolean {
    target = Math.min(target, this.endIcount);
    const m = this.machine, cpu = m.cpu, ev = this.events;
    while (cpu.icount < target) {
      if (cpu.icount % this.every === 0 || (this.flushPoints.has(cpu.icount) && cpu.icount - this.lastSnapshotAt >= this.every)) this.snapshot();
      while (this.next < ev.length && ev[this.next].icount === cpu.icount) this.handle(ev[this.next]);
      if (this.next < ev.length && ev[this.next].icount < cpu.icount) throw new TraceError(this.file, 0, `event of kind ${kindName(ev[this.next].kind)} at icount ${ev[this.next].icount} is in the past (at ${cpu.icount})`);
      const nextEvent = this.next < ev.length ? ev[this.next].icount : Infinity;
      const nextSnap = (Math.floor(cpu.icount / this.every) + 1) * this.every;
      const limit = Math.min(target, nextEvent, nextSnap);
      const before = cpu.icount;
      this.ranSinceHostTime = true;
      const end = m.run(limit - before);
      this.replayed += cpu.icount - before;
      if (cpu.icount > this.frontier) this.frontier = cpu.icount;
      if (cpu.icount < limit) {
        this.lastEnd = end;
        if (!this.divergence) this.divergence = { icount: cpu.icount, what: `the guest stopped (${end.kind}) at icount ${cpu.icount}, before icount ${limit} the recording reached` };
        return false;
      }
    }
    if (cpu.icount % this.every === 0) this.snapshot();
    return true;
  }

  /** Handles the events at the current icount (at the trace's end: verifies the final digest). */
  handleEventsHere(): void {
    while (this.next < this.events.length && this.events[this.next].icount === this.icount) this.handle(this.events[this.next]);
  }

  /** One instruction forward (events at the current icount handled first). */
  step(): boolean {
    return this.advanceTo(this.icount + 1);
  }

  /** Handles one trace event at the current icount, as replayRun does. */
  private handle(e: TraceEvent): void {
    const m = this.machine;
    this.next++;
    // As replayRun: the recorder ran the machine after a host time sample, before the next event at that icount.
    if (this.hostTimeAt === m.cpu.icount && !this.ranSinceHostTime && e.kind !== EventKind.SERIAL_IN) { this.ranSinceHostTime = true; m.run(0); }
    switch (e.kind) {
      case EventKind.DIGEST: {
        this.digest.update(m.cpu);
        const now = cpuWords(m.cpu);
        const p = e.payload;
        const rec = new Int32Array(p.cpu.buffer.slice(p.cpu.byteOffset, p.cpu.byteOffset + p.cpu.byteLength));
        let same = rec.length === CPU_WORDS;
        for (let i = 0; same && i < CPU_WORDS; i++) same = rec[i] === now[i];
        if (!same) { this.divergence ??= { icount: e.icount, what: "CPU state differs from the recorded digest" }; break; }
        if (!Buffer.from(this.digest.value()).equals(Buffer.from(p.mem))) this.divergence ??= { icount: e.icount, what: "memory differs from the recorded digest" };
        break;
      }
      case EventKind.SERIAL_IN: {
        const uart = m.platform.com1;
        for (const b of e.payload[1]) uart.receive(b);
        // As replayRun: a guest halted with interrupts on runs its idle time when the recorder did.
        const n = this.events[this.next];
        if (!this.hostClock && m.cpu.halted && (m.cpu.flags & Eflags.IF) !== 0 && n !== undefined && n.icount === m.cpu.icount) { this.ranSinceHostTime = true; m.run(0); }
        break;
      }
      case EventKind.HOST_TIME:
        applyHostTime(m, e.payload[0]);
        this.hostTimeAt = m.cpu.icount;
        this.ranSinceHostTime = false;
        break;
      case EventKind.END:
      case EventKind.RTC_TIME:
        break;
      default:
        throw new TraceError(this.file, 0, `bisect/diff cannot yet replay input events of kind ${kindName(e.kind)} (icount ${e.icount})`);
    }
  }
}
