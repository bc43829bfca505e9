// Intel 8254 Programmable Interval Timer: three 16-bit down counters clocked at 1.193182 MHz
// (14.31818 MHz / 12 on the PC). Ports 0x40-0x42 are counters 0-2, 0x43 the control word.
// Counter 0 OUT drives IRQ 0; counter 2's GATE and OUT are bits 0 and 5 of port 0x61 (port61.ts).
//
// Control word (8254 datasheet, "Control Word Format"):
//   | SC1 SC0 | RW1 RW0 | M2 M1 M0 | BCD |   SC=11: read-back command
//   RW: 00 counter latch, 01 LSB only, 10 MSB only, 11 LSB then MSB
// Read-back: | 1 1 /COUNT /STATUS CNT2 CNT1 CNT0 0 |
// Status byte: | OUT NULLCOUNT RW1 RW0 M2 M1 M0 BCD |
//
// The counting element is not stepped: a counter that is counting is described by the PIT tick
// at which its count was loaded (`startTick`), and its value and OUT at any tick follow from the
// mode. PIT ticks are a fixed grid in guest time: tick t happens at nsOfTick(t, PIT_HZ).

import { Clock, nsOfTick, ticksAt, type Timer } from "./clock.js";
import { Reporter, type Device, type DeviceState } from "./device.js";
import type { IrqLine } from "./irq.js";

export const PIT_HZ = 1193182;

/** One counter's programming and counting state (all integers; ticks are PIT input clock ticks). */
export class PitCounter {
  // Power-on state is undefined (datasheet); we start in mode 3 with no count, so OUT is high
  // and a first mode 2/3 control word (what firmware writes) is not a spurious IRQ 0 edge.
  /** Effective mode 0-5 (control word modes 6 and 7 are 2 and 3). */
  mode = 3;
  modeBits = 3;
  bcd = false;
  /** Read/write access: 1 LSB, 2 MSB, 3 LSB then MSB. */
  rw = 3;
  /** Count register: the last initial count written, as a number 1..65536 (1..10000 in BCD). */
  cr = 0x10000;
  /** The initial count of the sequence the counting element is running. */
  n = 0x10000;
  countWritten = false;
  writeMsbNext = false;
  lsbWritten = 0;
  readMsbNext = false;
  countLatched = false;
  latchedCount = 0;
  latchedMsbNext = false;
  statusLatched = false;
  latchedStatus = 0;
  gate = 1;
  /** Tick at which the counting element was (or will be) loaded with `n`; -1: not counting. */
  startTick = -1;
  /** >= 0: counting suspended by GATE low (modes 0, 4) with this many ticks elapsed. */
  pausedK = -1;
  /** The value the counting element holds while not counting. */
  heldValue = 0;
  /** Modes 2, 3: tick at which a newly written count takes over; -1: none. */
  pendingAt = -1;
  /** Mode 3: the pending count takes over at a high→low half-cycle boundary. */
  pendingHalf = false;
  nullCount = true;
  /** Tick at which the count register moves to the counting element (clears null count); -1: not yet known. */
  loadTick = -1;
}

const COUNTER_FIELDS = Object.keys(new PitCounter()) as (keyof PitCounter)[];

function toBcd(v: number): number {
  return (v % 10) | (Math.floor(v / 10) % 10) << 4 | (Math.floor(v / 100) % 10) << 8 | (Math.floor(v / 1000) % 10) << 12;
}

