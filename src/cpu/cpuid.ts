// The CPUID model: one table of leaves, chosen per machine (design.md §6).
// Default: an i686-class Intel family 6 CPU (Pentium II-like) with FPU, VME, DE, TSC, MSR, PAE, CX8,
// SEP, MTRR, CMOV, PSE, PGE, PAT, FXSR, APIC (when the machine has one) and VMX (when nested VMX is enabled).

import type { Cpu } from "./cpu.js";

/** CPUID.1:EDX feature bits (SDM Vol.2 Table 3-11). */
export const CPUID_FPU = 1 << 0, CPUID_VME = 1 << 1, CPUID_DE = 1 << 2, CPUID_PSE = 1 << 3, CPUID_TSC = 1 << 4,
  CPUID_MSR = 1 << 5, CPUID_PAE = 1 << 6, CPUID_MCE = 1 << 7, CPUID_CX8 = 1 << 8, CPUID_APIC = 1 << 9,
  CPUID_SEP = 1 << 11, CPUID_MTRR = 1 << 12, CPUID_PGE = 1 << 13, CPUID_MCA = 1 << 14, CPUID_CMOV = 1 << 15,
  CPUID_PAT = 1 << 16, CPUID_PSE36 = 1 << 17, CPUID_FXSR = 1 << 24, CPUID_SSE = 1 << 25;
/** CPUID.1:ECX feature bits. */
export const CPUID_ECX_VMX = 1 << 5;

export interface CpuidLeaf { eax: number; ebx: number; ecx: number; edx: number }

export interface CpuModel {
  /** Leaf number → answer. Leaves above the highest basic leaf answer as the highest (SDM). */
  leaves: Map<number, CpuidLeaf>;
}

function vendor(s: string): [number, number, number] {
  const w = (i: number) => s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
  return [w(0), w(4), w(8)];
}

/** CPUID.1:EDX of the default i686 model without APIC. */
export const CPUID_DEFAULT_EDX1 = CPUID_FPU | CPUID_VME | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_PAE | CPUID_CX8 |
  CPUID_SEP | CPUID_MTRR | CPUID_PGE | CPUID_CMOV | CPUID_PAT | CPUID_FXSR;
export const CPUID_DEFAULT_ECX1 = 0;

export function i686Model(opts: { apic?: boolean; vmx?: boolean } = {}): CpuModel {
  const [b, d, c] = vendor("GenuineIntel");
  let edx = CPUID_DEFAULT_EDX1;
  if (opts.apic) edx |= CPUID_APIC;
  const leaves = new Map<number, CpuidLeaf>();
  leaves.set(0, { eax: 2, ebx: b, ecx: c, edx: d });
  // Family 6, model 6 (Pentium II "Mendocino"-class), stepping 3.
  leaves.set(1, { eax: 0x0663, ebx: 0, ecx: opts.vmx ? CPUID_ECX_VMX : 0, edx });
  // Leaf 2: cache descriptors (0x01 instruction TLB, 0x02 ... as a Pentium II reports 0x03020101).
  leaves.set(2, { eax: 0x03020101, ebx: 0, ecx: 0, edx: 0x0c040843 });
  leaves.set(0x80000000, { eax: 0x80000000, ebx: 0, ecx: 0, edx: 0 });
  return { leaves };
}

/** Answers CPUID for `leaf` from `model`; an out-of-range basic leaf answers as the highest one. */
export function cpuidLookup(model: CpuModel, leaf: number): CpuidLeaf {
  const l = leaf >>> 0;
  const hit = model.leaves.get(l);
  if (hit) return hit;
  if (l >= 0x80000000) {
    const max = model.leaves.get(0x80000000)!.eax >>> 0;
    if (l <= max) return { eax: 0, ebx: 0, ecx: 0, edx: 0 };
  }
  return model.leaves.get(model.leaves.get(0)!.eax)!;
}

/**
 * Tells the core which features the model advertises (CPUID.1 EDX/ECX): they decide which CR4
 * bits can be set and which MSRs exist. The machine calls this when it installs a model.
 */
export function applyCpuModel(cpu: Cpu, model: CpuModel): void {
  const l = cpuidLookup(model, 1);
  cpu.cpuidEdx1 = l.edx;
  cpu.cpuidEcx1 = l.ecx;
}
