import { describe, expect, it } from "vitest";
import { CS, EAX, EDX, SS } from "../../src/cpu/constants.js";
import { loadFlat } from "../../src/loaders/flat.js";
import { ImageError } from "../../src/loaders/image-error.js";
import { runToHalt } from "../cpu/harness.js";
import { applyPlan, nasmBin, planBytes } from "./apply.js";

const MEM = 2 << 20;
const errorOf = (f: () => unknown): Error => {
  try { f(); } catch (e) { return e as Error; }
  throw new Error("no error thrown");
};

describe("flat binary, real mode", () => {
  it("boot sector at 0x7c00 → CS:IP 0000:7c00, SS:SP 0000:7c00, DL = 0x80 passed through; runs on the interpreter", () => {
    const img = nasmBin(`bits 16
org 0x7c00
  mov ax, cs
  shl eax, 16
  call here
here:
  pop ax
  hlt`);
    const p = loadFlat("boot.bin", img, { memBytes: MEM, address: 0x7c00, mode: "real16", regs: { edx: 0x80 } });
    if (p.entry.mode !== "real16") throw new Error("not real16");
    expect([p.entry.cs, p.entry.ip, p.entry.ss, p.entry.sp]).toEqual([0, 0x7c00, 0, 0x7c00]);
    expect(Array.from(planBytes(p, 0x7c00, img.length))).toEqual(Array.from(img));
    const m = applyPlan(p, MEM);
    runToHalt(m.cpu, 10);
    expect(m.cpu.regs[EAX] >>> 0).toBe(0x00007c09); // CS 0 in the high half; CALL pushed "here" = 0x7c00 + 2 (8c c8) + 4 (66 c1 e0 10) + 3 (e8 00 00)
    expect(m.cpu.regs[EDX]).toBe(0x80);
  });
  it("address 0x12345 → CS:IP 1000:2345; stack 0x30000 → SS:SP 2000:0000 (first push lands at 0x2fffe)", () => {
    const p = loadFlat("x.bin", new Uint8Array([0xf4]), { memBytes: MEM, address: 0x12345, mode: "real16", stack: 0x30000 });
    if (p.entry.mode !== "real16") throw new Error("not real16");
    expect([p.entry.cs, p.entry.ip, p.entry.ss, p.entry.sp]).toEqual([0x1000, 0x2345, 0x2000, 0]);
    expect(p.entry.segments.cs.base).toBe(0x10000);
    const m = applyPlan(p, MEM);
    expect([m.cpu.segSel[CS], m.cpu.segSel[SS]]).toEqual([0x1000, 0x2000]);
  });
  it("image crossing 1 MiB in real mode → PlacementError", () => {
    expect(errorOf(() => loadFlat("x.bin", new Uint8Array(0x200), { memBytes: MEM, address: 0xffff0, mode: "real16" })).message)
      .toBe("x.bin: a real-mode image must end below 1 MiB, this one ends at 0x1001f0");
  });
  it("image over the EBDA/VGA hole (0x9fc00-0x100000) → PlacementError naming usable RAM", () => {
    expect(errorOf(() => loadFlat("x.bin", new Uint8Array(0x400), { memBytes: MEM, address: 0x9f900, mode: "real16" })).message)
      .toBe("x.bin: flat image at 0x9f900-0x9fd00 is not inside usable RAM (0x0-0x9fc00, 0x100000-0x200000)");
  });
  it("empty file → ImageError at offset 0", () => {
    expect(errorOf(() => loadFlat("x.bin", new Uint8Array(0), { memBytes: MEM, address: 0x7c00, mode: "real16" }))).toBeInstanceOf(ImageError);
  });
});

describe("flat binary, 32-bit", () => {
  it("image at 1 MiB: GDT at 0x500, EIP = address, ESP = stack; the code reloads DS through the GDT", () => {
    const img = nasmBin(`bits 32
org 0x100000
  mov ax, 0x18
  mov ds, ax
  mov eax, [0x100000]
  hlt`);
    const p = loadFlat("k.bin", img, { memBytes: MEM, address: 0x100000, mode: "flat32", stack: 0x90000 });
    if (p.entry.mode !== "flat32") throw new Error("not flat32");
    expect(p.entry.gdtr).toEqual({ base: 0x500, limit: 31 });
    expect([p.entry.eip, p.entry.regs.esp]).toEqual([0x100000, 0x90000]);
    const m = applyPlan(p, MEM);
    runToHalt(m.cpu, 10);
    expect(m.cpu.regs[EAX]).toBe(img[0] | (img[1] << 8) | (img[2] << 16) | (img[3] << 24));
  });
  it("image covering 0x500 → GDT moves right after the image, 8-aligned", () => {
    const p = loadFlat("k.bin", new Uint8Array(0x1003), { memBytes: MEM, address: 0x0, mode: "flat32", entry: 0x10 });
    if (p.entry.mode !== "flat32") throw new Error("not flat32");
    expect(p.entry.gdtr.base).toBe(0x1008);
    expect(p.entry.eip).toBe(0x10);
  });
});
