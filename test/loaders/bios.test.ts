// BIOS ROM images: the size and reset-vector checks, and the CPU's reset state on a BIOS machine
// (SDM Vol.3 Table 10-1: CS selector F000h, base FFFF0000h, EIP 0000FFF0h; EDX = CPUID.1 EAX).

import { describe, expect, it } from "vitest";
import { Reg, Seg } from "../../src/cpu/constants.js";
import { checkBiosImage } from "../../src/loaders/bios.js";
import { ImageError } from "../../src/loaders/image-error.js";
import { Machine } from "../../src/vmx/machine.js";

const withReset = (size: number) => { const b = new Uint8Array(size); b[size - 16] = 0xea; return b; };

describe("checkBiosImage", () => {
  it("64 KiB, 128 KiB and 256 KiB images with a far jump at the reset vector pass", () => {
    for (const n of [0x10000, 0x20000, 0x40000]) expect(() => checkBiosImage("bios.bin", withReset(n))).not.toThrow();
  });

  it("a size that is not a 64 KiB multiple → ImageError naming the size", () => {
    expect(() => checkBiosImage("bios.bin", withReset(0x18000 + 0x1000))).toThrow(ImageError);
    expect(() => checkBiosImage("bios.bin", new Uint8Array(100))).toThrow(/bios.bin: offset 0x0: expected a BIOS ROM image of a multiple of 64 KiB up to 16 MiB, found 100 bytes/);
  });

  it("more than 16 MiB, or an empty file → ImageError", () => {
    expect(() => checkBiosImage("big.bin", withReset(17 << 20))).toThrow(ImageError);
    expect(() => checkBiosImage("empty.bin", new Uint8Array(0))).toThrow(/empty file/);
  });

  it("erased flash (all 0xFF at the reset vector) → ImageError at offset size-16", () => {
    expect(() => checkBiosImage("ff.bin", new Uint8Array(0x10000).fill(0xff))).toThrow(/ff.bin: offset 0xfff0: expected code at the reset vector/);
  });
});

describe("BIOS machine reset state", () => {
  it("CS = F000 with base FFFF0000, EIP = FFF0, EDX = CPUID.1 EAX; the first fetch is the ROM's last 16 bytes", () => {
    const rom = withReset(0x20000);
    // EA 5B E0 00 F0: jmp far F000:E05B, and at ROM offset 0x1E05B (F000:E05B via the 0xE0000 alias) a HLT.
    rom.set([0xea, 0x5b, 0xe0, 0x00, 0xf0], 0x1fff0);
    rom[0x1e05b] = 0xf4;
    const m = new Machine({ memBytes: 4 << 20, bios: rom });
    m.enterReset();
    expect(m.cpu.segSel[Seg.CS]).toBe(0xf000);
    expect(m.cpu.segBase[Seg.CS] >>> 0).toBe(0xffff0000);
    expect(m.cpu.eip).toBe(0xfff0);
    expect(m.cpu.regs[Reg.EDX]).toBe(0x663);
    const end = m.run(10);
    expect(end.kind).toBe("hung"); // HLT with IF=0
    expect((m.cpu.segBase[Seg.CS] >>> 0).toString(16)).toBe("f0000");
    expect(m.cpu.eip).toBe(0xe05c);
  });

  it("a BIOS machine writes no MP table: no _MP_ signature in 0xF0000-0xFFFFF RAM", () => {
    const m = new Machine({ memBytes: 4 << 20, bios: withReset(0x10000) });
    expect(Buffer.from(m.mem.bytes.subarray(0xf0000, 0x100000)).includes("_MP_")).toBe(false);
    const plain = new Machine({ memBytes: 4 << 20 });
    expect(Buffer.from(plain.mem.bytes.subarray(0xf0000, 0x100000)).includes("_MP_")).toBe(true);
  });

  it("less than 2 MiB of RAM with a BIOS → RangeError with the sizes", () => {
    expect(() => new Machine({ memBytes: 1 << 20, bios: withReset(0x10000) })).toThrow(/2 MiB to 3.5 GiB/);
  });
});
