// CPUID, RDTSC, RDMSR/WRMSR, SYSENTER/SYSEXIT (SDM Vol.2 under each name; MSR numbers and
// layouts from SDM Vol.4 Table 2-2 and Vol.3 12.11/12.12).

import { beforeEach, describe, expect, it, vi } from "vitest";
import { Eflags, Reg, Seg } from "../../../src/cpu/constants.js";
import { applyCpuModel, i686Model } from "../../../src/cpu/cpuid.js";
import { realHandler, run16, run32 } from "../mov.helpers.js";
import type { Delivery } from "./capture.js";

const seen = vi.hoisted(() => [] as Delivery[]);
vi.mock("../../../src/cpu/system/idt.js", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../../src/cpu/system/idt.js")>();
  const { captureDelivery } = await import("./capture.js");
  return { ...orig, deliverProtected: captureDelivery(seen) };
});
beforeEach(() => { seen.length = 0; });

const GP_AT = 0x2101;
const real = (src: string, setup?: Parameters<typeof run16>[1]) =>
  run16(src, (m) => { realHandler(m.mem, 13, 0x2100); setup?.(m); });
const edxEax = (m: { cpu: { regs: Int32Array } }) => [m.cpu.regs[Reg.EDX] >>> 0, m.cpu.regs[Reg.EAX] >>> 0];

describe("RDMSR / WRMSR", () => {
  it("rdmsr 0x277 IA32_PAT after reset → 0x00070406_00070406 (SDM Vol.3 12.12.4)", () => {
    expect(edxEax(real("mov ecx,0x277\nrdmsr"))).toEqual([0x00070406, 0x00070406]);
  });
  it("wrmsr IA32_PAT with entry 2 = 2 (reserved type) → #GP(0), PAT unchanged", () => {
    const m = real("mov ecx,0x277\nmov eax,0x00020000\nxor edx,edx\nwrmsr");
    expect(m.cpu.eip).toBe(GP_AT);
    expect(m.cpu.patLo).toBe(0x00070406);
  });
  it("SYSENTER_CS/ESP/EIP (0x174-0x176) read back what was written", () => {
    const m = real("xor edx,edx\nmov ecx,0x174\nmov eax,0x10\nwrmsr\ninc ecx\nmov eax,0x9000\nwrmsr\ninc ecx\nmov eax,0xc0001000\nwrmsr\n" +
      "mov ecx,0x176\nrdmsr\nmov ebx,eax\nmov ecx,0x174\nrdmsr");
    expect([m.cpu.sysenterCs, m.cpu.sysenterEsp, m.cpu.regs[Reg.EBX] >>> 0, m.cpu.regs[Reg.EAX]]).toEqual([0x10, 0x9000, 0xc0001000, 0x10]);
  });
  it("MTRRcap (0xfe) → VCNT=8, FIX=1, WC=1 (0x508), as a P6-family CPU reports", () => {
    expect(edxEax(real("mov ecx,0xfe\nrdmsr"))).toEqual([0, 0x508]);
  });
  it("MTRR PhysMask0 (0x201) with reserved bit 0 set → #GP(0); valid mask round-trips", () => {
    expect(real("mov ecx,0x201\nmov eax,0xf8000801\nxor edx,edx\nwrmsr").cpu.eip).toBe(GP_AT);
    const m = real("mov ecx,0x201\nmov eax,0xf8000800\nmov edx,0xf\nwrmsr\nxor eax,eax\nxor edx,edx\nrdmsr");
    expect(edxEax(m)).toEqual([0xf, 0xf8000800]);
  });
  it("MTRRdefType (0x2ff) = E|FE|WB round-trips; type 2 → #GP(0)", () => {
    expect(edxEax(real("mov ecx,0x2ff\nmov eax,0xc06\nxor edx,edx\nwrmsr\nxor eax,eax\nrdmsr"))).toEqual([0, 0xc06]);
    expect(real("mov ecx,0x2ff\nmov eax,0x2\nxor edx,edx\nwrmsr").cpu.eip).toBe(GP_AT);
  });
  it("IA32_FEATURE_CONTROL (0x3a) reads locked, VMX off (1); with a VMX model reads 5; writes → #GP(0)", () => {
    expect(edxEax(real("mov ecx,0x3a\nrdmsr"))).toEqual([0, 1]);
    expect(edxEax(real("mov ecx,0x3a\nrdmsr", (m) => applyCpuModel(m.cpu, i686Model({ vmx: true }))))).toEqual([0, 5]);
    expect(real("mov ecx,0x3a\nxor eax,eax\nxor edx,edx\nwrmsr").cpu.eip).toBe(GP_AT);
  });
  it("IA32_APIC_BASE (0x1b) goes to the host both ways: rdmsr returns the host's value, wrmsr hands it EDX:EAX", () => {
    const writes: number[][] = [];
    const m = real("mov ecx,0x1b\nrdmsr\nmov ebx,eax\nmov eax,0xfee00900\nxor edx,edx\nwrmsr", (mm) => {
      mm.host.rdmsr = (cpu, msr) => { if (msr !== 0x1b) return false; cpu.regs[Reg.EAX] = 0xfee00900 | 0; cpu.regs[Reg.EDX] = 0; return true; };
      mm.host.wrmsr = (cpu, msr) => { writes.push([msr, cpu.regs[Reg.EDX], cpu.regs[Reg.EAX] >>> 0]); return true; };
    });
    expect(m.cpu.regs[Reg.EBX] >>> 0).toBe(0xfee00900);
    expect(writes).toEqual([[0x1b, 0, 0xfee00900]]);
  });
  it("rdmsr of an MSR nobody implements (0x12345) → #GP(0) and a report naming it", () => {
    const m = real("mov ecx,0x12345\nrdmsr");
    expect(m.cpu.eip).toBe(GP_AT);
    expect(m.host.reports.join("\n")).toMatch(/RDMSR of unknown MSR 0x12345.*0000:1006/);
  });
  it("wrmsr of an unknown MSR → #GP(0) and a report; rdmsr at CPL 3 → #GP(0)", () => {
    const m = real("mov ecx,0x4321\nwrmsr");
    expect(m.cpu.eip).toBe(GP_AT);
    expect(m.host.reports.join("\n")).toMatch(/WRMSR of unknown MSR 0x4321/);
    run32("mov ecx,0x10\nrdmsr", (mm) => {
      mm.cpu.setSegCache(Seg.SS, 0x23, 0, -1, mm.cpu.segAttr[Seg.SS] | (3 << 5));
      mm.cpu.updateMode();
    });
    expect(seen[0]).toMatchObject({ vector: 13, errorCode: 0, eip: 0x1005 });
  });
});

