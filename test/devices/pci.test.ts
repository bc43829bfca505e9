import { pack, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/bus.js";
import type { DeviceState } from "../../src/devices/device.js";
import { pcPciBus } from "../../src/devices/pci.js";

function bus() {
  const io = new IoBus(() => {});
  const resets: number[] = [];
  const host = pcPciBus(undefined, () => resets.push(1));
  io.register(0xcf8, 8, host, "PCI configuration");
  /** Mechanism #1 read of bus/dev/fn/register with a given size. */
  const cfgRead = (b: number, d: number, f: number, reg: number, size = 4) => {
    io.write(0xcf8, 4, (0x80000000 | (b << 16) | (d << 11) | (f << 8) | (reg & 0xfc)) >>> 0);
    return io.read(0xcfc + (reg & 3), size);
  };
  const cfgWrite = (b: number, d: number, f: number, reg: number, size: number, v: number) => {
    io.write(0xcf8, 4, (0x80000000 | (b << 16) | (d << 11) | (f << 8) | (reg & 0xfc)) >>> 0);
    io.write(0xcfc + (reg & 3), size, v);
  };
  return { io, host, cfgRead, cfgWrite, resets };
}

describe("PCI configuration mechanism #1", () => {
  it("Linux pci_check_type1: byte 0x01 to 0xcfb, dword 0x80000000 to 0xcf8 reads back 0x80000000", () => {
    const p = bus();
    p.io.write(0xcfb, 1, 0x01);
    const saved = p.io.read(0xcf8, 4);
    p.io.write(0xcf8, 4, 0x80000000);
    expect(p.io.read(0xcf8, 4)).toBe(0x80000000);
    p.io.write(0xcf8, 4, saved);
    expect(p.io.read(0xcf8, 4)).toBe(saved);
  });

  it("CONFIG_ADDRESS bits 30:24 and 1:0 are reserved and read 0; byte/word accesses to 0xcf8 do not touch it (read all ones)", () => {
    const p = bus();
    p.io.write(0xcf8, 4, 0xffffffff);
    expect(p.io.read(0xcf8, 4)).toBe(0x80fffffc);
    expect(p.io.read(0xcf8, 1)).toBe(0xff);
    expect(p.io.read(0xcfa, 2)).toBe(0xffff);
    p.io.write(0xcf8, 1, 0);
    expect(p.io.read(0xcf8, 4)).toBe(0x80fffffc);
  });

  it("00.0 is the i440FX: vendor 8086 device 1237, command 0006, status 0280, revision 02, class 060000, header type 00", () => {
    const p = bus();
    expect(p.cfgRead(0, 0, 0, 0x00)).toBe(0x12378086);
    expect(p.cfgRead(0, 0, 0, 0x04)).toBe(0x02800006);
    expect(p.cfgRead(0, 0, 0, 0x08)).toBe(0x06000002);
    expect(p.cfgRead(0, 0, 0, 0x0e, 1)).toBe(0x00);
  });

  it("01.0 is the PIIX3: vendor 8086 device 7000, class 060100, header type 0x80 (multi-function), PIRQRC A-D = 0x80", () => {
    const p = bus();
    expect(p.cfgRead(0, 1, 0, 0x00)).toBe(0x70008086);
    expect(p.cfgRead(0, 1, 0, 0x08) >>> 8).toBe(0x060100);
    expect(p.cfgRead(0, 1, 0, 0x0e, 1)).toBe(0x80);
    expect(p.cfgRead(0, 1, 0, 0x60)).toBe(0x80808080);
  });

  it("byte and word data accesses at 0xcfc-0xcff pick the addressed bytes: device ID word at 0xcfe, class byte at 0xcff of dword 8", () => {
    const p = bus();
    expect(p.cfgRead(0, 0, 0, 0x02, 2)).toBe(0x1237);
    expect(p.cfgRead(0, 1, 0, 0x0b, 1)).toBe(0x06);
    expect(p.cfgRead(0, 1, 0, 0x0a, 1)).toBe(0x01);
  });

  it("absent slots (00:02.0 .. 00:1f.0), absent PIIX3 functions 01.1-01.7 and bus 1 read all ones (vendor 0xffff)", () => {
    const p = bus();
    for (let d = 2; d < 32; d++) expect(p.cfgRead(0, d, 0, 0x00)).toBe(0xffffffff);
    for (let f = 1; f < 8; f++) expect(p.cfgRead(0, 1, f, 0x00, 2)).toBe(0xffff);
    expect(p.cfgRead(1, 0, 0, 0x00)).toBe(0xffffffff);
  });

  it("enable bit 31 clear → CONFIG_DATA reads all ones and writes go nowhere", () => {
    const p = bus();
    p.io.write(0xcf8, 4, 0x00000060 | (1 << 11));
    expect(p.io.read(0xcfc, 4)).toBe(0xffffffff);
    p.io.write(0xcfc, 4, 0);
    expect(p.cfgRead(0, 1, 0, 0x60)).toBe(0x80808080);
  });

  it("identification registers are read-only: writing 0 to vendor/device and class changes nothing", () => {
    const p = bus();
    p.cfgWrite(0, 0, 0, 0x00, 4, 0);
    p.cfgWrite(0, 0, 0, 0x08, 4, 0);
    expect(p.cfgRead(0, 0, 0, 0x00)).toBe(0x12378086);
    expect(p.cfgRead(0, 0, 0, 0x08)).toBe(0x06000002);
  });

  it("PIRQRC 0x61 ← 0x0b routes PIRQB to IRQ 11 (bits 7 and 3:0 writable, 6:4 reserved)", () => {
    const p = bus();
    p.cfgWrite(0, 1, 0, 0x61, 1, 0x7b);
    expect(p.cfgRead(0, 1, 0, 0x60)).toBe(0x80800b80);
  });

  it("i440FX PAM0 (0x59) keeps only bits 5:4 (BIOS area RE/WE), PAM1-6 bits 5:4 and 1:0; reset 0", () => {
    const p = bus();
    expect(p.cfgRead(0, 0, 0, 0x58)).toBe(0);
    p.cfgWrite(0, 0, 0, 0x59, 1, 0xff);
    p.cfgWrite(0, 0, 0, 0x5a, 2, 0xffff);
    expect(p.cfgRead(0, 0, 0, 0x58)).toBe(0x33333000);
  });

  it("status bits 15:11 are write-one-to-clear, the rest read-only: writing 0xffff to status leaves 0x0280", () => {
    const p = bus();
    p.cfgWrite(0, 0, 0, 0x06, 2, 0xffff);
    expect(p.cfgRead(0, 0, 0, 0x06, 2)).toBe(0x0280);
  });

  it("0xcf9 Reset Control: writing 0x06 (RCPU 0→1, SRST) resets; 0x02 alone does not", () => {
    const p = bus();
    p.io.write(0xcf9, 1, 0x02);
    expect(p.resets).toEqual([]);
    p.io.write(0xcf9, 1, 0x06);
    expect(p.resets).toEqual([1]);
    expect(p.io.read(0xcf9, 1)).toBe(0x02);
  });

  it("save → msgpackr → restore into a fresh bus: same CONFIG_ADDRESS and the written PIRQ/PAM values", () => {
    const a = bus();
    a.cfgWrite(0, 1, 0, 0x60, 1, 0x05);
    a.cfgWrite(0, 0, 0, 0x5f, 1, 0x11);
    a.io.write(0xcf8, 4, 0x80000860);
    const b = bus();
    b.host.restore(unpack(pack(a.host.save())) as DeviceState);
    expect(b.io.read(0xcf8, 4)).toBe(0x80000860);
    expect(b.io.read(0xcfc, 4)).toBe(0x80808005);
    expect(b.cfgRead(0, 0, 0, 0x5c)).toBe(0x11000000);
  });
});
