// IN/OUT and the I/O permission checks (SDM Vol.1 19.5): IOPL, then the TSS I/O bitmap.

import { beforeEach, describe, expect, it, vi } from "vitest";
import { Desc, Eflags, Reg, Seg } from "../../../src/cpu/constants.js";
import { loadSegmentV86 } from "../../../src/cpu/system/segments.js";
import { nasm, run16, run32, type Machine } from "../mov.helpers.js";
import { flat32, load, makeCpu, runToHalt } from "../harness.js";
import { captureDelivery, type Delivery } from "./capture.js";

const seen = vi.hoisted(() => [] as Delivery[]);
vi.mock("../../../src/cpu/system/idt.js", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../../src/cpu/system/idt.js")>();
  const { captureDelivery: cap } = await import("./capture.js");
  return { ...orig, deliverProtected: cap(seen) };
});
void captureDelivery;

beforeEach(() => { seen.length = 0; });

const TSS = 0x20000;

/** CPL 3 (SS.DPL = 3) flat protected mode with a 32-bit TSS whose I/O map starts at +0x68. */
function cpl3(m: Machine, opts: { bitmap?: number[]; type?: number; limit?: number; iopl?: number }): void {
  const { cpu, mem } = m;
  cpu.setSegCache(Seg.SS, 0x23, 0, -1, Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | Desc.G | (3 << 5));
  cpu.flags = (cpu.flags & ~Eflags.IOPL) | ((opts.iopl ?? 0) << 12);
  mem.view.setUint16(TSS + 0x66, 0x68, true);
  (opts.bitmap ?? []).forEach((b, i) => { mem.bytes[TSS + 0x68 + i] = b; });
  cpu.setSegCache(Seg.TR, 0x28, TSS, opts.limit ?? 0x68 + 0x2000, Desc.P | (opts.type ?? 11));
  cpu.updateMode();
}

/** The closing HLT at CPL 3 is itself #GP(0) (SDM Vol.2 HLT): the record every allowed run ends with. */
const hltGp = (eip: number): Delivery => ({ vector: 13, errorCode: 0, eip, cr2: 0 });

function pm3(src: string, opts: Parameters<typeof cpl3>[1]): Machine {
  return run32(src, (m) => cpl3(m, opts));
}

describe("IN/OUT", () => {
  it("e6 80 / e7 80 / ef real mode: OUT imm8 and DX of byte, dword go to the host with the port and size", () => {
    const m = run16("mov eax,0x12345678\nout 0x80,al\nout 0x84,eax\nmov dx,0x3f8\nout dx,ax");
    expect(m.host.out).toEqual([
      { port: 0x80, size: 1, value: 0x78 }, { port: 0x84, size: 4, value: 0x12345678 }, { port: 0x3f8, size: 2, value: 0x5678 },
    ]);
  });
  it("e4 60 / ed in al,0x60; in ax,dx: host values land in AL and AX, upper bits kept", () => {
    const m = run16("mov eax,0xaabbccdd\nin al,0x60\nmov ebx,eax\nmov dx,0x1f0\nin ax,dx", (mm) => {
      mm.host.inValue = (port, size) => (port === 0x60 && size === 1 ? 0x11 : port === 0x1f0 && size === 2 ? 0x2233 : 0);
    });
    expect(m.cpu.regs[3] >>> 0).toBe(0xaabbcc11);
    expect(m.cpu.regs[Reg.EAX] >>> 0).toBe(0xaabb2233);
  });
});

describe("I/O permission bitmap at CPL 3 with IOPL 0", () => {
  it("port 0x80 with its bitmap bit clear → OUT allowed", () => {
    const m = pm3("out 0x80,al", { bitmap: new Array(32).fill(0xff).map((v, i) => (i === 0x10 ? 0xfe : v)) });
    expect(seen).toEqual([hltGp(0x1002)]);
    expect(m.host.out.map((o) => o.port)).toEqual([0x80]);
  });
  it("port 0x81 with its bit set → #GP(0) at the OUT, nothing written", () => {
    const m = pm3("out 0x81,al", { bitmap: new Array(32).fill(0).map((_, i) => (i === 0x10 ? 0x02 : 0)) });
    expect(seen).toEqual([{ vector: 13, errorCode: 0, eip: 0x1000, cr2: 0 }]);
    expect(m.host.out).toEqual([]);
  });
  it("out dx,eax at port 0x7e: bits 0x7e-0x81 span two bitmap bytes; bit 0x80 set → #GP(0)", () => {
    const m = pm3("mov dx,0x7e\nout dx,eax", { bitmap: new Array(32).fill(0).map((_, i) => (i === 0x10 ? 0x01 : 0)) });
    expect(seen.map((s) => [s.vector, s.errorCode])).toEqual([[13, 0]]);
    expect(m.host.out).toEqual([]);
  });
  it("out dx,ax at port 0x7e with 0x7e,0x7f clear and 0x80 set → allowed (only the accessed ports count)", () => {
    const m = pm3("mov dx,0x7e\nout dx,ax", { bitmap: new Array(32).fill(0).map((_, i) => (i === 0x10 ? 0x01 : 0)) });
    expect(seen).toEqual([hltGp(0x1006)]);
    expect(m.host.out.map((o) => [o.port, o.size])).toEqual([[0x7e, 2]]);
  });
  it("bitmap word beyond the TSS limit (port 0x400, limit 0x68+0x80) → #GP(0)", () => {
    pm3("mov dx,0x400\nin al,dx", { limit: 0x68 + 0x80 });
    expect(seen.map((s) => [s.vector, s.errorCode])).toEqual([[13, 0]]);
  });
  it("16-bit TSS (type 3, busy) has no bitmap → #GP(0)", () => {
    pm3("out 0x80,al", { type: 3 });
    expect(seen.map((s) => [s.vector, s.errorCode])).toEqual([[13, 0]]);
  });
  it("IOPL 3 at CPL 3: no bitmap consulted (every bit set) → allowed", () => {
    const m = pm3("out 0x81,al", { iopl: 3, bitmap: new Array(64).fill(0xff) });
    expect(seen).toEqual([hltGp(0x1002)]);
    expect(m.host.out.length).toBe(1);
  });
  it("virtual-8086 mode with IOPL 3 still consults the bitmap: bit set → #GP(0)", () => {
    const m = makeCpu();
    load(m.mem, 0x1000, [...nasm("out 0x81,al", 16, 0x1000), 0xf4]);
    flat32(m.cpu, 0x1000);
    cpl3(m, { iopl: 3, bitmap: new Array(64).fill(0xff) });
    m.cpu.flags |= Eflags.VM;
    for (let s = 0; s < 6; s++) loadSegmentV86(m.cpu, s, 0);
    m.cpu.updateMode();
    runToHalt(m.cpu);
    expect(seen.map((s) => [s.vector, s.errorCode, s.eip])).toEqual([[13, 0, 0x1000]]);
  });
});