describe("RDTSC", () => {
  // The test host's counter is the instruction count, so the TSC advances by one per instruction.
  it("0f 31 rdtsc = host counter: at icount 0 → 0", () => {
    expect(edxEax(real("rdtsc"))).toEqual([0, 0]);
  });
  it("wrmsr IA32_TSC = 0x1_00000000 then rdtsc two instructions later → 0x1_00000002", () => {
    const m = real("mov ecx,0x10\nmov edx,1\nxor eax,eax\nwrmsr\nnop\nrdtsc");
    expect(edxEax(m)).toEqual([1, 2]);
  });
  it("wrmsr IA32_TSC = -1 (0xffffffff_ffffffff), next instruction rdtsc → wraps to 0", () => {
    const m = real("mov ecx,0x10\nmov edx,-1\nmov eax,-1\nwrmsr\nrdtsc");
    expect(edxEax(m)).toEqual([0, 0]);
  });
  it("CR4.TSD=1 at CPL 3 → #GP(0)", () => {
    run32("rdtsc", (mm) => {
      mm.cpu.cr4 = 4;
      mm.cpu.setSegCache(Seg.SS, 0x23, 0, -1, mm.cpu.segAttr[Seg.SS] | (3 << 5));
      mm.cpu.updateMode();
    });
    expect(seen[0]).toMatchObject({ vector: 13, errorCode: 0, eip: 0x1000 });
  });
});

