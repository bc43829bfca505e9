// Control and debug registers: MOV to/from CR0 CR2 CR3 CR4 and DR0-DR7, CLTS, INVLPG,
// INVD/WBINVD (SDM Vol.2 MOV—Move to/from Control/Debug Registers; Vol.3 2.5, 4.10.4, 17.2).

import type { Cpu } from "../cpu.js";
import { Cr0, Cr4, Exc } from "../constants.js";
import { CPUID_DE, CPUID_ECX_VMX, CPUID_FXSR, CPUID_MCE, CPUID_PAE, CPUID_PGE, CPUID_PSE, CPUID_SSE, CPUID_TSC, CPUID_VME } from "../cpuid.js";
import { eaOffset, eaSeg, Rec } from "../decoder.js";
import { raise } from "../fault.js";
import { loadPdptes } from "../pae.js";
import { DR6_BD, DR7_GD, noteDebugException, updateDebugState, writeDr6, writeDr7 } from "../system/debug.js";
import { defineOp } from "./registry.js";

/** CR0 bits software can write; ET is fixed at 1 on P6 and later, other bits are reserved (writes ignored). */
const CR0_WRITABLE = Cr0.PE | Cr0.MP | Cr0.EM | Cr0.TS | Cr0.NE | Cr0.WP | Cr0.AM | Cr0.NW | Cr0.CD | Cr0.PG;

function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) raise(Exc.GP, 0);
}

/**
 * MOV to CR0 (also the path for LMSW and VMX): #GP(0) for PG without PE or NW without CD;
 * flushes the TLB when PG, WP or PE change; re-derives the mode.
 */
export function writeCr0(cpu: Cpu, v: number): void {
  const nv = (v & CR0_WRITABLE) | Cr0.ET;
  if ((nv & Cr0.PG) !== 0 && (nv & Cr0.PE) === 0) raise(Exc.GP, 0);
  if ((nv & Cr0.NW) !== 0 && (nv & Cr0.CD) === 0) raise(Exc.GP, 0);
  const changed = cpu.cr0 ^ nv;
  // Entering PAE paging, or changing CD/NW/PG under it, reloads the PDPTEs (SDM Vol.3 4.4.1).
  if ((nv & Cr0.PG) !== 0 && (cpu.cr4 & Cr4.PAE) !== 0 && (changed & (Cr0.PG | Cr0.CD | Cr0.NW)) !== 0) loadPdptes(cpu, cpu.cr3);
  cpu.cr0 = nv;
  if ((changed & (Cr0.PG | Cr0.WP | Cr0.PE)) !== 0) cpu.flushTlb(false);
  cpu.updateMode();
  cpu.poke();
}

/** CR4 bits this CPU model lets software set (each needs its CPUID feature). */
export function cr4Allowed(cpu: Cpu): number {
  const e = cpu.cpuidEdx1, c = cpu.cpuidEcx1;
  let m = Cr4.PCE;
  if (e & CPUID_VME) m |= Cr4.VME | Cr4.PVI;
  if (e & CPUID_TSC) m |= Cr4.TSD;
  if (e & CPUID_DE) m |= Cr4.DE;
  if (e & CPUID_PSE) m |= Cr4.PSE;
  if (e & CPUID_PAE) m |= Cr4.PAE;
  if (e & CPUID_MCE) m |= Cr4.MCE;
  if (e & CPUID_PGE) m |= Cr4.PGE;
  if (e & CPUID_FXSR) m |= Cr4.OSFXSR;
  if (e & CPUID_SSE) m |= Cr4.OSXMMEXCPT;
  if (c & CPUID_ECX_VMX) m |= Cr4.VMXE;
  return m;
}

/** MOV to CR4: #GP(0) for a bit the model does not support; paging-mode bits flush the TLB. */
export function writeCr4(cpu: Cpu, v: number): void {
  const bad = v & ~cr4Allowed(cpu);
  if (bad !== 0) raise(Exc.GP, 0);
  const changed = cpu.cr4 ^ v;
  if ((cpu.cr0 & Cr0.PG) !== 0 && (v & Cr4.PAE) !== 0 && (changed & (Cr4.PAE | Cr4.PGE | Cr4.PSE)) !== 0) loadPdptes(cpu, cpu.cr3);
  cpu.cr4 = v;
  if ((changed & (Cr4.PSE | Cr4.PGE | Cr4.PAE)) !== 0) cpu.flushTlb(false);
  if ((changed & Cr4.DE) !== 0) updateDebugState(cpu);
  cpu.poke();
}

/** MOV to CR3: drops every non-global translation (SDM Vol.3 4.10.4.1); under PAE paging loads the PDPTEs. */
export function writeCr3(cpu: Cpu, v: number): void {
  if ((cpu.cr0 & Cr0.PG) !== 0 && (cpu.cr4 & Cr4.PAE) !== 0) loadPdptes(cpu, v);
  cpu.cr3 = v;
  cpu.flushTlb(true);
}

// ---- 0F 20 mov Rd,Cd / 0F 22 mov Cd,Rd: modrm.reg is the CR, modrm.rm the register (mod ignored) ----

function crNumberValid(n: number): boolean {
  return n === 0 || n === 2 || n === 3 || n === 4;
}

defineOp("op_0f_20", (cpu: Cpu, d: number) => {
  const m = cpu.dec[d + Rec.MODRM], n = (m >> 3) & 7;
  if (!crNumberValid(n)) raise(Exc.UD);
  requireCpl0(cpu);
  cpu.regs[m & 7] = n === 0 ? cpu.cr0 : n === 2 ? cpu.cr2 : n === 3 ? cpu.cr3 : cpu.cr4;
});

defineOp("op_0f_22", (cpu: Cpu, d: number) => {
  const m = cpu.dec[d + Rec.MODRM], n = (m >> 3) & 7;
  if (!crNumberValid(n)) raise(Exc.UD);
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
    raise(Exc.DB);
  }
  if (n === 4 || n === 5) {
    if ((cpu.cr4 & Cr4.DE) !== 0) raise(Exc.UD);
    n += 2;
  }
  requireCpl0(cpu);
  return n;
}

defineOp("op_0f_21", (cpu: Cpu, d: number) => {
  const m = cpu.dec[d + Rec.MODRM];
  const n = debugRegister(cpu, (m >> 3) & 7);
  cpu.regs[m & 7] = cpu.dr[n];
});

defineOp("op_0f_23", (cpu: Cpu, d: number) => {
  const m = cpu.dec[d + Rec.MODRM];
  const n = debugRegister(cpu, (m >> 3) & 7);
  const v = cpu.regs[m & 7];
  if (n === 6) writeDr6(cpu, v);
  else if (n === 7) writeDr7(cpu, v);
  else { cpu.dr[n] = v; updateDebugState(cpu); }
});

// ---- 0F 06 CLTS, 0F 01 /7 INVLPG, 0F 08 INVD, 0F 09 WBINVD ----

defineOp("op_0f_06", (cpu: Cpu) => {
  requireCpl0(cpu);
  cpu.cr0 &= ~Cr0.TS;
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
