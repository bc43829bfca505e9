import { describe, expect, it } from "vitest";
import { Desc, Exc, Seg } from "../../../src/cpu/constants.js";
import { load, makeCpu } from "../harness.js";
import { CODE, descriptor, GDT, runToStub, setGdt, setupPm } from "./pm-harness.js";

/** Runs `code` at CPL 0 after the standard GDT/IDT; returns the exception frame (or vector -1). */
function run(code: number[], extra?: (mem: ReturnType<typeof makeCpu>["mem"]) => void, withError = true) {
  const { cpu, mem } = makeCpu();
  setupPm(cpu, mem);
  setGdt(mem, 0x30, descriptor(0, 0xfffff, 0x12, 0xc)); // data, not present
  setGdt(mem, 0x38, descriptor(0, 0xfffff, 0x90, 0xc)); // data, read-only
  setGdt(mem, 0x40, descriptor(0, 0xfffff, 0x98, 0xc)); // code, execute-only
  setGdt(mem, 0x48, descriptor(0x13000, 0x17, 0x82, 0)); // LDT
  setGdt(mem, 0x50, descriptor(0x200000, 0xfff, 0x92, 0x4)); // data base 2 MiB, limit 4 KiB, byte granular
  extra?.(mem);
  load(mem, CODE, [...code, 0xf4]);
  const f = runToStub(cpu, mem, withError);
  return { cpu, mem, f };
}
const movAx = (v: number) => [0x66, 0xb8, v & 0xff, v >> 8];

