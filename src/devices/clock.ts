// The Clock: the only source of time for devices (design §2).
//
// Time is a function of the guest instruction count (icount). In virtual mode that function is
// linear: time_ns = icount * nsPerInstruction (default 1 ns per instruction). Devices schedule
// preallocated Timers at a time in ns; the Clock converts each deadline to the first icount at
// which that time has been reached, so the run loop can run exactly until
// nextDeadlineIcount() and then call runDue().
//
// Host-clock mode (--clock host) uses the same TimeSource (GuestTime): the session moves guest
// time forward to logged host time samples between runs and calls retime()/runDue()
// (src/replay/host-clock.ts), so deadlines stay icounts derived from ns. Devices do not change:
// they only ever see ns values and timer callbacks.

/** Maps instruction counts to guest time. */
export interface TimeSource {
  /** The nominal rate (a snapshot checks it): time per instruction, before any idle skip or host time segment. */
  readonly nsPerInstruction: number;
  /** Guest time in ns at instruction count `icount`. */
  nowNs(icount: number): number;
  /** The first instruction count at which the time is >= `ns` (a deadline). */
  icountAt(ns: number): number;
}

/** Virtual time: `nsPerInstruction` ns per retired instruction. Integral values keep all arithmetic exact. */
export class VirtualTime implements TimeSource {
  constructor(readonly nsPerInstruction = 1) {
    if (!(nsPerInstruction > 0) || !Number.isFinite(nsPerInstruction))
      throw new RangeError(`nsPerInstruction must be a positive number, got ${nsPerInstruction}`);
  }
  nowNs(icount: number): number {
    return icount * this.nsPerInstruction;
  }
  icountAt(ns: number): number {
    return Math.max(0, Math.ceil(ns / this.nsPerInstruction));
  }
}

/** A preallocated timer, owned by one device. */
export class Timer {
  /** Deadline as an instruction count; Infinity when not scheduled. */
  deadline = Infinity;
  /** Deadline as guest time (ns); -1 when not scheduled. */
  atNs = -1;

  constructor(
    readonly name: string,
    /** Registration order: the tie-breaker between equal deadlines. */
    readonly order: number,
    /** Called with the time the timer was scheduled for (not the possibly later current time). */
    readonly callback: (atNs: number) => void,
  ) {}

  get scheduled(): boolean {
    return this.atNs >= 0;
  }
}

export interface ClockOptions {
  /** Reads the current instruction count (the CPU's icount). */
  icount: () => number;
  /** Virtual-time rate when no `source` is given; default 1. */
  nsPerInstruction?: number;
  source?: TimeSource;
  /** A timer was armed earlier than every other deadline (the run loop may be past its bound). */
  onEarlierDeadline?: (icount: number) => void;
}

const NS_PER_S = 1e9;

export class Clock {
  readonly source: TimeSource;
  private readonly icountFn: () => number;
  private readonly timers: Timer[] = [];
  private readonly names = new Set<string>();
  private next = Infinity;
  private readonly onEarlier: ((icount: number) => void) | undefined;

  constructor(options: ClockOptions) {
    this.icountFn = options.icount;
    this.onEarlier = options.onEarlierDeadline;
    this.source = options.source ?? new VirtualTime(options.nsPerInstruction ?? 1);
  }

  /** The current instruction count. */
  icount(): number {
    return this.icountFn();
  }

  /** The current guest time in ns. */
  nowNs(): number {
    return this.source.nowNs(this.icountFn());
  }

  /** Creates a timer; call at machine construction, in a fixed order (the order breaks deadline ties). */
  createTimer(name: string, callback: (atNs: number) => void): Timer {
    if (this.names.has(name)) throw new Error(`clock: timer name ${name} already registered`);
    this.names.add(name);
    const t = new Timer(name, this.timers.length, callback);
    this.timers.push(t);
    return t;
  }

  /** Arms `timer` for guest time `atNs` (replacing any earlier deadline). */
  schedule(timer: Timer, atNs: number): void {
    if (!(atNs >= 0)) throw new RangeError(`clock: timer ${timer.name} scheduled at ${atNs}`);
    const was = timer.deadline;
    timer.atNs = atNs;
    timer.deadline = this.source.icountAt(atNs);
    if (timer.deadline < this.next) {
      this.next = timer.deadline;
      this.onEarlier?.(timer.deadline);
    } else if (was === this.next && timer.deadline !== was) this.recompute();
  }

  cancel(timer: Timer): void {
    if (timer.atNs < 0) return;
    const was = timer.deadline;
    timer.atNs = -1;
    timer.deadline = Infinity;
    if (was === this.next) this.recompute();
  }

  /** The earliest deadline of any armed timer, as an instruction count; Infinity if none. */
  nextDeadlineIcount(): number {
    return this.next;
  }

  /**
   * Fires every timer due at `nowIcount` (deadline <= nowIcount), earliest deadline first, ties
   * in registration order. A timer a callback re-arms at a deadline still <= nowIcount fires
   * again in this call. Returns the number of callbacks run.
   */
  runDue(nowIcount: number): number {
    let fired = 0;
    while (this.next <= nowIcount) {
      let best: Timer | undefined;
      for (const t of this.timers) {
        if (t.deadline <= nowIcount && (best === undefined || t.deadline < best.deadline)) best = t;
      }
      if (best === undefined) break;
      const at = best.atNs;
      best.atNs = -1;
      best.deadline = Infinity;
      this.recompute();
      best.callback(at);
      fired++;
    }
    return fired;
  }

  /**
   * Recomputes every armed timer's deadline (in icount) from its time in ns: called after the
   * TimeSource's mapping changed (the machine skipped idle time while the CPU was halted).
   */
  retime(): void {
    for (const t of this.timers) if (t.atNs >= 0) t.deadline = this.source.icountAt(t.atNs);
    this.recompute();
  }

  /** The Clock's own state. Timer deadlines are saved by the devices that own the timers. */
  save(): { nsPerInstruction: number } {
    return { nsPerInstruction: this.source.nsPerInstruction };
  }

  /** Checks that the snapshot was taken with the same time rate (there is nothing else to restore). */
  restore(state: { nsPerInstruction: number }): void {
    const mine = this.source.nsPerInstruction;
    if (state.nsPerInstruction !== mine)
      throw new Error(`clock: snapshot has ${state.nsPerInstruction} ns/instruction, machine has ${mine}`);
  }

  private recompute(): void {
    let n = Infinity;
    for (const t of this.timers) if (t.deadline < n) n = t.deadline;
    this.next = n;
  }
}

/** The first tick index of a `hz` clock at or before `ns`: floor(ns * hz / 1e9), exact for any ns < 2^53. */
export function ticksAt(ns: number, hz: number): number {
  const s = Math.floor(ns / NS_PER_S);
  const r = ns - s * NS_PER_S;
  return s * hz + Math.floor((r * hz) / NS_PER_S);
}

/** The time (ns, integral) at which tick `tick` of a `hz` clock occurs: the least ns with ticksAt(ns) >= tick. */
export function nsOfTick(tick: number, hz: number): number {
  const s = Math.floor(tick / hz);
  const r = tick - s * hz;
  return s * NS_PER_S + Math.ceil((r * NS_PER_S) / hz);
}