describe("RDPMC", () => {
  it("0f 33 rdpmc with ECX=2 (P6 has counters 0 and 1) → #GP(0)", () => {
    expect(real("mov ecx,2\nrdpmc").cpu.eip).toBe(GP_AT);
  });
  it("rdpmc counter 0 when the host models no counters → 0 in EDX:EAX and a report (never silent)", () => {
    const m = real("mov eax,-1\nmov edx,-1\nxor ecx,ecx\nrdpmc");
    expect(edxEax(m)).toEqual([0, 0]);
    expect(m.host.reports.join("\n")).toMatch(/RDPMC/);
  });
  it("rdpmc counter 1 through the host's PERFCTR1 MSR (0xc2): the result is cut to 40 bits", () => {
    const m = real("mov ecx,1\nrdpmc", (mm) => {
      mm.host.rdmsr = (cpu, msr) => { if (msr !== 0xc2) return false; cpu.regs[Reg.EAX] = 0x11223344; cpu.regs[Reg.EDX] = 0x5566; return true; };
    });
    expect(edxEax(m)).toEqual([0x66, 0x11223344]);
  });
});

describe("CPUID", () => {
  it("0f a2 leaf 0 → vendor GenuineIntel in EBX EDX ECX; leaf 1 EDX has MTRR (bit 12), SEP, PGE, PSE, PAE", () => {
    const m = real("xor eax,eax\ncpuid");
    const s = [Reg.EBX, Reg.EDX, Reg.ECX].map((r) => String.fromCharCode(...[0, 8, 16, 24].map((b) => (m.cpu.regs[r] >>> b) & 0xff))).join("");
    expect(s).toBe("GenuineIntel");
    const m1 = real("mov eax,1\ncpuid");
    const edx = m1.cpu.regs[Reg.EDX];
    expect([edx & (1 << 12), edx & (1 << 11), edx & (1 << 13), edx & (1 << 3), edx & (1 << 6)]).toEqual([1 << 12, 1 << 11, 1 << 13, 1 << 3, 1 << 6]);
  });
});

describe("SYSENTER / SYSEXIT", () => {
  const setMsrs = (m: Parameters<NonNullable<Parameters<typeof run32>[1]>>[0]) => {
    m.cpu.sysenterCs = 0x10; m.cpu.sysenterEsp = 0x9000; m.cpu.sysenterEip = 0x3000;
    m.mem.bytes[0x3000] = 0xf4;
  };
  it("0f 34 sysenter with SYSENTER_CS=0x10 → CS=0x10 SS=0x18 flat, CPL 0, ESP/EIP from the MSRs, IF cleared", () => {
    const m = run32("sti\nsysenter", (mm) => { setMsrs(mm); });
    expect([m.cpu.segSel[Seg.CS], m.cpu.segSel[Seg.SS], m.cpu.regs[Reg.ESP], m.cpu.eip, m.cpu.cpl]).toEqual([0x10, 0x18, 0x9000, 0x3001, 0]);
    expect(m.cpu.flags & Eflags.IF).toBe(0);
    expect([m.cpu.segBase[Seg.CS], m.cpu.segLimit[Seg.CS], m.cpu.segAttr[Seg.CS] & 0x1f, m.cpu.segAttr[Seg.SS] & 0x1f]).toEqual([0, -1, 0x1b, 0x13]);
  });
  it("0f 35 sysexit with SYSENTER_CS=0x10 → CS=0x23 SS=0x2b, CPL 3, EIP=EDX, ESP=ECX", () => {
    const m = run32("mov edx,0x3000\nmov ecx,0x7000\nsysexit", (mm) => { setMsrs(mm); });
    // The HLT at 0x3000 runs at CPL 3 and faults: that delivery shows where SYSEXIT went.
    expect(seen[0]).toMatchObject({ vector: 13, errorCode: 0, eip: 0x3000 });
    expect([m.cpu.segSel[Seg.CS], m.cpu.segSel[Seg.SS], m.cpu.regs[Reg.ESP], m.cpu.cpl]).toEqual([0x23, 0x2b, 0x7000, 3]);
  });
  it("sysenter with SYSENTER_CS=0 → #GP(0); sysenter in real mode → #GP(0)", () => {
    run32("sysenter");
    expect(seen[0]).toMatchObject({ vector: 13, errorCode: 0, eip: 0x1000 });
    expect(real("sysenter", (m) => { m.cpu.sysenterCs = 0x10; }).cpu.eip).toBe(GP_AT);
  });
});
