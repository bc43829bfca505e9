// i440FX PAM (82441FX datasheet, PAM0-PAM6 at 59h-5Fh; each 2-bit field bit 0 RE, bit 1 WE) on a
// machine with a BIOS ROM: where reads and writes to 0xC0000-0xFFFFF land, and the ROM at 4 GiB.

import { describe, expect, it } from "vitest";
import { ACC_READ, ACC_WRITE } from "../../src/cpu/memory.js";
import { pamField } from "../../src/devices/pam.js";
import { Seg } from "../../src/cpu/constants.js";
import { read32 as cpuRead32 } from "../../src/cpu/mmu.js";
import { loadSegmentReal } from "../../src/cpu/system/segments.js";
import { Machine } from "../../src/vmx/machine.js";

/** A 256 KiB ROM whose every 4-byte word holds its own offset in the image. */
function rom(size = 0x40000): Uint8Array {
  const b = new Uint8Array(size), v = new DataView(b.buffer);
  for (let i = 0; i < size; i += 4) v.setUint32(i, i, true);
  return b;
}

function machine(size?: number) {
  const r = rom(size);
  const m = new Machine({ memBytes: 4 << 20, bios: r });
  const cfgWrite8 = (reg: number, v: number) => {
    m.io.write(0xcf8, 4, (0x80000000 | (reg & 0xfc)) >>> 0);
    m.io.write(0xcfc + (reg & 3), 1, v);
  };
  /** Reads a dword at guest-physical `gpa` as the CPU's slow path does (RAM or ROM host bytes, else MMIO). */
  const read32 = (gpa: number) => {
    const h = m.cpu.phys.translate(gpa, ACC_READ);
    return h >= 0 ? m.mem.view.getUint32(h, true) : m.cpu.phys.mmioRead(gpa, 4) >>> 0;
  };
  const write32 = (gpa: number, v: number) => {
    const h = m.cpu.phys.translate(gpa, ACC_WRITE);
    if (h >= 0) m.mem.view.setUint32(h, v, true); else m.cpu.phys.mmioWrite(gpa, 4, v);
  };
  return { m, r, cfgWrite8, read32, write32 };
}

describe("PAM field decoding (datasheet table)", () => {
  it("59h bits 5:4 → F0000-FFFFF; 5Ah bits 1:0 → C0000-C3FFF, bits 5:4 → C4000-C7FFF; 5Fh bits 5:4 → EC000-EFFFF", () => {
    const c = new Uint8Array(256);
    c[0x59] = 0x20; c[0x5a] = 0x13; c[0x5f] = 0x10;
    expect(pamField(c, 0xf0000)).toBe(2);
    expect(pamField(c, 0xfffff)).toBe(2);
    expect(pamField(c, 0xc0000)).toBe(3);
    expect(pamField(c, 0xc3fff)).toBe(3);
    expect(pamField(c, 0xc4000)).toBe(1);
    expect(pamField(c, 0xc8000)).toBe(0);
    expect(pamField(c, 0xec000)).toBe(1);
    expect(pamField(c, 0xe8000)).toBe(0);
  });
});

describe("BIOS ROM mapping behind the i440FX", () => {
  it("the ROM ends at 4 GiB: 0xFFFFFFF0 reads the image's last 16 bytes, 0xFFFC0000 its first", () => {
    const { read32 } = machine();
    expect(read32(0xfffffff0)).toBe(0x3fff0);
    expect(read32(0xfffc0000)).toBe(0);
  });

  it("at reset (PAM all 0) 0xE0000-0xFFFFF reads the ROM's last 128 KiB; 0xC0000 reads nothing (all ones)", () => {
    const { read32 } = machine();
    expect(read32(0xffff0)).toBe(0x3fff0);
    expect(read32(0xe0000)).toBe(0x20000);
    expect(read32(0xc0000)).toBe(0xffffffff);
  });

  it("a 64 KiB ROM answers at 0xF0000-0xFFFFF only", () => {
    const { read32 } = machine(0x10000);
    expect(read32(0xf0000)).toBe(0);
    expect(read32(0xe0000)).toBe(0xffffffff);
  });

  it("shadowing as a BIOS does it: WE only → reads ROM, writes RAM; then RE only → reads the RAM copy, writes dropped", () => {
    const { m, cfgWrite8, read32, write32 } = machine();
    cfgWrite8(0x59, 0x20); // F0000-FFFFF: WE=1 RE=0
    write32(0xf0000, 0x12345678);
    expect(read32(0xf0000)).toBe(0x30000); // still the ROM
    expect(m.mem.view.getUint32(0xf0000, true)).toBe(0x12345678); // the RAM under it took the write
    cfgWrite8(0x59, 0x10); // RE=1 WE=0
    expect(read32(0xf0000)).toBe(0x12345678);
    write32(0xf0000, 0xdeadbeef);
    expect(read32(0xf0000)).toBe(0x12345678);
    expect(m.reports).toEqual([]); // a write to ROM is not an unmodelled access
  });

  it("a PAM write flushes the TLB: a CPU read of F000:0000 sees ROM, then the RAM copy after RE is set", () => {
    const { m, cfgWrite8 } = machine();
    m.mem.view.setUint32(0xf0000, 0xcafef00d, true);
    m.enter({ mode: "real16", cs: 0, ip: 0 });
    loadSegmentReal(m.cpu, Seg.DS, 0xf000);
    expect(cpuRead32(m.cpu, Seg.DS, 0) >>> 0).toBe(0x30000);
    cfgWrite8(0x59, 0x30);
    expect(cpuRead32(m.cpu, Seg.DS, 0) >>> 0).toBe(0xcafef00d);
  });

  it("without --bios the legacy window stays plain RAM (the machine's own tables live there)", () => {
    const m = new Machine({ memBytes: 4 << 20 });
    expect(m.cpu.phys.translate(0xf0000, ACC_WRITE)).toBe(0xf0000);
    expect(m.cpu.phys.translate(0xfffffff0, ACC_READ)).toBe(-1);
  });
});
