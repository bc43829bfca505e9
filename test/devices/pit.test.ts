import { describe, expect, it } from "vitest";
import { IrqLevels } from "../../src/devices/irq.js";
import { Pit, PIT_HZ } from "../../src/devices/pit.js";
import { SystemControlPortB } from "../../src/devices/port61.js";
import { bigNsOfTick, bigTicks, makeClock } from "./helpers.js";

// 14.31818 MHz / 12 (IBM PC/AT Technical Reference; Linux PIT_TICK_RATE = 1193182).
const F = 1193182;

function setup() {
  const c = makeClock();
  const irqs = new IrqLevels(1);
  const pit = new Pit(c.clock, irqs.line(0));
  const portB = new SystemControlPortB(pit);
  const out = (port: number, v: number) => (port === 0x61 ? portB.write(0, 1, v) : pit.write(port - 0x40, 1, v));
  const inb = (port: number) => (port === 0x61 ? portB.read() : pit.read(port - 0x40));
  return { ...c, irqs, pit, portB, out, inb };
}

/** Guest time (ns = icount) of the PIT tick `k` ticks after the one current at icount `w`. */
const tickAfter = (w: number, k: number) => bigNsOfTick(bigTicks(w, F) + k, F);

describe("8254 counting in virtual time (datasheet: Operating Modes)", () => {
  it("PIT_HZ is 1193182", () => expect(PIT_HZ).toBe(F));

  it("counter 0 mode 2 (0x34), count 1000 written at icount 5000 → IRQ0 rises exactly every 1000 ticks from load+1000", () => {
    const s = setup();
    s.advanceTo(5000);
    s.out(0x43, 0x34);
    s.out(0x40, 1000 & 0xff);
    s.out(0x40, 1000 >> 8);
    expect(s.irqs.levels[0]).toBe(1); // mode 2: OUT high after the control word
    const rises = s.irqs.rises[0];
    for (let j = 1; j <= 5; j++) {
      // loaded on the first tick after the write, OUT low at count 1, high again at reload (N ticks per period)
      const rise = tickAfter(5000, 1 + 1000 * j);
      s.advanceTo(rise - 1);
      expect(s.irqs.rises[0]).toBe(rises + j - 1);
      expect(s.irqs.levels[0]).toBe(0);
      s.advanceTo(rise);
      expect(s.irqs.rises[0]).toBe(rises + j);
      expect(s.irqs.levels[0]).toBe(1);
    }
  });

  it("counter 0 mode 2: latch command (0x00) reads N - (ticks since load mod N), LSB then MSB", () => {
    const s = setup();
    s.out(0x43, 0x34);
    s.out(0x40, 0x34);
    s.out(0x40, 0x12);
    const n = 0x1234;
    for (const at of [1000, 838 * 100, 5_000_000, 123_456_789]) {
      s.advanceTo(at);
      s.out(0x43, 0x00);
      const v = s.inb(0x40) | (s.inb(0x40) << 8);
      const k = bigTicks(at, F) - 1; // load happened on tick 1 (write at tick 0)
      expect(v).toBe(n - (k % n));
    }
  });

  it("latched count is held while time passes; a second latch before reading is ignored", () => {
    const s = setup();
    s.out(0x43, 0x30); // counter 0, LSB/MSB, mode 0
    s.out(0x40, 0xff);
    s.out(0x40, 0xff);
    s.advanceTo(10_000);
    s.out(0x43, 0x00);
    s.advanceTo(20_000);
    s.out(0x43, 0x00);
    const v = s.inb(0x40) | (s.inb(0x40) << 8);
    expect(v).toBe(0xffff - (bigTicks(10_000, F) - 1));
    s.out(0x43, 0x00);
    expect(s.inb(0x40) | (s.inb(0x40) << 8)).toBe(0xffff - (bigTicks(20_000, F) - 1));
  });

  it("counter 2 mode 0 (0xb0) with GATE2 high via port 0x61: OUT2 (bit 5) rises N+1 ticks after the count write", () => {
    const s = setup();
    s.out(0x61, 0x01);
    s.out(0x43, 0xb0);
    expect(s.inb(0x61) & 0x20).toBe(0); // mode 0: OUT low after the control word
    s.advanceTo(777);
    s.out(0x42, 100);
    s.out(0x42, 0);
    const high = tickAfter(777, 101);
    s.advanceTo(high - 1);
    expect(s.inb(0x61) & 0x20).toBe(0);
    s.advanceTo(high);
    expect(s.inb(0x61) & 0x20).toBe(0x20);
    s.advanceTo(high + 1_000_000);
    expect(s.inb(0x61) & 0x20).toBe(0x20); // stays high until reprogrammed
  });

  it("mode 0: GATE low suspends counting and resumes where it stopped", () => {
    const s = setup();
    s.out(0x61, 0x01);
    s.out(0x43, 0xb0);
    s.out(0x42, 0x00);
    s.out(0x42, 0x10); // 0x1000
    s.advanceTo(100_000);
    s.out(0x61, 0x00);
    s.out(0x43, 0x80);
    const frozen = s.inb(0x42) | (s.inb(0x42) << 8);
    expect(frozen).toBe(0x1000 - (bigTicks(100_000, F) - 1));
    s.advanceTo(900_000);
    s.out(0x43, 0x80);
    expect(s.inb(0x42) | (s.inb(0x42) << 8)).toBe(frozen);
    s.out(0x61, 0x01);
    const t = tickAfter(900_000, 5);
    s.advanceTo(t);
    s.out(0x43, 0x80);
    expect(s.inb(0x42) | (s.inb(0x42) << 8)).toBe(frozen - 5);
  });

  it("mode 0: writing the LSB of a new two-byte count stops counting and drives OUT low at once", () => {
    const s = setup();
    s.out(0x61, 0x01);
    s.out(0x43, 0xb0);
    s.out(0x42, 5);
    s.out(0x42, 0);
    s.advanceTo(100_000);
    expect(s.inb(0x61) & 0x20).toBe(0x20);
    s.out(0x42, 0x10);
    expect(s.inb(0x61) & 0x20).toBe(0);
  });

  it("mode 3 even N=10: OUT high 5 ticks, low 5 ticks; the count steps by 2 from 10", () => {
    const s = setup();
    s.out(0x61, 0x01);
    s.out(0x43, 0xb6);
    s.out(0x42, 10);
    s.out(0x42, 0);
    const outs: number[] = [];
    const vals: number[] = [];
    for (let k = 0; k < 20; k++) {
      s.advanceTo(tickAfter(0, 1 + k));
      outs.push((s.inb(0x61) >> 5) & 1);
      s.out(0x43, 0x80);
      vals.push(s.inb(0x42) | (s.inb(0x42) << 8));
    }
    expect(outs).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(vals.slice(0, 10)).toEqual([10, 8, 6, 4, 2, 10, 8, 6, 4, 2]);
  });

  it("mode 3 odd N=7: OUT high (N+1)/2 = 4 ticks and low (N-1)/2 = 3 ticks; loads N-1", () => {
    const s = setup();
    s.out(0x61, 0x01);
    s.out(0x43, 0xb6);
    s.out(0x42, 7);
    s.out(0x42, 0);
    const outs: number[] = [];
    const vals: number[] = [];
    for (let k = 0; k < 14; k++) {
      s.advanceTo(tickAfter(0, 1 + k));
      outs.push((s.inb(0x61) >> 5) & 1);
      s.out(0x43, 0x80);
      vals.push(s.inb(0x42) | (s.inb(0x42) << 8));
    }
    expect(outs).toEqual([1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
    expect(vals.slice(0, 4)).toEqual([6, 4, 2, 0]);
  });

  it("counter 0 mode 3 (0x36) N=65536 (count 0) → IRQ0 at 18.2 Hz: 18 rises in one second of guest time", () => {
    const s = setup();
    s.out(0x43, 0x36);
    s.out(0x40, 0);
    s.out(0x40, 0);
    const before = s.irqs.rises[0];
    s.advanceTo(1_000_000_000);
    // rises at load + 65536*j: ticks 65537, 131073, ... ≤ 1193182
    expect(s.irqs.rises[0] - before).toBe(Math.floor((F - 1) / 65536));
  });

  it("mode 1 (0xb2): GATE2 rising edge triggers; OUT low from the next tick for N ticks", () => {
    const s = setup();
    s.out(0x43, 0xb2);
    s.out(0x42, 3);
    s.out(0x42, 0);
    s.advanceTo(50_000);
    expect(s.inb(0x61) & 0x20).toBe(0x20);
    s.out(0x61, 0x01);
    const outs: number[] = [];
    for (let k = 0; k <= 4; k++) {
      s.advanceTo(tickAfter(50_000, k));
      outs.push((s.inb(0x61) >> 5) & 1);
    }
    expect(outs).toEqual([1, 0, 0, 0, 1]);
  });

  it("mode 4 (0xb8): OUT strobes low for one tick, N+1 ticks after the count write", () => {
    const s = setup();
    s.out(0x61, 0x01);
    s.out(0x43, 0xb8);
    s.out(0x42, 4);
    s.out(0x42, 0);
    const outs: number[] = [];
    for (let k = 0; k <= 6; k++) {
      s.advanceTo(tickAfter(0, k));
      outs.push((s.inb(0x61) >> 5) & 1);
    }
    expect(outs).toEqual([1, 1, 1, 1, 1, 0, 1]);
  });

  it("mode 5 (0xba): the strobe comes N+1 ticks after the GATE trigger", () => {
    const s = setup();
    s.out(0x43, 0xba);
    s.out(0x42, 2);
    s.out(0x42, 0);
    s.advanceTo(10_000);
    s.out(0x61, 0x01);
    const outs: number[] = [];
    for (let k = 0; k <= 4; k++) {
      s.advanceTo(tickAfter(10_000, k));
      outs.push((s.inb(0x61) >> 5) & 1);
    }
    expect(outs).toEqual([1, 1, 1, 0, 1]);
  });

  it("mode 2: a count written mid-period takes effect at the end of the current period", () => {
    const s = setup();
    s.out(0x43, 0x34);
    s.out(0x40, 100);
    s.out(0x40, 0);
    const w = tickAfter(0, 31);
    s.advanceTo(w);
    s.out(0x40, 50);
    s.out(0x40, 0);
    const r0 = s.irqs.rises[0];
    s.advanceTo(tickAfter(0, 101) - 1);
    expect(s.irqs.rises[0]).toBe(r0);
    s.advanceTo(tickAfter(0, 101)); // old period ends at load+100
    expect(s.irqs.rises[0]).toBe(r0 + 1);
    s.advanceTo(tickAfter(0, 151)); // then periods of 50
    expect(s.irqs.rises[0]).toBe(r0 + 2);
  });

  it("BCD mode (0xb1): count 0x0100 = 100 decimal; 37 ticks after load reads 0x0063", () => {
    const s = setup();
    s.out(0x61, 0x01);
    s.out(0x43, 0xb1);
    s.out(0x42, 0x00);
    s.out(0x42, 0x01);
    s.advanceTo(tickAfter(0, 1 + 37));
    s.out(0x43, 0x80);
    expect(s.inb(0x42) | (s.inb(0x42) << 8)).toBe(0x0063);
  });

  it("RW=01 LSB only (0x90) and RW=10 MSB only (0xa0) counts and reads", () => {
    const s = setup();
    s.out(0x61, 0x01);
    s.out(0x43, 0x90);
    s.out(0x42, 0x80);
    s.advanceTo(tickAfter(0, 1 + 0x10));
    expect(s.inb(0x42)).toBe(0x70);
    s.out(0x43, 0xa0);
    s.out(0x42, 0x02); // count 0x200
    const w = s.icount();
    s.advanceTo(tickAfter(w, 1 + 0x101));
    expect(s.inb(0x42)).toBe(0x00); // 0x200 - 0x101 = 0x0ff, MSB 0x00
  });

  it("read-back 0xc2 on counter 0 (count and status): status byte first, then the count; null count until the load tick", () => {
    const s = setup();
    s.out(0x43, 0x34);
    s.out(0x40, 0x00);
    s.out(0x40, 0x10);
    s.out(0x43, 0xe2); // status only (/COUNT=1)
    // OUT=1, NULL COUNT=1, RW=11, mode 010, binary
    expect(s.inb(0x40)).toBe(0x80 | 0x40 | 0x30 | 0x04);
    s.advanceTo(tickAfter(0, 1 + 0x10));
    s.out(0x43, 0xc2);
    expect(s.inb(0x40)).toBe(0x80 | 0x30 | 0x04);
    expect(s.inb(0x40) | (s.inb(0x40) << 8)).toBe(0x1000 - 0x10);
  });

  it("read-back 0xe8 (status only, counter 2) after a mode 0 control word → OUT=0, null count, RW=11, mode 0", () => {
    const s = setup();
    s.out(0x43, 0xb0);
    s.out(0x43, 0xe8);
    expect(s.inb(0x42)).toBe(0x40 | 0x30);
  });

  it("read-back 0xd8 (count only, counter 2) does not latch status: the next reads are the count", () => {
    const s = setup();
    s.out(0x61, 0x01);
    s.out(0x43, 0xb0);
    s.out(0x42, 0x34);
    s.out(0x42, 0x12);
    s.advanceTo(tickAfter(0, 3));
    s.out(0x43, 0xd8);
    s.advanceTo(tickAfter(0, 50));
    expect(s.inb(0x42) | (s.inb(0x42) << 8)).toBe(0x1234 - 2);
  });

  it("port 0x61 bit 4 toggles every 18 PIT ticks (15.09 µs refresh), bits 0-1 read back", () => {
    const s = setup();
    s.out(0x61, 0x03);
    const seen: number[] = [];
    for (let k = 0; k < 4; k++) {
      s.advanceTo(tickAfter(0, 18 * k));
      seen.push((s.inb(0x61) >> 4) & 1);
    }
    expect(seen).toEqual([0, 1, 0, 1]);
    s.advanceTo(tickAfter(0, 18 * 4) - 1);
    expect((s.inb(0x61) >> 4) & 1).toBe(1);
    expect(s.inb(0x61) & 0x0f).toBe(0x03);
  });
});

describe("8254 save/restore", () => {
  it("counter 0 mode 2 and counter 2 mode 0: restore into a fresh PIT at the same icount → same IRQ0 edges and reads afterwards", () => {
    const a = setup();
    a.out(0x43, 0x34);
    a.out(0x40, 0x9c);
    a.out(0x40, 0x2e); // 11932: ~100 Hz
    a.out(0x61, 0x01);
    a.out(0x43, 0xb0);
    a.out(0x42, 0xff);
    a.advanceTo(3_333_333);
    a.out(0x43, 0x00); // latch counter 0 and read only the LSB before saving
    a.inb(0x40);
    const saved = structuredClone({ pit: a.pit.save(), portB: a.portB.save() });

    const b = setup();
    b.advanceTo(3_333_333);
    b.pit.restore(saved.pit);
    b.portB.restore(saved.portB);
    b.irqs.levels[0] = a.irqs.levels[0];
    const trace = (s: ReturnType<typeof setup>) => {
      const r0 = s.irqs.rises[0];
      const out: number[] = [s.inb(0x40)]; // MSB of the latched count
      for (const t of [5_000_000, 20_000_000, 55_555_555]) {
        s.advanceTo(t);
        s.out(0x43, 0x80);
        out.push(s.inb(0x42) | (s.inb(0x42) << 8), s.inb(0x61) & 0x30, s.irqs.rises[0] - r0);
      }
      return out;
    };
    expect(trace(b)).toEqual(trace(a));
  });
});
