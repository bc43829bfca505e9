// Model-specific instructions: CPUID, RDTSC, RDPMC, RDMSR, WRMSR, SYSENTER, SYSEXIT
// (SDM Vol.2 under each name).

import type { Cpu } from "../cpu.js";
import {
  CR0_PE, CR4_PCE, CR4_TSD, CS, DESC_A, DESC_CODE, DESC_DB, DESC_G, DESC_P, DESC_RW, DESC_S, EAX, ECX, EDX,
  EFLAGS_IF, EFLAGS_RF, EFLAGS_VM, ESP, EXC_GP, SS,
} from "../constants.js";
import { raise } from "../fault.js";
import { rdmsr, readTsc, tscToEdxEax, wrmsr } from "../system/msr.js";
import { defineOp } from "./registry.js";

defineOp("op_0f_a2", (cpu: Cpu) => cpu.host.cpuid(cpu));

defineOp("op_0f_31", (cpu: Cpu) => {
  if ((cpu.cr4 & CR4_TSD) !== 0 && cpu.cpl !== 0 && (cpu.cr0 & CR0_PE) !== 0) raise(EXC_GP, 0);
  tscToEdxEax(cpu, readTsc(cpu));
});

/** P6 performance counters PERFCTR0/1 are MSRs C1H/C2H; RDPMC reads them through the host. */
const MSR_PERFCTR0 = 0xc1;

defineOp("op_0f_33", (cpu: Cpu) => {
  const n = cpu.regs[ECX];
  if ((cpu.cr4 & CR4_PCE) === 0 && cpu.cpl !== 0 && (cpu.cr0 & CR0_PE) !== 0) raise(EXC_GP, 0);
  if ((n >>> 0) > 1) raise(EXC_GP, 0);
  if (cpu.host.rdmsr(cpu, MSR_PERFCTR0 + n)) {
    cpu.regs[EDX] &= 0xff; // the counters are 40 bits wide
    return;
  }
  cpu.noteOnce("rdpmc", `RDPMC of counter ${n}: no performance counters are modelled, returning 0`);
  cpu.regs[EAX] = 0;
  cpu.regs[EDX] = 0;
});

defineOp("op_0f_32", (cpu: Cpu) => {
  if (cpu.cpl !== 0) raise(EXC_GP, 0);
  rdmsr(cpu, cpu.regs[ECX]);
});

defineOp("op_0f_30", (cpu: Cpu) => {
  if (cpu.cpl !== 0) raise(EXC_GP, 0);
  wrmsr(cpu, cpu.regs[ECX]);
});

// ---- SYSENTER / SYSEXIT: flat 4 GiB segments described by IA32_SYSENTER_CS (SDM Vol.2) ----

const FLAT_CODE = DESC_P | DESC_S | DESC_CODE | DESC_RW | DESC_A | DESC_DB | DESC_G; // type 11
const FLAT_DATA = DESC_P | DESC_S | DESC_RW | DESC_A | DESC_DB | DESC_G; // type 3

defineOp("op_0f_34", (cpu: Cpu) => {
  if ((cpu.cr0 & CR0_PE) === 0 || (cpu.sysenterCs & 0xfffc) === 0) raise(EXC_GP, 0);
  const cs = cpu.sysenterCs & 0xfffc;
  cpu.flags &= ~(EFLAGS_VM | EFLAGS_IF | EFLAGS_RF);
  cpu.setSegCache(CS, cs, 0, -1, FLAT_CODE);
  cpu.setSegCache(SS, (cs + 8) & 0xffff, 0, -1, FLAT_DATA);
  cpu.regs[ESP] = cpu.sysenterEsp;
  cpu.eip = cpu.sysenterEip;
  cpu.updateMode();
});

defineOp("op_0f_35", (cpu: Cpu) => {
  if ((cpu.sysenterCs & 0xfffc) === 0 || (cpu.cr0 & CR0_PE) === 0 || cpu.cpl !== 0) raise(EXC_GP, 0);
  const cs = cpu.sysenterCs;
  cpu.setSegCache(CS, ((cs + 16) | 3) & 0xffff, 0, -1, FLAT_CODE | (3 << 5));
  cpu.setSegCache(SS, ((cs + 24) | 3) & 0xffff, 0, -1, FLAT_DATA | (3 << 5));
  cpu.regs[ESP] = cpu.regs[ECX];
  cpu.eip = cpu.regs[EDX];
  cpu.updateMode();
});
