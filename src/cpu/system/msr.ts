// Model-specific registers the core owns (SDM Vol.4 Table 2-2 and 2.16 for the P6 family), and
// RDMSR/WRMSR dispatch: core MSRs here, everything else to the host (the VMM's MSR file).
// Values cross this module as two int32 halves in cpu.regs[EDX]:cpu.regs[EAX].

import type { Cpu } from "../cpu.js";
import { Exc, Msr, Reg } from "../constants.js";
import { raise } from "../fault.js";

// MTRRs (SDM Vol.3 12.11).
export const MSR_MTRRCAP = 0xfe;
export const MSR_MTRR_PHYSBASE0 = 0x200;
export const MSR_MTRR_DEF_TYPE = 0x2ff;
/** The eleven fixed-range MTRRs in IA32_MTRR_FIX* order: 64K_00000, 16K_80000, 16K_A0000, 4K_C0000 .. 4K_F8000. */
export const MSR_MTRR_FIXED = [0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f];
export const MTRR_VARIABLE_COUNT = 8;

/**
 * IA32_MTRRCAP as a P6-family CPU reports it: VCNT = 8 variable ranges (bits 0-7),
 * FIX (bit 8) fixed ranges supported, WC (bit 10) write-combining supported.
 */
export const MTRRCAP_VALUE = 8 | (1 << 8) | (1 << 10);

/** IA32_FEATURE_CONTROL bits (SDM Vol.4 Table 2-2, MSR 3AH). */
export const FEATURE_CONTROL_LOCK = 1 << 0, FEATURE_CONTROL_VMX_OUTSIDE_SMX = 1 << 2;

/**
 * IA32_MISC_ENABLE at reset: fast strings enabled (bit 0), branch trace storage unavailable
 * (bit 11) and PEBS unavailable (bit 12), as a CPU without those facilities reports them.
 */
export const MISC_ENABLE_RESET = (1 << 0) | (1 << 11) | (1 << 12);
const MISC_ENABLE_READONLY = (1 << 11) | (1 << 12);

/** Physical-address width the MTRR base/mask fields cover (P6: 36 bits, so 4 bits in the high half). */
const MTRR_HI_MASK = 0xf;

/** The MSR state the core keeps that has no architectural home in Cpu itself. */
export class MsrFile {
  /** Variable-range MTRRs: PhysBase n at [2n], PhysMask n at [2n+1]; low and high halves. */
  readonly varLo = new Int32Array(2 * MTRR_VARIABLE_COUNT);
  readonly varHi = new Int32Array(2 * MTRR_VARIABLE_COUNT);
  /** Fixed-range MTRRs in MSR_MTRR_FIXED order. */
  readonly fixedLo = new Int32Array(11);
  readonly fixedHi = new Int32Array(11);
  defType = 0;
  miscEnableLo = MISC_ENABLE_RESET;
  miscEnableHi = 0;

  reset(): void {
    this.varLo.fill(0); this.varHi.fill(0);
    this.fixedLo.fill(0); this.fixedHi.fill(0);
    this.defType = 0;
    this.miscEnableLo = MISC_ENABLE_RESET;
    this.miscEnableHi = 0;
  }
}

/** MTRR memory types (SDM Vol.3 Table 12-8): UC WC WT WP WB. */
function validMtrrType(t: number): boolean {
  return t === 0 || t === 1 || t === 4 || t === 5 || t === 6;
}
/** PAT memory types (SDM Vol.3 Table 12-10): the MTRR types plus UC- (7). */
function validPatType(t: number): boolean {
  return validMtrrType(t) || t === 7;
}
function eachByte(lo: number, hi: number, ok: (t: number) => boolean): boolean {
  for (let i = 0; i < 32; i += 8) {
    if (!ok((lo >>> i) & 0xff) || !ok((hi >>> i) & 0xff)) return false;
  }
  return true;
}

const TWO32 = 4294967296;

/** The guest-visible time-stamp counter (64 bits as a double; see writeTsc for the range). */
export function readTsc(cpu: Cpu): number {
  return cpu.host.rdtsc(cpu) + cpu.tscOffset;
}

/** Puts the TSC value into EDX:EAX, modulo 2^64. */
export function tscToEdxEax(cpu: Cpu, t: number): void {
  const hi = Math.floor(t / TWO32);
  cpu.regs[Reg.EAX] = (t - hi * TWO32) | 0;
  cpu.regs[Reg.EDX] = hi | 0;
}

/**
 * WRMSR IA32_TSC: the counter continues from hi:lo. The high half is taken as signed, so values
 * near 2^64 (small negative offsets) stay exact; only |value| >= 2^53 as a signed 64-bit
 * number loses low bits.
 */
export function writeTsc(cpu: Cpu, lo: number, hi: number): void {
  cpu.tscOffset = (hi | 0) * TWO32 + (lo >>> 0) - cpu.host.rdtsc(cpu);
}

function fixedIndex(msr: number): number {
  return MSR_MTRR_FIXED.indexOf(msr);
}

/** Does the CPU model advertise VMX (CPUID.1:ECX.VMX)? */
function vmxAdvertised(cpu: Cpu): boolean {
  return (cpu.cpuidEcx1 & (1 << 5)) !== 0;
}

/**
 * RDMSR for `msr` into EDX:EAX. Core MSRs are answered here; others go to the host; an MSR
 * nobody knows raises #GP(0) and is reported once with its number.
 */