function fromBcd(v: number): number {
  return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

/** Mode 3: ticks of the period during which OUT is high ((N+1)/2 for odd N, N/2 for even). */
function highLength(n: number): number {
  return (n + 1) >> 1;
}

export class Pit implements Device {
  readonly counters = [new PitCounter(), new PitCounter(), new PitCounter()];
  private readonly timer: Timer;

  constructor(
    private readonly clock: Clock,
    private readonly irq0: IrqLine,
    private readonly reporter: Reporter = new Reporter(() => {}),
  ) {
    this.timer = clock.createTimer("pit.counter0", (atNs) => this.counter0Edge(atNs));
    irq0.set(this.outAt(0, 0));
  }

  /** The current PIT tick. */
  now(): number {
    return ticksAt(this.clock.nowNs(), PIT_HZ);
  }

  // ---- counter model ----

  /** Applies a deferred reload (modes 2, 3) whose time has come. */
  private settle(c: PitCounter, t: number): void {
    if (c.pendingAt >= 0 && t >= c.pendingAt) {
      c.n = c.cr;
      c.startTick = c.pendingHalf ? c.pendingAt - highLength(c.n) : c.pendingAt;
      c.pendingAt = -1;
    }
  }

  /** Elapsed ticks since load at tick t; NaN when the counter is idle (not counting, not paused). */
  private elapsed(c: PitCounter, t: number): number {
    if (c.pausedK >= 0) return c.pausedK;
    if (c.startTick < 0) return NaN;
    return t - c.startTick;
  }

  /** OUT of counter `i` at tick t. */
  outAt(i: number, t: number): number {
    const c = this.counters[i];
    this.settle(c, t);
    const k = this.elapsed(c, t);
    const n = c.n;
    if (Number.isNaN(k)) return c.mode === 0 ? 0 : 1;
    switch (c.mode) {
      case 0:
        return k >= n ? 1 : 0;
      case 1:
        return k < 0 || k >= n ? 1 : 0;
      case 2:
        return k < 0 || k % n !== n - 1 ? 1 : 0;
      case 3:
        return k < 0 || k % n < highLength(n) ? 1 : 0;
      default: // 4, 5: strobe low for the one tick when the count expires
        return k === n ? 0 : 1;
    }
  }

  /** The counting element of counter `i` at tick t, as the guest reads it (BCD-encoded in BCD mode). */
  valueAt(i: number, t: number): number {
    const c = this.counters[i];
    this.settle(c, t);
    const k = this.elapsed(c, t);
    const mod = c.bcd ? 10000 : 0x10000;
    const n = c.n;
    let v: number;
    if (Number.isNaN(k) || k < 0) v = c.heldValue;
    else if (c.mode === 2) v = n - (k % n);
    else if (c.mode === 3) {
      const p = k % n;
      const h = highLength(n);
      const top = n & 1 ? n - 1 : n;
      v = p < h ? top - 2 * p : top - 2 * (p - h);
    } else v = n - (k % mod);
    v = ((v % mod) + mod) % mod;
    return c.bcd ? toBcd(v) : v;
  }

  /** The first tick after t at which OUT of counter `i` changes, or -1 if it never does by itself. */
  nextChange(i: number, t: number): number {
    const c = this.counters[i];
    this.settle(c, t);
    if (c.pausedK >= 0 || c.startTick < 0) return -1;
    const k = t - c.startTick;
    const n = c.n;
    let next = -1;
    switch (c.mode) {
      case 0:
        next = k < n ? c.startTick + n : -1;
        break;
      case 1:
        next = k < 0 ? c.startTick : k < n ? c.startTick + n : -1;
        break;
      case 2:
        if (n > 1) {
          if (k < 0) next = c.startTick + n - 1;
          else {
            const p = k % n;
            next = p < n - 1 ? t - p + n - 1 : t - p + n;
          }
        }
        break;
      case 3: {
        const h = highLength(n);
        if (h < n) {
          if (k < 0) next = c.startTick + h;
          else {
            const p = k % n;
            next = p < h ? t - p + h : t - p + n;
          }
        }
        break;
      }
      default:
        next = k < n ? c.startTick + n : k === n ? c.startTick + n + 1 : -1;
    }
    if (c.pendingAt >= 0 && (next < 0 || next > c.pendingAt)) next = c.pendingAt;
    return next;
  }

  private nullCountAt(c: PitCounter, t: number): boolean {
    if (c.nullCount && c.loadTick >= 0 && t >= c.loadTick) c.nullCount = false;
    return c.nullCount;
  }

  private statusAt(i: number, t: number): number {
    const c = this.counters[i];
    return (this.outAt(i, t) << 7) | (this.nullCountAt(c, t) ? 0x40 : 0) | (c.rw << 4) | (c.modeBits << 1) | (c.bcd ? 1 : 0);
  }

  // ---- counter 0 → IRQ 0 ----

  /** Re-evaluates counter 0's OUT now, drives IRQ 0 and re-arms the edge timer. */
  private refreshCounter0(t: number): void {
    this.irq0.set(this.outAt(0, t));
    const next = this.nextChange(0, t);
    if (next < 0) this.clock.cancel(this.timer);
    else this.clock.schedule(this.timer, nsOfTick(next, PIT_HZ));
  }

  private counter0Edge(atNs: number): void {
    this.refreshCounter0(ticksAt(atNs, PIT_HZ));
  }

  private changed(i: number, t: number): void {
    if (i === 0) this.refreshCounter0(t);
  }

  // ---- GATE ----

  /** Drives GATE of counter `i` (counters 0 and 1 have GATE tied high on the PC). */
  setGate(i: number, level: number): void {
    const c = this.counters[i];
    level = level ? 1 : 0;
    if (level === c.gate) return;
    const t = this.now();
    this.settle(c, t);
    c.gate = level;
    switch (c.mode) {
      case 0:
      case 4:
        if (!level) {
          if (c.startTick >= 0 && c.pausedK < 0) c.pausedK = Math.max(0, t - c.startTick);
        } else if (c.pausedK >= 0) {
          c.startTick = t - c.pausedK;
          c.pausedK = -1;
        }
        break;
      case 1:
      case 5:
        if (level && c.countWritten) this.load(c, t);
        break;
      default: // 2, 3: GATE low stops counting and forces OUT high; a rising edge reloads
        if (!level) {
          if (c.startTick >= 0) c.heldValue = this.rawValue(i, t);
          c.startTick = -1;
          c.pendingAt = -1;
        } else if (c.countWritten) this.load(c, t);
    }
    this.changed(i, t);
  }

  /** Loads the count register into the counting element on the next tick. */
  private load(c: PitCounter, t: number): void {
    c.n = c.cr;
    c.startTick = t + 1;
    c.pausedK = -1;
    c.pendingAt = -1;
    c.loadTick = t + 1;
  }

  private rawValue(i: number, t: number): number {
    const c = this.counters[i];
    const v = this.valueAt(i, t);
    return c.bcd ? fromBcd(v) : v;
  }

  // ---- bus window: offsets 0-2 counters, 3 control word ----

  read(offset: number): number {
    if (offset === 3) {
      this.reporter.once("pit-read-43", "8254: read of the control word register (no-op on the 8254)");
      return 0xff;
    }
    const c = this.counters[offset];
    const t = this.now();
    if (c.statusLatched) {
      c.statusLatched = false;
      return c.latchedStatus;
    }
    if (c.countLatched) {
      const v = c.latchedCount;
      if (c.rw === 1) {
        c.countLatched = false;
        return v & 0xff;
      }
      if (c.rw === 2) {
        c.countLatched = false;
        return v >> 8;
      }
      if (!c.latchedMsbNext) {
        c.latchedMsbNext = true;
        return v & 0xff;
      }
      c.latchedMsbNext = false;
      c.countLatched = false;
      return v >> 8;
    }
    const v = this.valueAt(offset, t);
    if (c.rw === 1) return v & 0xff;
    if (c.rw === 2) return v >> 8;
    c.readMsbNext = !c.readMsbNext;
    return c.readMsbNext ? v & 0xff : v >> 8;
  }

  write(offset: number, _size: number, value: number): void {
    value &= 0xff;
    const t = this.now();
    if (offset === 3) this.writeControl(value, t);
    else this.writeCount(offset, value, t);
  }

  private latchCount(i: number, t: number): void {
    const c = this.counters[i];
    if (c.countLatched) return; // a second latch before the first is read is ignored
    c.latchedCount = this.valueAt(i, t);
    c.countLatched = true;
    c.latchedMsbNext = false;
  }

  private writeControl(v: number, t: number): void {
    const sc = v >> 6;
    if (sc === 3) {
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        if (!(v & 0x20)) this.latchCount(i, t);
        if (!(v & 0x10) && !this.counters[i].statusLatched) {
          this.counters[i].latchedStatus = this.statusAt(i, t);
          this.counters[i].statusLatched = true;
        }
      }
      return;
    }
    const rw = (v >> 4) & 3;
    if (rw === 0) {
      this.latchCount(sc, t);
      return;
    }
    const c = this.counters[sc];
    if (c.startTick >= 0 || c.pausedK >= 0) c.heldValue = this.rawValue(sc, t);
    c.modeBits = (v >> 1) & 7;
    c.mode = c.modeBits > 5 ? c.modeBits - 4 : c.modeBits;
    c.bcd = (v & 1) !== 0;
    c.rw = rw;
    c.startTick = -1;
    c.pausedK = -1;
    c.pendingAt = -1;
    c.countWritten = false;
    c.writeMsbNext = false;
    c.readMsbNext = false;
    c.countLatched = false;
    c.statusLatched = false;
    c.nullCount = true;
    c.loadTick = -1;
    this.changed(sc, t);
  }

  private writeCount(i: number, v: number, t: number): void {
    const c = this.counters[i];
    let raw: number;
    if (c.rw === 1) raw = v;
    else if (c.rw === 2) raw = v << 8;
    else if (!c.writeMsbNext) {
      c.writeMsbNext = true;
      c.lsbWritten = v;
      if (c.mode === 0) {
        // Mode 0: writing the first byte of a two-byte count stops counting; OUT goes low at once.
        this.settle(c, t);
        if (c.startTick >= 0 || c.pausedK >= 0) c.heldValue = this.rawValue(i, t);
        c.startTick = -1;
        c.pausedK = -1;
        this.changed(i, t);
      }
      return;
    } else {
      c.writeMsbNext = false;
      raw = c.lsbWritten | (v << 8);
    }
    this.settle(c, t);
    let count = c.bcd ? fromBcd(raw) : raw;
    if (count === 0) count = c.bcd ? 10000 : 0x10000;
    c.cr = count;
    c.countWritten = true;
    c.nullCount = true;
    switch (c.mode) {
      case 0:
      case 4:
        this.load(c, t);
        if (!c.gate) c.pausedK = 0;
        break;
      case 1:
      case 5:
        c.loadTick = -1; // loaded by the next trigger
        break;
      default:
        if (c.startTick >= 0 && t >= c.startTick) {
          // Datasheet modes 2/3: a new count does not disturb the current period (mode 2) or
          // half-cycle (mode 3); it is loaded at its end.
          const p = (t - c.startTick) % c.n;
          if (c.mode === 2) {
            c.pendingAt = t - p + c.n;
            c.pendingHalf = false;
          } else {
            const h = highLength(c.n);
            c.pendingHalf = p < h;
            c.pendingAt = p < h ? t - p + h : t - p + c.n;
          }
          c.loadTick = c.pendingAt;
        } else if (c.startTick >= 0) {
          c.n = count; // rewritten before the first load: the new count is the one loaded
        } else if (c.gate) this.load(c, t);
    }
    this.changed(i, t);
  }

  save(): DeviceState {
    const counters = this.counters.map((c) => {
      const o: DeviceState = {};
      for (const f of COUNTER_FIELDS) o[f] = c[f];
      return o;
    });
    return { counters, timerAtNs: this.timer.atNs };
  }

  restore(s: DeviceState): void {
    const saved = s.counters as DeviceState[];
    for (let i = 0; i < 3; i++) {
      const c = this.counters[i] as unknown as Record<string, number | boolean>;
      for (const f of COUNTER_FIELDS) c[f] = saved[i][f] as number | boolean;
    }
    const at = s.timerAtNs as number;
    if (at >= 0) this.clock.schedule(this.timer, at);
    else this.clock.cancel(this.timer);
  }
}
