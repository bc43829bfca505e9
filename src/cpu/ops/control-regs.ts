// Control and debug registers: MOV to/from CR0 CR2 CR3 CR4 and DR0-DR7, CLTS, INVLPG,
// INVD/WBINVD (SDM Vol.2 MOV—Move to/from Control/Debug Registers; Vol.3 2.5, 4.10.4, 17.2).

import type { Cpu } from "../cpu.js";
import {
  CR0_AM, CR0_CD, CR0_EM, CR0_ET, CR0_MP, CR0_NE, CR0_NW, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_DE, CR4_MCE,
  CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_PAE, CR4_PCE, CR4_PGE, CR4_PSE, CR4_PVI, CR4_TSD, CR4_VME, CR4_VMXE,
  EXC_DB, EXC_GP, EXC_UD,
} from "../constants.js";
import {
  CPUID_DE, CPUID_ECX_VMX, CPUID_FXSR, CPUID_MCE, CPUID_PAE, CPUID_PGE, CPUID_PSE, CPUID_SSE, CPUID_TSC, CPUID_VME,
} from "../cpuid.js";
import { D_MODRM, eaOffset, eaSeg } from "../decoder.js";
import { raise } from "../fault.js";
import { loadPdptes } from "../pae.js";
import { DR6_BD, DR7_GD, noteDebugException, updateDebugState, writeDr6, writeDr7 } from "../system/debug.js";
import { defineOp } from "./registry.js";

/** CR0 bits software can write; ET is fixed at 1 on P6 and later, other bits are reserved (writes ignored). */
const CR0_WRITABLE = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;

function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) raise(EXC_GP, 0);
}

/**
 * MOV to CR0 (also the path for LMSW and VMX): #GP(0) for PG without PE or NW without CD;
 * flushes the TLB when PG, WP or PE change; re-derives the mode.
 */
export function writeCr0(cpu: Cpu, v: number): void {
  const nv = (v & CR0_WRITABLE) | CR0_ET;
  if ((nv & CR0_PG) !== 0 && (nv & CR0_PE) === 0) raise(EXC_GP, 0);
  if ((nv & CR0_NW) !== 0 && (nv & CR0_CD) === 0) raise(EXC_GP, 0);
  const changed = cpu.cr0 ^ nv;
  // Entering PAE paging, or changing CD/NW/PG under it, reloads the PDPTEs (SDM Vol.3 4.4.1).
  if ((nv & CR0_PG) !== 0 && (cpu.cr4 & CR4_PAE) !== 0 && (changed & (CR0_PG | CR0_CD | CR0_NW)) !== 0) loadPdptes(cpu, cpu.cr3);
  cpu.cr0 = nv;
  if ((changed & (CR0_PG | CR0_WP | CR0_PE)) !== 0) cpu.flushTlb(false);
  cpu.updateMode();
  cpu.poke();
}

/** CR4 bits this CPU model lets software set (each needs its CPUID feature). */
export function cr4Allowed(cpu: Cpu): number {
  const e = cpu.cpuidEdx1, c = cpu.cpuidEcx1;
  let m = CR4_PCE;
  if (e & CPUID_VME) m |= CR4_VME | CR4_PVI;
  if (e & CPUID_TSC) m |= CR4_TSD;
  if (e & CPUID_DE) m |= CR4_DE;
  if (e & CPUID_PSE) m |= CR4_PSE;
  if (e & CPUID_PAE) m |= CR4_PAE;
  if (e & CPUID_MCE) m |= CR4_MCE;
  if (e & CPUID_PGE) m |= CR4_PGE;
  if (e & CPUID_FXSR) m |= CR4_OSFXSR;
  if (e & CPUID_SSE) m |= CR4_OSXMMEXCPT;
  if (c & CPUID_ECX_VMX) m |= CR4_VMXE;
  return m;
}

/** MOV to CR4: #GP(0) for a bit the model does not support; paging-mode bits flush the TLB. */
export function writeCr4(cpu: Cpu, v: number): void {
  const bad = v & ~cr4Allowed(cpu);
  if (bad !== 0) raise(EXC_GP, 0);
  const changed = cpu.cr4 ^ v;
  if ((cpu.cr0 & CR0_PG) !== 0 && (v & CR4_PAE) !== 0 && (changed & (CR4_PAE | CR4_PGE | CR4_PSE)) !== 0) loadPdptes(cpu, cpu.cr3);
  cpu.cr4 = v;
  if ((changed & (CR4_PSE | CR4_PGE | CR4_PAE)) !== 0) cpu.flushTlb(false);
  if ((changed & CR4_DE) !== 0) updateDebugState(cpu);
  cpu.poke();
}

