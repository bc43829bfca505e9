import { describe, expect, it } from "vitest";
import { getEflags } from "../../src/cpu/flags.js";
import { Eflags } from "../../src/cpu/constants.js";
import { flat32, load, makeCpu, real16, runToHalt } from "./harness.js";

function run32(bytes: number[]) {
  const { cpu, mem, host } = makeCpu();
  load(mem, 0x1000, [...bytes, 0xf4]);
  flat32(cpu, 0x1000);
  runToHalt(cpu);
  return { cpu, host, flags: getEflags(cpu) };
}

describe("ALU", () => {
  it("b8 ff ff ff ff 05 01 00 00 00 mov eax,-1; add eax,1 → 0, CF=1 ZF=1 AF=1 PF=1", () => {
    const { cpu, flags } = run32([0xb8, 0xff, 0xff, 0xff, 0xff, 0x05, 0x01, 0, 0, 0]);
    expect(cpu.regs[0]).toBe(0);
    expect(flags & (Eflags.CF | Eflags.ZF | Eflags.SF | Eflags.OF | Eflags.AF | Eflags.PF)).toBe(Eflags.CF | Eflags.ZF | Eflags.AF | Eflags.PF);
  });
  it("b8 ff ff ff 7f 40 mov eax,0x7fffffff; inc eax → 0x80000000, OF=1 SF=1, CF kept 0", () => {
    const { cpu, flags } = run32([0xb8, 0xff, 0xff, 0xff, 0x7f, 0x40]);
    expect(cpu.regs[0] >>> 0).toBe(0x80000000);
    expect(flags & (Eflags.CF | Eflags.OF | Eflags.SF)).toBe(Eflags.OF | Eflags.SF);
  });
  it("b3 05 80 eb 07 mov bl,5; sub bl,7 → 0xfe, CF=1 SF=1", () => {
    const { cpu, flags } = run32([0xb3, 0x05, 0x80, 0xeb, 0x07]);
    expect(cpu.regs[3] & 0xff).toBe(0xfe);
    expect(flags & (Eflags.CF | Eflags.SF | Eflags.ZF)).toBe(Eflags.CF | Eflags.SF);
  });
  it("an opcode with no implementation raises #UD and is reported with its bytes", () => {
    const { cpu, mem, host } = makeCpu();
    load(mem, 0x1000, [0x0f, 0x01, 0xc1]); // vmcall: in the table, not implemented while nested VMX is not
    load(mem, 6 * 4, [0x00, 0x20, 0x00, 0x00]); // IVT[6] = 0000:2000
    load(mem, 0x2000, [0xf4]);
    real16(cpu, 0, 0x1000);
    runToHalt(cpu);
    expect(cpu.eip).toBe(0x2001);
    expect(host.reports.join("\n")).toMatch(/vmcall.*0f 01 c1/);
  });
});
