import { describe, expect, it } from "vitest";
import { Eflags, Exc, Seg } from "../../../src/cpu/constants.js";
import { load, makeCpu, real16, runToHalt } from "../harness.js";
import { CODE, descriptor, gateDescriptor, IDT, KCODE, KDATA, put, RING0_STACK, runToStub, setGdt, setupPm, STUBS } from "./pm-harness.js";

function pm(code: number[]) {
  const m = makeCpu();
  setupPm(m.cpu, m.mem);
  load(m.mem, CODE, [...code, 0xf4]);
  return m;
}

describe("segment register moves", () => {
  it("8c d8 mov eax,ds (32-bit operand): eax=0xffffffff → 0x00000010 (zero-extended)", () => {
    const { cpu } = pm([0xb8, 0xff, 0xff, 0xff, 0xff, 0x8c, 0xd8]);
    runToHalt(cpu, 100);
    expect(cpu.regs[0]).toBe(0x10);
  });
  it("66 8c d8 mov ax,ds: eax=0xffffffff → 0xffff0010 (upper half kept)", () => {
    const { cpu } = pm([0xb8, 0xff, 0xff, 0xff, 0xff, 0x66, 0x8c, 0xd8]);
    runToHalt(cpu, 100);
    expect(cpu.regs[0] >>> 0).toBe(0xffff0010);
  });
  it("8e c8 mov cs,ax → #UD", () => {
    const { cpu, mem } = pm([0x8e, 0xc8]);
    expect(runToStub(cpu, mem, false).vector).toBe(6);
  });
  it("8e d0 mov ss,ax holds off a pending interrupt until after the next instruction (SDM Vol.3 6.8.3)", () => {
    const { cpu, mem, host } = pm([0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0xb9, 1, 0, 0, 0, 0xba, 2, 0, 0, 0]);
    cpu.flags |= Eflags.IF;
    cpu.regs[2] = 0;
    cpu.run(cpu.icount + 2); // mov ax; mov ss
    host.irq.push(0x50);
    cpu.poke();
    const f = runToStub(cpu, mem, false);
    expect([f.vector, f.eip]).toEqual([0x50, CODE + 11]);
    expect([cpu.regs[1], cpu.regs[2]]).toEqual([1, 0]);
  });
});

describe("16-bit gates and TSS", () => {
  it("cd 43 int 0x43 through a 16-bit interrupt gate at CPL 0 → word frame IP CS FLAGS", () => {
    const { cpu, mem } = pm([0xcd, 0x43]);
    put(mem, IDT + 0x43 * 8, gateDescriptor(KCODE, STUBS + 0x43 * 16, 0x86));
    runToHalt(cpu, 100);
    expect(cpu.eip).toBe(STUBS + 0x43 * 16 + 1);
    const sp = cpu.regs[4] >>> 0;
    expect(sp).toBe(RING0_STACK - 6);
    expect([mem.view.getUint16(sp, true), mem.view.getUint16(sp + 2, true), mem.view.getUint16(sp + 4, true)]).toEqual([CODE + 2, KCODE, 2]);
  });
  it("ea jmp to a 16-bit TSS (type 1) → IP FLAGS AX..DI ES CS SS DS from the word fields", () => {
    const { cpu, mem } = pm([0xb8, 0x00, 0x00, 0xad, 0xde, 0xea, 0, 0, 0, 0, 0x38, 0]);
    setGdt(mem, 0x38, descriptor(0x14000, 0x2b, 0x81, 0));
    const w = (off: number, v: number) => mem.view.setUint16(0x14000 + off, v, true);
    w(0x0e, 0x2000); w(0x10, 0x0002); w(0x12, 0xbeef); w(0x1a, 0x8000);
    w(0x22, KDATA); w(0x24, KCODE); w(0x26, KDATA); w(0x28, KDATA);
    mem.bytes[0x2000] = 0xf4;
    runToHalt(cpu, 100);
    expect(cpu.eip).toBe(0x2001);
    expect(cpu.regs[0] >>> 0).toBe(0xdeadbeef); // upper half not in a 16-bit TSS
    expect(cpu.regs[4] & 0xffff).toBe(0x8000);
    expect([cpu.segSel[Seg.CS], cpu.segSel[Seg.SS], cpu.segSel[Seg.TR]]).toEqual([KCODE, KDATA, 0x38]);
    expect(mem.bytes[0x10000 + 0x38 + 5] & 0x0f).toBe(3); // 16-bit TSS now busy
  });
  it("ea jmp to a TSS with T=1 → #DB trap before the new task's first instruction, DR6.BT set", () => {
    const { cpu, mem } = pm([0xea, 0, 0, 0, 0, 0x38, 0]);
    setGdt(mem, 0x38, descriptor(0x14000, 0x67, 0x89, 0));
    const d = (off: number, v: number) => mem.view.setUint32(0x14000 + off, v, true);
    d(0x20, 0x2000); d(0x24, 2); d(0x38, 0x88000);
    for (const [off, sel] of [[0x48, KDATA], [0x4c, KCODE], [0x50, KDATA], [0x54, KDATA]]) d(off, sel);
    mem.view.setUint16(0x14000 + 0x64, 1, true);
    const f = runToStub(cpu, mem, false);
    expect([f.vector, f.eip]).toEqual([Exc.DB, 0x2000]);
    expect(cpu.dr[6] & 0x8000).toBe(0x8000);
  });
});

