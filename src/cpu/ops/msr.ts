// Model-specific instructions: CPUID, RDTSC, RDPMC, RDMSR, WRMSR, SYSENTER, SYSEXIT
// (SDM Vol.2 under each name).

import type { Cpu } from "../cpu.js";
import { Cr0, Cr4, Desc, Eflags, Exc, Reg, Seg } from "../constants.js";
import { CPUID_MSR, CPUID_SEP, CPUID_TSC } from "../cpuid.js";
import { raise } from "../fault.js";
import { rdmsr, readTsc, tscToEdxEax, wrmsr } from "../system/msr.js";
import { defineOp } from "./registry.js";

defineOp("op_0f_a2", (cpu: Cpu) => cpu.host.cpuid(cpu));

// A CPU model without a feature has no such opcode: #UD (SDM Vol.2 Appendix A, undefined opcodes).
defineOp("op_0f_31", (cpu: Cpu) => {
  if ((cpu.cpuidEdx1 & CPUID_TSC) === 0) raise(Exc.UD);
  if ((cpu.cr4 & Cr4.TSD) !== 0 && cpu.cpl !== 0 && (cpu.cr0 & Cr0.PE) !== 0) raise(Exc.GP, 0);
  tscToEdxEax(cpu, readTsc(cpu));
});

/** P6 performance counters PERFCTR0/1 are MSRs C1H/C2H; RDPMC reads them through the host. */
const MSR_PERFCTR0 = 0xc1;

defineOp("op_0f_33", (cpu: Cpu) => {
  const n = cpu.regs[Reg.ECX];
  if ((cpu.cr4 & Cr4.PCE) === 0 && cpu.cpl !== 0 && (cpu.cr0 & Cr0.PE) !== 0) raise(Exc.GP, 0);
  if ((n >>> 0) > 1) raise(Exc.GP, 0);
  if (cpu.host.rdmsr(cpu, MSR_PERFCTR0 + n)) {
    cpu.regs[Reg.EDX] &= 0xff; // the counters are 40 bits wide
    return;
  }
  cpu.noteOnce("rdpmc", `RDPMC of counter ${n}: no performance counters are modelled, returning 0`);
  cpu.regs[Reg.EAX] = 0;
  cpu.regs[Reg.EDX] = 0;
});

defineOp("op_0f_32", (cpu: Cpu) => {
  if ((cpu.cpuidEdx1 & CPUID_MSR) === 0) raise(Exc.UD);
  if (cpu.cpl !== 0) raise(Exc.GP, 0);
  rdmsr(cpu, cpu.regs[Reg.ECX]);
});

defineOp("op_0f_30", (cpu: Cpu) => {
  if ((cpu.cpuidEdx1 & CPUID_MSR) === 0) raise(Exc.UD);
  if (cpu.cpl !== 0) raise(Exc.GP, 0);
  wrmsr(cpu, cpu.regs[Reg.ECX]);
});

// ---- SYSENTER / SYSEXIT: flat 4 GiB segments described by IA32_SYSENTER_CS (SDM Vol.2) ----

const FLAT_CODE = Desc.P | Desc.S | Desc.CODE | Desc.RW | Desc.A | Desc.DB | Desc.G; // type 11
const FLAT_DATA = Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | Desc.G; // type 3

defineOp("op_0f_34", (cpu: Cpu) => {
  if ((cpu.cpuidEdx1 & CPUID_SEP) === 0) raise(Exc.UD);
  if ((cpu.cr0 & Cr0.PE) === 0 || (cpu.sysenterCs & 0xfffc) === 0) raise(Exc.GP, 0);
  const cs = cpu.sysenterCs & 0xfffc;
  cpu.flags &= ~(Eflags.VM | Eflags.IF | Eflags.RF);
  cpu.setSegCache(Seg.CS, cs, 0, -1, FLAT_CODE);
  cpu.setSegCache(Seg.SS, (cs + 8) & 0xffff, 0, -1, FLAT_DATA);
  cpu.regs[Reg.ESP] = cpu.sysenterEsp;
  cpu.eip = cpu.sysenterEip;
  cpu.updateMode();
});

defineOp("op_0f_35", (cpu: Cpu) => {
  if ((cpu.cpuidEdx1 & CPUID_SEP) === 0) raise(Exc.UD);
  if ((cpu.sysenterCs & 0xfffc) === 0 || (cpu.cr0 & Cr0.PE) === 0 || cpu.cpl !== 0) raise(Exc.GP, 0);
  const cs = cpu.sysenterCs;
  cpu.setSegCache(Seg.CS, ((cs + 16) | 3) & 0xffff, 0, -1, FLAT_CODE | (3 << 5));
  cpu.setSegCache(Seg.SS, ((cs + 24) | 3) & 0xffff, 0, -1, FLAT_DATA | (3 << 5));
  cpu.regs[Reg.ESP] = cpu.regs[Reg.ECX];
  cpu.eip = cpu.regs[Reg.EDX];
  cpu.updateMode();
});