/** MOV to CR3: drops every non-global translation (SDM Vol.3 4.10.4.1); under PAE paging loads the PDPTEs. */
export function writeCr3(cpu: Cpu, v: number): void {
  if ((cpu.cr0 & CR0_PG) !== 0 && (cpu.cr4 & CR4_PAE) !== 0) loadPdptes(cpu, v);
  cpu.cr3 = v;
  cpu.flushTlb(true);
}

// ---- 0F 20 mov Rd,Cd / 0F 22 mov Cd,Rd: modrm.reg is the CR, modrm.rm the register (mod ignored) ----

function crNumberValid(n: number): boolean {
  return n === 0 || n === 2 || n === 3 || n === 4;
}

defineOp("op_0f_20", (cpu: Cpu, d: number) => {
  const m = cpu.dec[d + D_MODRM], n = (m >> 3) & 7;
  if (!crNumberValid(n)) raise(EXC_UD);
  requireCpl0(cpu);
  cpu.regs[m & 7] = n === 0 ? cpu.cr0 : n === 2 ? cpu.cr2 : n === 3 ? cpu.cr3 : cpu.cr4;
});

defineOp("op_0f_22", (cpu: Cpu, d: number) => {
  const m = cpu.dec[d + D_MODRM], n = (m >> 3) & 7;
  if (!crNumberValid(n)) raise(EXC_UD);
  requireCpl0(cpu);
  const v = cpu.regs[m & 7];
  switch (n) {
    case 0: writeCr0(cpu, v); break;
    case 2: cpu.cr2 = v; break;
    case 3: writeCr3(cpu, v); break;
    default: writeCr4(cpu, v); break;
  }
});

// ---- 0F 21 mov Rd,Dd / 0F 23 mov Dd,Rd ----

/**
 * Common checks: DR7.GD → #DB fault with DR6.BD (GD cleared for the handler); DR4/DR5 with
 * CR4.DE → #UD; CPL > 0 → #GP(0). Returns the register number with DR4/DR5 aliased to DR6/DR7.
 */
function debugRegister(cpu: Cpu, n: number): number {
  if ((cpu.dr[7] & DR7_GD) !== 0) {
    noteDebugException(cpu, 0, DR6_BD);
    raise(EXC_DB);
  }
  if (n === 4 || n === 5) {
    if ((cpu.cr4 & CR4_DE) !== 0) raise(EXC_UD);
    n += 2;
  }
  requireCpl0(cpu);
  return n;
}

defineOp("op_0f_21", (cpu: Cpu, d: number) => {
  const m = cpu.dec[d + D_MODRM];
  const n = debugRegister(cpu, (m >> 3) & 7);
  cpu.regs[m & 7] = cpu.dr[n];
});

defineOp("op_0f_23", (cpu: Cpu, d: number) => {
  const m = cpu.dec[d + D_MODRM];
  const n = debugRegister(cpu, (m >> 3) & 7);
  const v = cpu.regs[m & 7];
  if (n === 6) writeDr6(cpu, v);
  else if (n === 7) writeDr7(cpu, v);
  else { cpu.dr[n] = v; updateDebugState(cpu); }
});

// ---- 0F 06 CLTS, 0F 01 /7 INVLPG, 0F 08 INVD, 0F 09 WBINVD ----

defineOp("op_0f_06", (cpu: Cpu) => {
  requireCpl0(cpu);
  cpu.cr0 &= ~CR0_TS;
});

defineOp("op_0f_01_7_mem", (cpu: Cpu, d: number) => {
  requireCpl0(cpu);
  // The operand's linear address; no segment-limit or paging check (SDM Vol.2 INVLPG).
  const lin = (cpu.segBase[eaSeg(cpu, d)] + eaOffset(cpu, d)) | 0;
  cpu.tlb.invalidate(lin >>> 12);
  cpu.fetchHost = -1;
});

// Caches are not modelled: only the privilege check is architectural.
defineOp("op_0f_08", (cpu: Cpu) => requireCpl0(cpu));
defineOp("op_0f_09", (cpu: Cpu) => requireCpl0(cpu));