describe("real mode and software exceptions", () => {
  it("9a 10 00 00 02 call 0200:0010, cb retf in real mode → returns to 0000:1005", () => {
    const { cpu, mem } = makeCpu();
    load(mem, 0x1000, [0x9a, 0x10, 0x00, 0x00, 0x02, 0xf4]);
    load(mem, 0x2010, [0xcb]);
    real16(cpu, 0, 0x1000);
    runToHalt(cpu, 100);
    expect([cpu.segSel[Seg.CS], cpu.eip, cpu.regs[4]]).toEqual([0, 0x1006, 0xfffe]);
  });
  it("cd 21 int 0x21 then cf iret in real mode → IVT handler at 0300:0000 and back", () => {
    const { cpu, mem } = makeCpu();
    load(mem, 0x1000, [0xcd, 0x21, 0xf4]);
    load(mem, 0x21 * 4, [0x00, 0x00, 0x00, 0x03]);
    load(mem, 0x3000, [0xb8, 0x34, 0x12, 0xcf]);
    real16(cpu, 0, 0x1000);
    runToHalt(cpu, 100);
    expect([cpu.segSel[Seg.CS], cpu.eip, cpu.regs[0] & 0xffff, cpu.regs[4]]).toEqual([0, 0x1003, 0x1234, 0xfffe]);
  });
  it("ce into with OF=1 → vector 4 with EIP after the INTO (a trap)", () => {
    const { cpu, mem } = pm([0xb0, 0x7f, 0x04, 0x01, 0xce]); // mov al,0x7f; add al,1 (OF=1); into
    const f = runToStub(cpu, mem, false);
    expect([f.vector, f.eip]).toEqual([4, CODE + 5]);
  });
  it("62 05 bound eax,[0x5000]: eax=11 outside [0,10] → #BR with EIP at the BOUND", () => {
    const { cpu, mem } = pm([0xb8, 11, 0, 0, 0, 0x62, 0x05, 0x00, 0x50, 0, 0]);
    mem.view.setUint32(0x5000, 0, true);
    mem.view.setUint32(0x5004, 10, true);
    const f = runToStub(cpu, mem, false);
    expect([f.vector, f.eip]).toEqual([Exc.BR, CODE + 5]);
  });
});

describe("RF after IRET (SDM Vol.3 17.3.1.1)", () => {
  it("cf iretd popping RF=1, then 90 nop; cd 41 int 0x41 → RF cleared after the NOP: the INT pushes EFLAGS without RF", () => {
    const { cpu, mem } = pm([0x68, 0x02, 0x00, 0x01, 0x00, 0x6a, 0x08, 0x68, 0x00, 0x20, 0, 0, 0xcf]); // push 0x10002; push 8; push 0x2000; iretd
    mem.bytes.set([0x90, 0xcd, 0x41], 0x2000);
    const f = runToStub(cpu, mem, false);
    expect([f.vector, f.eip, f.eflags]).toEqual([0x41, 0x2003, 0x2]);
  });
});