export function rdmsr(cpu: Cpu, msr: number): void {
  const m = cpu.msrs;
  let lo = 0, hi = 0;
  switch (msr) {
    case Msr.IA32_TSC: tscToEdxEax(cpu, readTsc(cpu)); return;
    case Msr.IA32_SYSENTER_CS: lo = cpu.sysenterCs; break;
    case Msr.IA32_SYSENTER_ESP: lo = cpu.sysenterEsp; break;
    case Msr.IA32_SYSENTER_EIP: lo = cpu.sysenterEip; break;
    case Msr.IA32_PAT: lo = cpu.patLo; hi = cpu.patHi; break;
    case Msr.IA32_MISC_ENABLE: lo = m.miscEnableLo; hi = m.miscEnableHi; break;
    case Msr.IA32_FEATURE_CONTROL:
      lo = FEATURE_CONTROL_LOCK | (vmxAdvertised(cpu) ? FEATURE_CONTROL_VMX_OUTSIDE_SMX : 0);
      break;
    case MSR_MTRRCAP: lo = MTRRCAP_VALUE; break;
    case MSR_MTRR_DEF_TYPE: lo = m.defType; break;
    case Msr.IA32_APIC_BASE: hostRead(cpu, msr); return;
    default: {
      if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * MTRR_VARIABLE_COUNT) {
        lo = m.varLo[msr - MSR_MTRR_PHYSBASE0]; hi = m.varHi[msr - MSR_MTRR_PHYSBASE0];
        break;
      }
      const f = fixedIndex(msr);
      if (f >= 0) { lo = m.fixedLo[f]; hi = m.fixedHi[f]; break; }
      hostRead(cpu, msr);
      return;
    }
  }
  cpu.regs[Reg.EAX] = lo;
  cpu.regs[Reg.EDX] = hi;
}

function hostRead(cpu: Cpu, msr: number): void {
  if (cpu.host.rdmsr(cpu, msr)) return;
  cpu.noteOnce(`rdmsr:${msr >>> 0}`, `RDMSR of unknown MSR 0x${(msr >>> 0).toString(16)}: raising #GP(0)`);
  raise(Exc.GP, 0);
}

function hostWrite(cpu: Cpu, msr: number): void {
  if (cpu.host.wrmsr(cpu, msr)) return;
  cpu.noteOnce(`wrmsr:${msr >>> 0}`, `WRMSR of unknown MSR 0x${(msr >>> 0).toString(16)} ` +
    `(value 0x${(cpu.regs[Reg.EDX] >>> 0).toString(16)}_${(cpu.regs[Reg.EAX] >>> 0).toString(16).padStart(8, "0")}): raising #GP(0)`);
  raise(Exc.GP, 0);
}

/**
 * WRMSR of EDX:EAX to `msr`. Writes that set reserved bits or invalid memory types raise
 * #GP(0) before changing anything.
 */
export function wrmsr(cpu: Cpu, msr: number): void {
  const m = cpu.msrs;
  const lo = cpu.regs[Reg.EAX], hi = cpu.regs[Reg.EDX];
  switch (msr) {
    case Msr.IA32_TSC: writeTsc(cpu, lo, hi); return;
    case Msr.IA32_SYSENTER_CS: cpu.sysenterCs = lo & 0xffff; return;
    case Msr.IA32_SYSENTER_ESP: cpu.sysenterEsp = lo; return;
    case Msr.IA32_SYSENTER_EIP: cpu.sysenterEip = lo; return;
    case Msr.IA32_PAT:
      // Each of the eight entries must name a valid type; bits 3-7 of each byte are reserved.
      if (!eachByte(lo, hi, validPatType)) raise(Exc.GP, 0);
      cpu.patLo = lo; cpu.patHi = hi;
      return;
    case Msr.IA32_MISC_ENABLE:
      m.miscEnableLo = (lo & ~MISC_ENABLE_READONLY) | (m.miscEnableLo & MISC_ENABLE_READONLY);
      m.miscEnableHi = hi;
      return;
    case Msr.IA32_FEATURE_CONTROL: return raise(Exc.GP, 0); // locked (SDM Vol.4 MSR 3AH)
    case MSR_MTRRCAP: return raise(Exc.GP, 0); // read-only
    case MSR_MTRR_DEF_TYPE:
      // bits 0-7 default type, 10 FE, 11 E; the rest reserved.
      if ((lo & ~0xcff) !== 0 || hi !== 0 || !validMtrrType(lo & 0xff)) raise(Exc.GP, 0);
      m.defType = lo;
      return;
    case Msr.IA32_APIC_BASE: hostWrite(cpu, msr); return;
    default: {
      if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * MTRR_VARIABLE_COUNT) {
        const i = msr - MSR_MTRR_PHYSBASE0;
        // PhysBase: type 0-7, base 12-35; PhysMask: valid bit 11, mask 12-35 (SDM Vol.3 12.11.2.3).
        const reservedLo = (i & 1) === 0 ? 0xf00 : 0x7ff;
        if ((lo & reservedLo) !== 0 || (hi & ~MTRR_HI_MASK) !== 0) raise(Exc.GP, 0);
        if ((i & 1) === 0 && !validMtrrType(lo & 0xff)) raise(Exc.GP, 0);
        m.varLo[i] = lo; m.varHi[i] = hi;
        return;
      }
      const f = fixedIndex(msr);
      if (f >= 0) {
        if (!eachByte(lo, hi, validMtrrType)) raise(Exc.GP, 0);
        m.fixedLo[f] = lo; m.fixedHi[f] = hi;
        return;
      }
      hostWrite(cpu, msr);
    }
  }
}
