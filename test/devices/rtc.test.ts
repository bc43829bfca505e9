import { describe, expect, it } from "vitest";
import { IrqLevels } from "../../src/devices/irq.js";
import { periodicCycles, Rtc, setCmosMemorySize } from "../../src/devices/rtc.js";
import { bigNsOfTick, makeClock } from "./helpers.js";

const LEAP_EVE = Date.UTC(2024, 1, 29, 23, 59, 58) / 1000; // Thursday 2024-02-29 23:59:58 UTC

function setup(epochSeconds = LEAP_EVE) {
  const c = makeClock();
  const irqs = new IrqLevels(1);
  const rtc = new Rtc(c.clock, irqs.line(0), { epochSeconds });
  const read = (reg: number) => {
    rtc.write(0, 1, reg);
    return rtc.read(1);
  };
  const write = (reg: number, v: number) => {
    rtc.write(0, 1, reg);
    rtc.write(1, 1, v);
  };
  const time = () => [0, 2, 4, 6, 7, 8, 9].map(read);
  return { ...c, irqs, rtc, read, write, time };
}

describe("MC146818 time of day (datasheet: Time, Calendar and Alarm Locations)", () => {
  it("epoch 2024-02-29 23:59:58 UTC, BCD 24h → sec 0x58 min 0x59 hour 0x23 dow 5 (Thu) date 0x29 month 0x02 year 0x24", () => {
    const s = setup();
    expect(s.time()).toEqual([0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24]);
    expect(s.read(0x32)).toBe(0x20);
  });
  it("2 s of guest time later → 2024-03-01 00:00:00, Friday (leap day rolls over)", () => {
    const s = setup();
    s.advanceTo(2_000_000_000);
    expect(s.time()).toEqual([0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24]);
  });
  it("the seconds register changes exactly at each second of guest time (1 ns per instruction)", () => {
    const s = setup();
    s.advanceTo(999_999_999);
    expect(s.read(0)).toBe(0x58);
    s.advanceTo(1_000_000_000);
    expect(s.read(0)).toBe(0x59);
  });
  it("register B DM=1 (0x86 with SET), time written in binary → counts in binary: 23:59:59 + 1 s → 0:00:00, date 31 → 1", () => {
    const s = setup();
    s.write(0x0b, 0x86);
    s.write(4, 23);
    s.write(2, 59);
    s.write(0, 59);
    s.write(7, 31);
    s.write(8, 12);
    s.write(9, 30);
    s.write(6, 3); // Tuesday (Sunday = 1)
    s.write(0x0b, 0x06);
    s.advanceTo(1_000_000_000);
    expect(s.time()).toEqual([0, 0, 0, 4, 1, 1, 31]); // Wednesday 2031-01-01
  });
  it("the day-of-week register counts from whatever was written (the chip does not derive it from the date)", () => {
    const s = setup();
    s.write(6, 0x01); // claim Sunday on a Thursday
    s.advanceTo(2_000_000_000);
    expect(s.read(6)).toBe(0x02);
  });
  it("changing DM does not convert the stored time: BCD 0x23 hours read back as 0x23 in binary mode", () => {
    const s = setup();
    s.write(0x0b, 0x82);
    s.write(0x0b, 0x86);
    expect(s.read(4)).toBe(0x23);
  });
  it("12-hour mode (B=0x00), time set to 11:59:59 PM as 0x91:0x59:0x59 → reads 0x12 (12 AM) one second later", () => {
    const s = setup();
    s.write(0x0b, 0x80);
    s.write(4, 0x91);
    s.write(2, 0x59);
    s.write(0, 0x59);
    s.write(0x0b, 0x00);
    expect(s.read(4)).toBe(0x91);
    s.advanceTo(1_000_000_000);
    expect(s.read(4)).toBe(0x12);
    expect(s.read(7)).toBe(0x01); // the day rolled over too
  });
  it("SET=1 stops updates; time written then SET=0 → counts on from the written time", () => {
    const s = setup();
    s.write(0x0b, 0x82);
    s.write(0, 0x30);
    s.write(2, 0x15);
    s.write(4, 0x08);
    s.write(7, 0x31);
    s.write(8, 0x12);
    s.write(9, 0x99);
    s.advanceTo(5_000_000_000);
    expect(s.time()).toEqual([0x30, 0x15, 0x08, 0x05, 0x31, 0x12, 0x99]);
    s.write(0x0b, 0x02);
    s.advanceTo(7_000_000_000);
    expect(s.read(0)).toBe(0x32);
    expect(s.read(9)).toBe(0x99); // century in CMOS 0x32 is 20: 2099-12-31
  });
  it("UIP (register A bit 7) is 1 only in the last 244.140625 µs before each update", () => {
    const s = setup();
    const uipFrom = Math.ceil(1e9 - (8 * 1e9) / 32768); // 999755860
    s.advanceTo(uipFrom - 1);
    expect(s.read(0x0a)).toBe(0x26);
    s.advanceTo(uipFrom);
    expect(s.read(0x0a)).toBe(0xa6);
    expect(s.read(0)).toBe(0x58);
    s.advanceTo(1_000_000_000);
    expect(s.read(0x0a)).toBe(0x26);
  });
  it("divider reset (DV=110) then 32.768 kHz (DV=010) → the first update comes 0.5 s later", () => {
    const s = setup();
    s.advanceTo(300_000_000);
    s.write(0x0a, 0x66);
    s.advanceTo(3_000_000_000);
    expect(s.read(0)).toBe(0x58); // stopped
    s.write(0x0a, 0x26);
    s.advanceTo(3_499_999_999);
    expect(s.read(0)).toBe(0x58);
    s.advanceTo(3_500_000_000);
    expect(s.read(0)).toBe(0x59);
  });
  it("register D reads 0x80 (VRT); CMOS RAM 0x0e-0x7f holds bytes; index bit 7 is the NMI mask", () => {
    const s = setup();
    expect(s.read(0x0d)).toBe(0x80);
    s.write(0x7f, 0xa5);
    s.write(0x0e, 0x5a);
    expect(s.read(0x7f)).toBe(0xa5);
    s.rtc.write(0, 1, 0x8e);
    expect(s.rtc.nmiDisabled).toBe(true);
    expect(s.rtc.read(1)).toBe(0x5a);
  });
});

