// --cpu specs (src/cpu/cpu-model.ts): the CPUID they produce, and the instructions and CR4 bits a
// feature turned off takes away. Expected CPUID layouts are the SDM's (Vol.2 CPUID: leaf 0 vendor in
// EBX/EDX/ECX, leaf 1 EAX = stepping 3:0, model 7:4, family 11:8; EDX bit numbers of Table 3-11).
// Real-mode faults are delivered through the IVT: a handler HLT at a known address names the vector.

import { describe, expect, it } from "vitest";
import { Cr4, Reg } from "../../src/cpu/constants.js";
import { cpuModelFromSpec, CPU_FEATURES, CPU_MODELS } from "../../src/cpu/cpu-model.js";
import { applyCpuModel, cpuidLookup, i686Model } from "../../src/cpu/cpuid.js";
import { realHandler, run16 } from "./mov.helpers.js";

const UD_AT = 0x2001, GP_AT = 0x2101, END = (n: number) => 0x1000 + n + 1;
function real(src: string, spec: string) {
  return run16(src, (m) => {
    realHandler(m.mem, 6, 0x2000); realHandler(m.mem, 13, 0x2100);
    m.host.model = cpuModelFromSpec(spec);
    applyCpuModel(m.cpu, m.host.model);
  });
}
const ascii = (...words: number[]) => words.map((w) => String.fromCharCode(w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, (w >>> 24) & 0xff)).join("");

describe("--cpu spec → CPUID", () => {
  it("no spec = the default i686 model, leaf for leaf", () => {
    const a = cpuModelFromSpec(undefined), b = i686Model({ apic: true });
    for (const leaf of [0, 1, 2, 0x80000000]) expect(cpuidLookup(a, leaf)).toEqual(cpuidLookup(b, leaf));
  });

  it("pentium → leaf 1 EAX family 5 model 2 stepping 0xC; EDX has FPU(0) TSC(4) CX8(8), not CMOV(15) or APIC(9)", () => {
    const l = cpuidLookup(cpuModelFromSpec("pentium"), 1);
    expect((l.eax >> 8) & 0xf).toBe(5);
    expect((l.eax >> 4) & 0xf).toBe(2);
    expect(l.eax & 0xf).toBe(0xc);
    expect(l.edx & ((1 << 0) | (1 << 4) | (1 << 8))).toBe((1 << 0) | (1 << 4) | (1 << 8));
    expect(l.edx & ((1 << 15) | (1 << 9))).toBe(0);
  });

  it("+pse,-pge,-sep → EDX bit 3 set, bits 13 and 11 clear, other bits as the default", () => {
    const d = cpuidLookup(cpuModelFromSpec(""), 1).edx, l = cpuidLookup(cpuModelFromSpec("+pse,-pge,-sep"), 1).edx;
    expect(l).toBe((d | (1 << 3)) & ~(1 << 13) & ~(1 << 11));
  });

  it("vendor=AuthenticAMD,family=6,model=10,stepping=0 → leaf 0 spells the vendor, leaf 1 EAX = 0x6a0", () => {
    const m = cpuModelFromSpec("vendor=AuthenticAMD,family=6,model=10,stepping=0");
    const l0 = cpuidLookup(m, 0);
    expect(ascii(l0.ebx, l0.edx, l0.ecx)).toBe("AuthenticAMD");
    expect(cpuidLookup(m, 1).eax).toBe(0x6a0);
  });

  it("+vmx → leaf 1 ECX bit 5", () => {
    expect(cpuidLookup(cpuModelFromSpec("+vmx"), 1).ecx).toBe(1 << 5);
  });

  it("an unknown feature → one line naming every valid feature and model", () => {
    let msg = "";
    try { cpuModelFromSpec("+pse,-sse9"); } catch (e) { msg = (e as Error).message; }
    expect(msg).toContain('"-sse9"');
    for (const f of CPU_FEATURES.keys()) expect(msg).toContain(f);
    for (const m of CPU_MODELS.keys()) expect(msg).toContain(m);
    expect(msg).not.toContain("\n");
  });

  it("an unknown model and a bad vendor are refused", () => {
    expect(() => cpuModelFromSpec("pentium9")).toThrow(/unknown CPU model "pentium9"; models: 486, pentium/);
    expect(() => cpuModelFromSpec("vendor=Intel")).toThrow(/12 printable characters/);
    expect(() => cpuModelFromSpec("family=16")).toThrow(/0-15/);
  });

  it("the guest reads the model with CPUID: 0f a2 cpuid, eax=1 under pentium → eax 0x52c", () => {
    const m = real("mov eax,1\ncpuid", "pentium");
    expect(m.cpu.regs[Reg.EAX]).toBe(0x52c);
  });
});

describe("a feature turned off is gone", () => {
  it("0f 34 sysenter in real mode: #GP(0) with SEP (SDM SYSENTER: CR0.PE=0), #UD with -sep (an undefined opcode)", () => {
    expect(real("sysenter", "").cpu.eip).toBe(GP_AT);
    expect(real("sysenter", "-sep").cpu.eip).toBe(UD_AT);
  });

  it("0f 35 sysexit with -sep → #UD", () => {
    expect(real("sysexit", "-sep").cpu.eip).toBe(UD_AT);
  });

  it("0f 31 rdtsc: runs with TSC, #UD on a 486", () => {
    expect(real("rdtsc", "").cpu.eip).toBe(END(2));
    expect(real("rdtsc", "486").cpu.eip).toBe(UD_AT);
  });

  it("0f 32 rdmsr / 0f 30 wrmsr with -msr → #UD", () => {
    expect(real("mov ecx,0x174\nrdmsr", "-msr").cpu.eip).toBe(UD_AT);
    expect(real("mov ecx,0x174\nwrmsr", "-msr").cpu.eip).toBe(UD_AT);
  });

  it("0f c7 /1 cmpxchg8b with -cx8 → #UD; with CX8 it runs", () => {
    expect(real("cmpxchg8b [0x3000]", "-cx8").cpu.eip).toBe(UD_AT);
    expect(real("cmpxchg8b [0x3000]", "").cpu.eip).toBe(END(5));
  });

  it("0f ae /0 fxsave with -fxsr → #UD", () => {
    expect(real("fxsave [0x3000]", "-fxsr").cpu.eip).toBe(UD_AT);
  });

  it("mov cr4 with PGE (bit 7): accepted by default, #GP(0) with -pge (SDM MOV CR: a reserved CR4 bit → #GP(0))", () => {
    const ok = real(`mov eax,${Cr4.PGE}\nmov cr4,eax\nmov ebx,cr4`, "");
    expect(ok.cpu.regs[Reg.EBX]).toBe(Cr4.PGE);
    expect(real(`mov eax,${Cr4.PGE}\nmov cr4,eax`, "-pge").cpu.eip).toBe(GP_AT);
  });

  it("mov cr4 with PSE (bit 4) on a 486 → #GP(0)", () => {
    expect(real(`mov eax,${Cr4.PSE}\nmov cr4,eax`, "486").cpu.eip).toBe(GP_AT);
  });
});
