import { describe, expect, it } from "vitest";
import { Eflags, Reg } from "../../src/cpu/constants.js";
import { getEflags } from "../../src/cpu/flags.js";
import { run32 } from "./mov.helpers.js";

const ARITH = Eflags.CF | Eflags.PF | Eflags.AF | Eflags.ZF | Eflags.SF | Eflags.OF;

describe("CLC STC CMC CLD STD", () => {
  it("add 0xffffffff+1 (CF ZF AF PF) then f8 clc → CF=0, ZF/AF/PF still from the add", () => {
    const { cpu } = run32("mov eax,-1\nadd eax,1\nclc");
    expect(getEflags(cpu) & ARITH).toBe(Eflags.ZF | Eflags.AF | Eflags.PF);
  });
  it("cmp 1,2 (CF=1 SF=1 PF=1 AF=1) then f5 cmc → CF=0; cmc again → CF=1", () => {
    const once = run32("mov eax,1\ncmp eax,2\ncmc");
    expect(getEflags(once.cpu) & ARITH).toBe(Eflags.SF | Eflags.PF | Eflags.AF);
    const twice = run32("mov eax,1\ncmp eax,2\ncmc\ncmc");
    expect(getEflags(twice.cpu) & ARITH).toBe(Eflags.CF | Eflags.SF | Eflags.PF | Eflags.AF);
  });
  it("xor eax,eax (ZF PF) then f9 stc → CF=1 ZF=1 PF=1", () => {
    const { cpu } = run32("xor eax,eax\nstc");
    expect(getEflags(cpu) & ARITH).toBe(Eflags.CF | Eflags.ZF | Eflags.PF);
  });
  it("stc; inc eax → INC keeps the CF set by STC", () => {
    const { cpu } = run32("mov eax,1\nstc\ninc eax");
    expect(getEflags(cpu) & Eflags.CF).toBe(Eflags.CF);
  });
  it("fd std / fc cld → DF set / cleared", () => {
    expect(getEflags(run32("std").cpu) & Eflags.DF).toBe(Eflags.DF);
    expect(getEflags(run32("std\ncld").cpu) & Eflags.DF).toBe(0);
  });
});

describe("SAHF / LAHF / SALC", () => {
  it("9e sahf with AH=0xff after an overflowing add → SF ZF AF PF CF set, OF untouched (still 1)", () => {
    const { cpu } = run32("mov eax,0x7fffffff\nadd eax,1\nmov ah,0xff\nsahf");
    expect(getEflags(cpu) & ARITH).toBe(ARITH);
    const f = getEflags(cpu);
    expect(f & 0x28).toBe(0); // bits 3 and 5 stay reserved-zero
  });
  it("9e sahf with AH=0 → the five flags clear, OF kept", () => {
    const { cpu } = run32("mov eax,1\ncmp eax,2\nmov ah,0\nsahf");
    expect(getEflags(cpu) & ARITH).toBe(0);
  });
  it("cmp 1,2 then 9f lahf → AH = SF|AF|PF|bit1|CF = 0x97", () => {
    const { cpu } = run32("mov eax,1\ncmp eax,2\nlahf");
    expect((cpu.regs[Reg.EAX] >> 8) & 0xff).toBe(0x97);
    expect(cpu.regs[Reg.EAX] & 0xff).toBe(1);
  });
  it("xor eax,eax then lahf → AH = ZF|PF|bit1 = 0x46", () => {
    const { cpu } = run32("xor eax,eax\nlahf");
    expect(cpu.regs[Reg.EAX]).toBe(0x4600);
  });
  it("d6 salc: CF=1 → AL=0xff; CF=0 → AL=0, rest of EAX and flags unchanged", () => {
    const a = run32("mov eax,0x12345678\nstc\ndb 0xd6");
    expect(a.cpu.regs[Reg.EAX] >>> 0).toBe(0x123456ff);
    expect(getEflags(a.cpu) & Eflags.CF).toBe(Eflags.CF);
    const b = run32("mov eax,0x12345678\nclc\ndb 0xd6");
    expect(b.cpu.regs[Reg.EAX] >>> 0).toBe(0x12345600);
  });
});