describe("protected-mode segment loads (SDM Vol.2 MOV, Vol.3 5.5)", () => {
  it("8e d8 mov ds,ax: ax=0x10 (data DPL0) → DS base/limit loaded, accessed bit set in the GDT", () => {
    const { cpu, mem, f } = run([...movAx(0x50), 0x8e, 0xd8]);
    expect(f.vector).toBe(-1);
    expect(cpu.segSel[Seg.DS]).toBe(0x50);
    expect(cpu.segBase[Seg.DS]).toBe(0x200000);
    expect(cpu.segLimit[Seg.DS]).toBe(0xfff);
    expect(cpu.segAttr[Seg.DS] & (Desc.P | Desc.A)).toBe(Desc.P | Desc.A);
    expect(mem.bytes[GDT + 0x50 + 5]).toBe(0x93);
  });
  it("8e d8 mov ds,ax: ax=0x30 (not present) → #NP(0x30) at the MOV", () => {
    const { f } = run([...movAx(0x30), 0x8e, 0xd8]);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.NP, 0x30, CODE + 4]);
  });
  it("8e d0 mov ss,ax: ax=0x30 (not present) → #SS(0x30)", () => {
    const { f } = run([...movAx(0x30), 0x8e, 0xd0]);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.SS, 0x30, CODE + 4]);
  });
  it("8e d8 mov ds,ax: ax=0x1000 (beyond GDT limit 0x7ff) → #GP(0x1000)", () => {
    const { f } = run([...movAx(0x1000), 0x8e, 0xd8]);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x1000]);
  });
  it("8e d0 mov ss,ax: ax=0 (null) → #GP(0)", () => {
    const { f } = run([...movAx(0), 0x8e, 0xd0]);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.GP, 0, CODE + 4]);
  });
  it("8e d0 mov ss,ax: ax=0x38 (read-only data) → #GP(0x38)", () => {
    const { f } = run([...movAx(0x38), 0x8e, 0xd0]);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x38]);
  });
  it("8e d0 mov ss,ax: ax=0x13 (RPL 3 ≠ CPL 0) → #GP(0x10), RPL bits cleared in the error code", () => {
    const { f } = run([...movAx(0x13), 0x8e, 0xd0]);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x10]);
  });
  it("8e d0 mov ss,ax: ax=0x23 (DPL 3 data at CPL 0, RPL 3) → #GP(0x20)", () => {
    const { f } = run([...movAx(0x23), 0x8e, 0xd0]);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x20]);
  });
  it("8e d8 mov ds,ax: ax=0x40 (execute-only code) → #GP(0x40)", () => {
    const { f } = run([...movAx(0x40), 0x8e, 0xd8]);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x40]);
  });
  it("8e d8 mov ds,ax: ax=0x08 (readable code) → loads", () => {
    const { cpu, f } = run([...movAx(0x08), 0x8e, 0xd8]);
    expect(f.vector).toBe(-1);
    expect(cpu.segSel[Seg.DS]).toBe(0x08);
  });
  it("8e d8 mov ds,ax: ax=0x13 (DPL 0 data with RPL 3) → #GP(0x10)", () => {
    const { f } = run([...movAx(0x13), 0x8e, 0xd8]);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x10]);
  });
  it("8e d8 mov ds,ax: ax=0x48 (an LDT descriptor, S=0) → #GP(0x48)", () => {
    const { f } = run([...movAx(0x48), 0x8e, 0xd8]);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x48]);
  });
  it("0f 00 d0 lldt ax (ax=0); 8e d8 mov ds,ax: ax=0x0c (TI=1, null LDTR) → #GP(0x0c)", () => {
    const { cpu, f } = run([...movAx(0), 0x0f, 0x00, 0xd0, ...movAx(0x0c), 0x8e, 0xd8]);
    expect(cpu.segAttr[Seg.LDTR] & Desc.UNUSABLE).toBe(Desc.UNUSABLE);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.GP, 0x0c, CODE + 11]);
  });
  it("8e d8 mov ds,ax then 8b 05 mov eax,[0]: null DS loads, the access → #GP(0)", () => {
    const { cpu, f } = run([...movAx(0), 0x8e, 0xd8, 0x8b, 0x05, 0, 0, 0, 0]);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.GP, 0, CODE + 6]);
    expect(cpu.segAttr[Seg.DS] & Desc.UNUSABLE).toBe(Desc.UNUSABLE);
  });
  it("8b 05 mov eax,[0x1000] through DS limit 0xfff → #GP(0)", () => {
    const { f } = run([...movAx(0x50), 0x8e, 0xd8, 0x8b, 0x05, 0x00, 0x10, 0, 0]);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.GP, 0, CODE + 6]);
  });
  it("0f 00 d0 lldt ax; 8e d8 mov ds,ax: LDT entry 1 (sel 0x0c) → DS from the LDT", () => {
    const { cpu, f } = run([...movAx(0x48), 0x0f, 0x00, 0xd0, ...movAx(0x0c), 0x8e, 0xd8], (mem) => {
      mem.view.setUint32(0x13008, descriptor(0x300000, 0xffff, 0x92, 0)[0], true);
      mem.view.setUint32(0x1300c, descriptor(0x300000, 0xffff, 0x92, 0)[1], true);
    });
    expect(f.vector).toBe(-1);
    expect(cpu.segBase[Seg.LDTR]).toBe(0x13000);
    expect(cpu.segSel[Seg.DS]).toBe(0x0c);
    expect(cpu.segBase[Seg.DS]).toBe(0x300000);
  });
  it("0f 00 d0 lldt ax: ax=0x50 (a data descriptor) → #GP(0x50)", () => {
    const { f } = run([...movAx(0x50), 0x0f, 0x00, 0xd0]);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x50]);
  });
  it("17 pop ss at CPL 0: popped 0x10 → SS loaded, ESP += 4 (32-bit operand)", () => {
    const { cpu, f } = run([0x6a, 0x10, 0x17]);
    expect(f.vector).toBe(-1);
    expect(cpu.segSel[Seg.SS]).toBe(0x10);
    expect(cpu.regs[4]).toBe(0x90000);
  });
  it("6a 30 1f push 0x30; pop ds: not present → #NP(0x30), ESP as before the POP (frame 16 bytes below 0x8fffc)", () => {
    const { cpu, f } = run([0x6a, 0x30, 0x1f]);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.NP, 0x30, CODE + 2]);
    expect(cpu.regs[4]).toBe(0x8fffc - 16);
  });
});