describe("MC146818 interrupts (datasheet: Interrupts, Register C)", () => {
  it("periodic-rate table: RS 1, 2 = 256, 128 Hz; RS 3..15 = 8192 Hz .. 2 Hz (32.768 kHz time base)", () => {
    const hz = [1, 2, 3, 6, 15].map((rs) => 32768 / periodicCycles(rs));
    expect(hz).toEqual([256, 128, 8192, 1024, 2]);
  });
  for (const [rs, hz] of [
    [6, 1024],
    [15, 2],
    [3, 8192],
  ]) {
    it(`register A RS=${rs} with PIE: IRQ 8 rises ${hz} times per second when register C is read each time`, () => {
      const s = setup();
      s.write(0x0a, 0x20 | rs);
      s.write(0x0b, 0x42);
      let count = 0;
      const period = 32768 / hz;
      // the k-th edge of the divider grid (origin: the write of register A at t=0)
      for (let k = 1; k <= hz; k++) {
        const edge = bigNsOfTick(k * period, 32768);
        s.advanceTo(edge - 1);
        expect(s.irqs.levels[0]).toBe(0);
        s.advanceTo(edge);
        expect(s.irqs.levels[0]).toBe(1);
        expect(s.read(0x0c) & 0xc0).toBe(0xc0); // IRQF | PF (UF may be set too: updates happen every second)
        count++;
      }
      expect(count).toBe(hz);
      expect(s.irqs.rises[0]).toBe(hz);
    });
  }
  it("PF is set with PIE=0 but IRQ 8 stays low; reading C clears it", () => {
    const s = setup();
    s.advanceTo(2_000_000);
    expect(s.irqs.levels[0]).toBe(0);
    expect(s.read(0x0c)).toBe(0x40); // PF only: no update yet, IRQF clear
    expect(s.read(0x0c)).toBe(0x00);
  });
  it("UIE: IRQ 8 at each update; register C = IRQF|UF; reading C lowers the line", () => {
    const s = setup();
    s.write(0x0b, 0x12);
    s.read(0x0c);
    s.advanceTo(999_999_999);
    expect(s.irqs.levels[0]).toBe(0);
    s.advanceTo(1_000_000_000);
    expect(s.irqs.levels[0]).toBe(1);
    expect(s.read(0x0c) & 0xb0).toBe(0x90);
    expect(s.irqs.levels[0]).toBe(0);
    s.advanceTo(2_000_000_000);
    expect(s.irqs.rises[0]).toBe(2);
  });
  it("alarm 00:00:05 with AIE → IRQ 8 exactly at 00:00:05 (7 s after 23:59:58), AF set", () => {
    const s = setup();
    s.write(1, 0x05);
    s.write(3, 0x00);
    s.write(5, 0x00);
    s.write(0x0b, 0x22);
    s.advanceTo(6_999_999_999);
    expect(s.irqs.levels[0]).toBe(0);
    s.advanceTo(7_000_000_000);
    expect(s.irqs.levels[0]).toBe(1);
    expect(s.read(0x0c) & 0xa0).toBe(0xa0);
    expect(s.read(0)).toBe(0x05);
  });
  it("alarm bytes 0xc0-0xff are don't-care: 0xff in all three → alarm every second", () => {
    const s = setup();
    s.write(1, 0xff);
    s.write(3, 0xc0);
    s.write(5, 0xc0);
    s.write(0x0b, 0x22);
    s.read(0x0c);
    for (let k = 1; k <= 3; k++) {
      s.advanceTo(k * 1_000_000_000);
      expect(s.read(0x0c) & 0xa0).toBe(0xa0);
    }
  });
  it("SET=1 clears UIE (register B)", () => {
    const s = setup();
    s.write(0x0b, 0x92);
    expect(s.read(0x0b)).toBe(0x82);
  });
});

