// Named CPU models and the `--cpu` feature list: which CPUID the guest sees (vendor, family/model/
// stepping in leaf 1 EAX, feature bits in leaf 1 EDX/ECX). Only features this core implements can
// be named; turning one off also gates the instructions and CR4 bits behind it (cr4Allowed in
// ops/control-regs.ts, and the #UD checks listed in docs/architecture.md).
//
// Spec grammar: comma-separated items, e.g. "pentium", "+pse,-pge,-sep", "pentium2,-apic,vendor=AuthenticAMD":
//   MODEL            start from a named model (only as the first item; default i686)
//   +FEATURE/-FEATURE turn a leaf 1 feature bit on/off
//   vendor=STRING    12-character vendor string; family=N, model=N, stepping=N set leaf 1 EAX

import {
  CPUID_APIC, CPUID_CMOV, CPUID_CX8, CPUID_DE, CPUID_ECX_VMX, CPUID_FPU, CPUID_FXSR, CPUID_MCA, CPUID_MCE, CPUID_MSR,
  CPUID_MTRR, CPUID_PAE, CPUID_PAT, CPUID_PGE, CPUID_PSE, CPUID_PSE36, CPUID_SEP, CPUID_TSC, CPUID_VME, i686Model, type CpuModel,
} from "./cpuid.js";

/** A user's --cpu string that names something unknown or malformed. */
export class CpuSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CpuSpecError";
  }
}

/** Leaf 1 feature names (SDM Vol.2 CPUID, Tables 3-10/3-11 mnemonics, lowercase) → register and bit. */
export const CPU_FEATURES: ReadonlyMap<string, { reg: "edx" | "ecx"; bit: number }> = new Map([
  ["fpu", { reg: "edx", bit: CPUID_FPU }], ["vme", { reg: "edx", bit: CPUID_VME }], ["de", { reg: "edx", bit: CPUID_DE }],
  ["pse", { reg: "edx", bit: CPUID_PSE }], ["tsc", { reg: "edx", bit: CPUID_TSC }], ["msr", { reg: "edx", bit: CPUID_MSR }],
  ["pae", { reg: "edx", bit: CPUID_PAE }], ["mce", { reg: "edx", bit: CPUID_MCE }], ["cx8", { reg: "edx", bit: CPUID_CX8 }],
  ["apic", { reg: "edx", bit: CPUID_APIC }], ["sep", { reg: "edx", bit: CPUID_SEP }], ["mtrr", { reg: "edx", bit: CPUID_MTRR }],
  ["pge", { reg: "edx", bit: CPUID_PGE }], ["mca", { reg: "edx", bit: CPUID_MCA }], ["cmov", { reg: "edx", bit: CPUID_CMOV }],
  ["pat", { reg: "edx", bit: CPUID_PAT }], ["pse36", { reg: "edx", bit: CPUID_PSE36 }], ["fxsr", { reg: "edx", bit: CPUID_FXSR }],
  ["vmx", { reg: "ecx", bit: CPUID_ECX_VMX }],
] as const);

interface NamedModel {
  family: number;
  model: number;
  stepping: number;
  edx: number;
}

// Feature sets as those parts report them in CPUID.1:EDX, limited to features this core implements.
const P5 = CPUID_FPU | CPUID_VME | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_MCE | CPUID_CX8;
const P6 = P5 | CPUID_PAE | CPUID_APIC | CPUID_MTRR | CPUID_PGE | CPUID_MCA | CPUID_CMOV;
const I686 = i686Model({ apic: true }).leaves.get(1)!;

/** Named models: `--cpu NAME`. */
export const CPU_MODELS: ReadonlyMap<string, NamedModel> = new Map([
  ["486", { family: 4, model: 8, stepping: 0, edx: CPUID_FPU | CPUID_VME }],
  ["pentium", { family: 5, model: 2, stepping: 0xc, edx: P5 }],
  ["pentiumpro", { family: 6, model: 1, stepping: 9, edx: P6 }],
  ["pentium2", { family: 6, model: 5, stepping: 2, edx: P6 | CPUID_SEP | CPUID_FXSR }],
  ["i686", { family: (I686.eax >> 8) & 0xf, model: (I686.eax >> 4) & 0xf, stepping: I686.eax & 0xf, edx: I686.edx }],
] as const);

/** The CPU model a --cpu spec describes (undefined or "" = the default i686). Throws CpuSpecError. */
export function cpuModelFromSpec(spec: string | undefined, opts: { vmx?: boolean } = {}): CpuModel {
  const items = (spec ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  let named = CPU_MODELS.get("i686")!;
  if (items.length > 0 && /^[a-z0-9]+$/i.test(items[0]) && !CPU_FEATURES.has(items[0].toLowerCase())) {
    const m = CPU_MODELS.get(items[0].toLowerCase());
    if (!m) throw new CpuSpecError(`unknown CPU model "${items[0]}"; models: ${[...CPU_MODELS.keys()].join(", ")}`);
    named = m;
    items.shift();
  }
  let { family, model, stepping } = named;
  let edx = named.edx, ecx = opts.vmx ? CPUID_ECX_VMX : 0;
  let vendorName = "GenuineIntel";
  for (const item of items) {
    const kv = /^(vendor|family|model|stepping)=(.*)$/i.exec(item);
    if (kv) {
      const key = kv[1].toLowerCase(), v = kv[2];
      if (key === "vendor") {
        if (!/^[\x20-\x7e]{12}$/.test(v)) throw new CpuSpecError(`vendor must be 12 printable characters (e.g. GenuineIntel), got "${v}"`);
        vendorName = v;
        continue;
      }
      const n = Number(v), max = 15;
      if (!Number.isInteger(n) || n < 0 || n > max) throw new CpuSpecError(`${key} must be a whole number 0-${max}, got "${v}"`);
      if (key === "family") family = n; else if (key === "model") model = n; else stepping = n;
      continue;
    }
    const f = /^([+-])([a-z0-9]+)$/i.exec(item);
    const feat = f ? CPU_FEATURES.get(f[2].toLowerCase()) : undefined;
    if (!f || !feat) {
      throw new CpuSpecError(`unknown CPU feature "${item}"; use +NAME or -NAME with one of: ${[...CPU_FEATURES.keys()].join(", ")}` +
        `; a model (first item): ${[...CPU_MODELS.keys()].join(", ")}; or vendor=, family=, model=, stepping=`);
    }
    if (feat.reg === "edx") edx = f[1] === "+" ? edx | feat.bit : edx & ~feat.bit;
    else ecx = f[1] === "+" ? ecx | feat.bit : ecx & ~feat.bit;
  }
  const base = i686Model({ apic: (edx & CPUID_APIC) !== 0, vmx: (ecx & CPUID_ECX_VMX) !== 0 });
  const v = vendorWords(vendorName);
  base.leaves.set(0, { ...base.leaves.get(0)!, ebx: v[0], edx: v[1], ecx: v[2] });
  base.leaves.set(1, { eax: (family << 8) | (model << 4) | stepping, ebx: 0, ecx, edx });
  return base;
}

/** The vendor string as CPUID.0 returns it: EBX, EDX, ECX hold bytes 0-3, 4-7, 8-11. */
function vendorWords(s: string): [number, number, number] {
  const w = (i: number) => s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
  return [w(0), w(4), w(8)];
}

/** Whether the model advertises a local APIC (the machine then has LAPIC + IO-APIC). */
export function modelHasApic(m: CpuModel): boolean {
  return (m.leaves.get(1)!.edx & CPUID_APIC) !== 0;
}
