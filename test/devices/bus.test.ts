import { describe, expect, it } from "vitest";
import { BusConflictError, IoBus, MmioBus } from "../../src/devices/bus.js";
import type { AccessReport, Device, DeviceState } from "../../src/devices/device.js";
import { formatReport } from "../../src/devices/device.js";
import { IrqLevels } from "../../src/devices/irq.js";

class Recorder implements Device {
  log: string[] = [];
  constructor(
    readonly wide = false,
    private readonly base = 0x10,
  ) {}
  read(offset: number, size: number): number {
    this.log.push(`r${offset}/${size}`);
    return size === 1 ? this.base + offset : size === 2 ? 0xbeef : 0xcafef00d;
  }
  write(offset: number, size: number, value: number): void {
    this.log.push(`w${offset}/${size}=${value.toString(16)}`);
  }
  save(): DeviceState {
    return {};
  }
  restore(): void {}
}

function bus() {
  const reports: AccessReport[] = [];
  return { io: new IoBus((r) => reports.push(r)), reports };
}

describe("IoBus", () => {
  it("register over a claimed port → BusConflictError naming both devices", () => {
    const { io } = bus();
    io.register(0x3f8, 8, new Recorder(), "COM1");
    expect(() => io.register(0x3fc, 2, new Recorder(), "other")).toThrow(BusConflictError);
    expect(() => io.register(0x3f0, 9, new Recorder(), "other")).toThrow(/other at 0x3f0-0x3f8 overlaps COM1 at 0x3f8-0x3ff/);
  });
  it("adjacent windows 0x3f0-0x3f7 and 0x3f8-0x3ff both register", () => {
    const { io } = bus();
    io.register(0x3f8, 8, new Recorder(), "COM1");
    expect(() => io.register(0x3f0, 8, new Recorder(), "FDC")).not.toThrow();
  });
  it("in al,0x3fd on a window at 0x3f8 → device read(offset 5, size 1)", () => {
    const { io } = bus();
    const d = new Recorder();
    io.register(0x3f8, 8, d);
    expect(io.read(0x3fd, 1)).toBe(0x15);
    io.write(0x3f9, 1, 0x1ff);
    expect(d.log).toEqual(["r5/1", "w1/1=ff"]);
  });
  it("in ax,0x40 on a byte-only device → two byte cycles, low byte from port 0x40 (ISA split)", () => {
    const { io } = bus();
    const d = new Recorder();
    io.register(0x40, 4, d);
    expect(io.read(0x40, 2)).toBe(0x1110);
    expect(d.log).toEqual(["r0/1", "r1/1"]);
  });
  it("out dx,eax at the last port of a byte device → low byte to it, the rest to unclaimed ports", () => {
    const { io, reports } = bus();
    const d = new Recorder();
    io.register(0x70, 2, d);
    io.write(0x71, 4, 0x44332211, 0x1234);
    expect(d.log).toEqual(["w1/1=11"]);
    expect(reports.map((r) => r.address)).toEqual([0x72, 0x73, 0x74]);
    expect(reports[0].pc).toBe(0x1234);
    expect(reports[0].write).toBe(true);
  });
  it("in eax from a wide device → one 32-bit access", () => {
    const { io } = bus();
    const d = new Recorder(true);
    io.register(0xcf8, 4, d);
    expect(io.read(0xcf8, 4)).toBe(0xcafef00d);
    expect(d.log).toEqual(["r0/4"]);
  });
  it("in from an unclaimed port → all ones of the access width, reported once per port with the guest PC", () => {
    const { io, reports } = bus();
    expect(io.read(0x1f7, 1, 0x100000)).toBe(0xff);
    expect(io.read(0x1f7, 1, 0x100004)).toBe(0xff);
    expect(io.read(0x1f0, 2, 0x100008)).toBe(0xffff);
    expect(io.read(0x1f4, 4, 0x10000c)).toBe(0xffffffff);
    expect(reports.map((r) => r.address)).toEqual([0x1f7, 0x1f0, 0x1f1, 0x1f4, 0x1f5, 0x1f6]);
    expect(formatReport(reports[0])).toBe("io port 0x01f7 read size 1 at pc 0x00100000: read from unclaimed port returns all ones");
  });
  it("a device's own report through bus.reporter carries the port and PC of the access", () => {
    const { io, reports } = bus();
    const d = new (class extends Recorder {
      override write(): void {
        io.reporter.once("x", "not modelled");
      }
    })();
    io.register(0x64, 1, d);
    io.write(0x64, 1, 0xc0, 0xfff0);
    io.write(0x64, 1, 0xc0, 0xfff4);
    expect(reports).toEqual([{ address: 0x64, space: "io", write: true, size: 1, pc: 0xfff0, message: "not modelled" }]);
  });
});

describe("MmioBus", () => {
  it("register overlapping 0xfee00000-0xfee00fff → BusConflictError", () => {
    const m = new MmioBus(() => {});
    m.register(0xfee00000, 0x1000, new Recorder(true), "LAPIC");
    expect(() => m.register(0xfee00800, 0x1000, new Recorder(true), "x")).toThrow(BusConflictError);
    expect(() => m.register(0xfed00000, 0x400, new Recorder(true), "HPET")).not.toThrow();
  });
  it("mov eax,[0xfee00020] → device read(0x20, 4); unclaimed MMIO reads all ones, reported once per page", () => {
    const reports: AccessReport[] = [];
    const m = new MmioBus((r) => reports.push(r));
    const d = new Recorder(true);
    m.register(0xfee00000, 0x1000, d);
    expect(m.read(0xfee00020, 4)).toBe(0xcafef00d);
    m.write(0xfee000b0, 4, 0);
    expect(d.log).toEqual(["r32/4", "w176/4=0"]);
    expect(m.claims(0xfee00fff)).toBe(true);
    expect(m.claims(0xfee01000)).toBe(false);
    expect(m.read(0xfec00000, 4, 0x42)).toBe(0xffffffff);
    expect(reports.length).toBe(1);
    expect(reports[0]).toMatchObject({ address: 0xfec00000, space: "mmio", pc: 0x42 });
  });
});

describe("IrqLine", () => {
  it("raise twice → one rising edge; pulse → rise then low", () => {
    const s = new IrqLevels(2);
    const l = s.line(1);
    l.raise();
    l.raise();
    expect(s.rises[1]).toBe(1);
    l.lower();
    l.pulse();
    expect(s.rises[1]).toBe(2);
    expect(l.level).toBe(0);
  });
});