describe("CMOS memory size (IBM PC/AT CMOS map)", () => {
  it("128 MB → 0x15/16 = 640 KB, 0x17/18 = 0x30/31 = 0xffff (capped), 0x34/35 = 112 MB / 64 KB = 0x0700", () => {
    const cmos = new Uint8Array(128);
    setCmosMemorySize(cmos, 128 << 20);
    expect(cmos[0x15] | (cmos[0x16] << 8)).toBe(640);
    expect(cmos[0x17] | (cmos[0x18] << 8)).toBe(0xffff);
    expect(cmos[0x30] | (cmos[0x31] << 8)).toBe(0xffff);
    expect(cmos[0x34] | (cmos[0x35] << 8)).toBe(0x0700);
  });
  it("32 MB → extended 31744 KB (0x7c00), above 16 MB 0x0100 blocks; checksum 0x2e/0x2f = sum of 0x10-0x2d", () => {
    const cmos = new Uint8Array(128);
    setCmosMemorySize(cmos, 32 << 20);
    expect(cmos[0x17] | (cmos[0x18] << 8)).toBe(0x7c00);
    expect(cmos[0x34] | (cmos[0x35] << 8)).toBe(0x0100);
    expect((cmos[0x2e] << 8) | cmos[0x2f]).toBe(0x80 + 0x02 + 0x00 + 0x7c);
  });
});

describe("MC146818 save/restore", () => {
  it("restore into a fresh RTC at the same icount → same registers, interrupts and flags afterwards", () => {
    const a = setup();
    a.write(0x0a, 0x2a); // 64 Hz
    a.write(0x0b, 0x52); // PIE | UIE
    a.write(0x40, 0x77);
    a.advanceTo(1_234_567_890);
    const saved = structuredClone(a.rtc.save());
    const b = setup(0);
    b.advanceTo(1_234_567_890);
    b.rtc.restore(saved);
    b.irqs.levels[0] = a.irqs.levels[0];
    const trace = (s: ReturnType<typeof setup>) => {
      const r = s.irqs.rises[0];
      const out: number[] = [];
      for (const t of [1_300_000_000, 2_000_000_000, 2_999_999_999, 3_000_000_000]) {
        s.advanceTo(t);
        out.push(...s.time(), s.read(0x0c), s.read(0x0a), s.irqs.rises[0] - r, s.read(0x40));
      }
      return out;
    };
    expect(trace(b)).toEqual(trace(a));
  });
});
