// VMX controls: bit names (SDM Vol.3 24.6, 24.7.1, 24.8.1), the IA32_VMX_* capability MSRs this
// i686-class CPU reports (SDM Vol.3 Appendix A), and the VM-entry checks on the controls
// (SDM Vol.3 26.2.1.1-26.2.1.3).
//
// The CPU has no Intel 64 support, so IA32_VMX_BASIC[48] = 1 (32-bit physical addresses for the
// VMXON region, VMCS and the structures they reference), "host address-space size" and "IA-32e
// mode guest" are allowed-0 only, and CR8 exiting is not offered.

import { CR4_DE, CR4_PAE, CR4_PCE, CR4_PGE, CR4_PSE, CR4_PVI, CR4_TSD, CR4_VME, CR4_VMXE, CR4_OSFXSR } from "../cpu/constants.js";
import { F, VMCS_HIGHEST_INDEX } from "./vmcs-fields.js";
import type { Vmcs } from "./vmcs.js";
import { VMXERR_ENTRY_INVALID_CONTROL_FIELD } from "./vmcs.js";
import { eptpValid } from "./ept.js";
import { INTR_INFO_DELIVER_CODE, INTR_INFO_RESERVED_ENTRY, INTR_INFO_VALID, INTR_TYPE_HARD_EXCEPTION, INTR_TYPE_NMI, INTR_TYPE_OTHER_EVENT, INTR_TYPE_PRIV_SW_EXCEPTION, INTR_TYPE_SOFT_EXCEPTION, INTR_TYPE_SOFT_INTR } from "./exit-qualification.js";

// ---- Pin-based VM-execution controls (SDM Vol.3 24.6.1, Table 24-5) ----
export const PIN_EXT_INTR_EXITING = 1 << 0;
export const PIN_NMI_EXITING = 1 << 3;
export const PIN_VIRTUAL_NMIS = 1 << 5;
export const PIN_PREEMPTION_TIMER = 1 << 6;
export const PIN_POSTED_INTR = 1 << 7;
/** Bits 1, 2, 4: reserved, default 1 (Appendix A.3.1). */
export const PIN_DEFAULT1 = 0x00000016;

// ---- Primary processor-based VM-execution controls (SDM Vol.3 24.6.2, Table 24-6) ----
export const CPU_INTR_WINDOW_EXITING = 1 << 2;
export const CPU_USE_TSC_OFFSETTING = 1 << 3;
export const CPU_HLT_EXITING = 1 << 7;
export const CPU_INVLPG_EXITING = 1 << 9;
export const CPU_MWAIT_EXITING = 1 << 10;
export const CPU_RDPMC_EXITING = 1 << 11;
export const CPU_RDTSC_EXITING = 1 << 12;
export const CPU_CR3_LOAD_EXITING = 1 << 15;
export const CPU_CR3_STORE_EXITING = 1 << 16;
export const CPU_CR8_LOAD_EXITING = 1 << 19;
export const CPU_CR8_STORE_EXITING = 1 << 20;
export const CPU_TPR_SHADOW = 1 << 21;
export const CPU_NMI_WINDOW_EXITING = 1 << 22;
export const CPU_MOV_DR_EXITING = 1 << 23;
export const CPU_UNCOND_IO_EXITING = 1 << 24;
export const CPU_USE_IO_BITMAPS = 1 << 25;
export const CPU_MONITOR_TRAP_FLAG = 1 << 27;
export const CPU_USE_MSR_BITMAPS = 1 << 28;
export const CPU_MONITOR_EXITING = 1 << 29;
export const CPU_PAUSE_EXITING = 1 << 30;
export const CPU_ACTIVATE_SECONDARY_CONTROLS = 1 << 31;
/** Bits 1, 4-6, 8, 13-16, 26: default 1 (Appendix A.3.2). */
export const CPU_DEFAULT1 = 0x0401e172;

// ---- Secondary processor-based VM-execution controls (SDM Vol.3 24.6.2, Table 24-7) ----
export const SEC_VIRTUALIZE_APIC_ACCESSES = 1 << 0;
export const SEC_ENABLE_EPT = 1 << 1;
export const SEC_DESC_TABLE_EXITING = 1 << 2;
export const SEC_ENABLE_RDTSCP = 1 << 3;
export const SEC_VIRTUALIZE_X2APIC_MODE = 1 << 4;
export const SEC_ENABLE_VPID = 1 << 5;
export const SEC_WBINVD_EXITING = 1 << 6;
export const SEC_UNRESTRICTED_GUEST = 1 << 7;
export const SEC_APIC_REGISTER_VIRT = 1 << 8;
export const SEC_VIRTUAL_INTR_DELIVERY = 1 << 9;
export const SEC_PAUSE_LOOP_EXITING = 1 << 10;
export const SEC_RDRAND_EXITING = 1 << 11;
export const SEC_ENABLE_INVPCID = 1 << 12;
export const SEC_ENABLE_VMFUNC = 1 << 13;
export const SEC_VMCS_SHADOWING = 1 << 14;
export const SEC_RDSEED_EXITING = 1 << 16;
export const SEC_ENABLE_PML = 1 << 17;
export const SEC_EPT_VIOLATION_VE = 1 << 18;
export const SEC_XSAVES = 1 << 20;

// ---- VM-exit controls (SDM Vol.3 24.7.1, Table 24-11) ----
export const EXIT_SAVE_DEBUG_CONTROLS = 1 << 2;
export const EXIT_HOST_ADDR_SPACE_SIZE = 1 << 9;
export const EXIT_LOAD_PERF_GLOBAL_CTRL = 1 << 12;
export const EXIT_ACK_INTR_ON_EXIT = 1 << 15;
export const EXIT_SAVE_IA32_PAT = 1 << 18;
export const EXIT_LOAD_IA32_PAT = 1 << 19;
export const EXIT_SAVE_IA32_EFER = 1 << 20;
export const EXIT_LOAD_IA32_EFER = 1 << 21;
export const EXIT_SAVE_PREEMPTION_TIMER = 1 << 22;
/** Bits 0-8, 10, 11, 13, 14, 16, 17: default 1 (Appendix A.4). */
export const EXIT_DEFAULT1 = 0x00036dff;

// ---- VM-entry controls (SDM Vol.3 24.8.1, Table 24-12) ----
export const ENTRY_LOAD_DEBUG_CONTROLS = 1 << 2;
export const ENTRY_IA32E_MODE = 1 << 9;
export const ENTRY_SMM = 1 << 10;
export const ENTRY_DEACT_DUAL_MONITOR = 1 << 11;
export const ENTRY_LOAD_PERF_GLOBAL_CTRL = 1 << 13;
export const ENTRY_LOAD_IA32_PAT = 1 << 14;
export const ENTRY_LOAD_IA32_EFER = 1 << 15;
/** Bits 0-8, 12: default 1 (Appendix A.5). */
export const ENTRY_DEFAULT1 = 0x000011ff;

// ---- Capability MSRs (SDM Vol.3 Appendix A; MSR numbers from Vol.4) ----
export const MSR_IA32_VMX_BASIC = 0x480;
export const MSR_IA32_VMX_PINBASED_CTLS = 0x481;
export const MSR_IA32_VMX_PROCBASED_CTLS = 0x482;
export const MSR_IA32_VMX_EXIT_CTLS = 0x483;
export const MSR_IA32_VMX_ENTRY_CTLS = 0x484;
export const MSR_IA32_VMX_MISC = 0x485;
export const MSR_IA32_VMX_CR0_FIXED0 = 0x486;
export const MSR_IA32_VMX_CR0_FIXED1 = 0x487;
export const MSR_IA32_VMX_CR4_FIXED0 = 0x488;
export const MSR_IA32_VMX_CR4_FIXED1 = 0x489;
export const MSR_IA32_VMX_VMCS_ENUM = 0x48a;
export const MSR_IA32_VMX_PROCBASED_CTLS2 = 0x48b;
export const MSR_IA32_VMX_EPT_VPID_CAP = 0x48c;
export const MSR_IA32_VMX_TRUE_PINBASED_CTLS = 0x48d;
export const MSR_IA32_VMX_TRUE_PROCBASED_CTLS = 0x48e;
export const MSR_IA32_VMX_TRUE_EXIT_CTLS = 0x48f;
export const MSR_IA32_VMX_TRUE_ENTRY_CTLS = 0x490;

/** VMCS revision identifier reported in IA32_VMX_BASIC[30:0] ("xr"). */
export const VMCS_REVISION_ID = 0x7872;
/** Physical-address width (CPUID has no leaf 0x80000008; a PAE P6 has 36 address bits). */
export const MAXPHYADDR = 36;

// IA32_VMX_BASIC (Appendix A.1): [30:0] revision, [44:32] region size, [48] 32-bit addresses,
// [53:50] memory type (6 = WB), [54] INS/OUTS instruction info, [55] TRUE_* MSRs exist.
export const VMX_BASIC_LO = VMCS_REVISION_ID;
export const VMX_BASIC_HI = 4096 | (1 << (48 - 32)) | (6 << (50 - 32)) | (1 << (55 - 32));

// IA32_VMX_MISC (Appendix A.6): [4:0] preemption-timer rate (timer not offered), [8:6] activity
// states (bit 6 HLT), [24:16] CR3-target count, [27:25] MSR-list size 512*(N+1), [29] VMWRITE to
// exit-information fields (0), [63:32] MSEG revision.
export const VMX_MISC_CR3_TARGETS = 4;
export const VMX_MISC_LO = (1 << 6) | (VMX_MISC_CR3_TARGETS << 16);
export const VMX_MISC_HI = 0;

// IA32_VMX_EPT_VPID_CAP (Appendix A.10): [0] execute-only (no), [6] 4-level walk, [8] UC, [14] WB,
// [16] 2 MiB pages, [17] 1 GiB pages, [20] INVEPT, [21] EPT A/D, [25] single-context INVEPT,
// [26] all-context INVEPT; [32] INVVPID, [40] individual-address, [41] single-context,
// [42] all-context, [43] single-context-retaining-globals INVVPID.
export const EPT_CAP_EXECUTE_ONLY = 1 << 0;
export const EPT_CAP_PWL4 = 1 << 6;
export const EPT_CAP_UC = 1 << 8;
export const EPT_CAP_WB = 1 << 14;
export const EPT_CAP_2M = 1 << 16;
export const EPT_CAP_1G = 1 << 17;
export const EPT_CAP_INVEPT = 1 << 20;
export const EPT_CAP_AD = 1 << 21;
export const EPT_CAP_INVEPT_SINGLE = 1 << 25;
export const EPT_CAP_INVEPT_ALL = 1 << 26;
export const VMX_EPT_VPID_CAP_LO = EPT_CAP_PWL4 | EPT_CAP_UC | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_1G | EPT_CAP_INVEPT |
  EPT_CAP_AD | EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL;
export const VMX_EPT_VPID_CAP_HI = (1 << 0) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11);

/** IA32_VMX_VMCS_ENUM (Appendix A.9): bits 9:1 = highest index of any supported encoding. */
export const VMX_VMCS_ENUM_LO = VMCS_HIGHEST_INDEX << 1;

/** Controls this implementation can run (allowed-1 settings). */
const PIN_ALLOWED1 = PIN_DEFAULT1 | PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS;
const CPU_ALLOWED1 = CPU_DEFAULT1 | CPU_INTR_WINDOW_EXITING | CPU_USE_TSC_OFFSETTING | CPU_HLT_EXITING |
  CPU_INVLPG_EXITING | CPU_MWAIT_EXITING | CPU_RDPMC_EXITING | CPU_RDTSC_EXITING | CPU_NMI_WINDOW_EXITING |
  CPU_MOV_DR_EXITING | CPU_UNCOND_IO_EXITING | CPU_USE_IO_BITMAPS | CPU_MONITOR_TRAP_FLAG | CPU_USE_MSR_BITMAPS |
  CPU_MONITOR_EXITING | CPU_PAUSE_EXITING | CPU_ACTIVATE_SECONDARY_CONTROLS;
const SEC_ALLOWED1 = SEC_ENABLE_EPT | SEC_DESC_TABLE_EXITING | SEC_ENABLE_VPID | SEC_WBINVD_EXITING | SEC_UNRESTRICTED_GUEST;
const EXIT_ALLOWED1 = EXIT_DEFAULT1 | EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT;
const ENTRY_ALLOWED1 = ENTRY_DEFAULT1 | ENTRY_LOAD_IA32_PAT;

// TRUE_* (Appendix A.3-A.5): of the default1 controls, CR3-load/store exiting, save debug
// controls (exit) and load debug controls (entry) may be 0.
const TRUE_CPU_DEFAULT1 = CPU_DEFAULT1 & ~(CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING);
const TRUE_EXIT_DEFAULT1 = EXIT_DEFAULT1 & ~EXIT_SAVE_DEBUG_CONTROLS;
const TRUE_ENTRY_DEFAULT1 = ENTRY_DEFAULT1 & ~ENTRY_LOAD_DEBUG_CONTROLS;

/** CR4 bits the default i686 model supports (CPUID.1:EDX VME, DE, TSC, PSE, PAE, PGE, FXSR; PCE always; VMXE). */
export const CR4_SUPPORTED_DEFAULT = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_VMXE;

/** One capability MSR as EDX:EAX. For *_CTLS MSRs lo = allowed-0 settings (must-be-1 bits), hi = allowed-1. */
export interface MsrValue { lo: number; hi: number }

/**
 * Value of IA32_VMX_* capability MSR `msr` (0x480-0x490) for a CPU whose CR4 accepts
 * `cr4Supported`, or undefined for any other MSR (SDM Vol.3 Appendix A).
 */
export function vmxCapabilityMsr(msr: number, cr4Supported = CR4_SUPPORTED_DEFAULT): MsrValue | undefined {
  switch (msr) {
    case MSR_IA32_VMX_BASIC: return { lo: VMX_BASIC_LO, hi: VMX_BASIC_HI };
    case MSR_IA32_VMX_PINBASED_CTLS: return { lo: PIN_DEFAULT1, hi: PIN_ALLOWED1 };
    case MSR_IA32_VMX_PROCBASED_CTLS: return { lo: CPU_DEFAULT1, hi: CPU_ALLOWED1 };
    case MSR_IA32_VMX_EXIT_CTLS: return { lo: EXIT_DEFAULT1, hi: EXIT_ALLOWED1 };
    case MSR_IA32_VMX_ENTRY_CTLS: return { lo: ENTRY_DEFAULT1, hi: ENTRY_ALLOWED1 };
    case MSR_IA32_VMX_MISC: return { lo: VMX_MISC_LO, hi: VMX_MISC_HI };
    // CR0: PE, NE, PG fixed to 1 (Appendix A.7); unrestricted guest exempts PE/PG for guests.
    case MSR_IA32_VMX_CR0_FIXED0: return { lo: 0x80000021 | 0, hi: 0 };
    case MSR_IA32_VMX_CR0_FIXED1: return { lo: -1, hi: 0 };
    case MSR_IA32_VMX_CR4_FIXED0: return { lo: CR4_VMXE, hi: 0 };
    case MSR_IA32_VMX_CR4_FIXED1: return { lo: cr4Supported | CR4_VMXE, hi: 0 };
    case MSR_IA32_VMX_VMCS_ENUM: return { lo: VMX_VMCS_ENUM_LO, hi: 0 };
    case MSR_IA32_VMX_PROCBASED_CTLS2: return { lo: 0, hi: SEC_ALLOWED1 };
    case MSR_IA32_VMX_EPT_VPID_CAP: return { lo: VMX_EPT_VPID_CAP_LO, hi: VMX_EPT_VPID_CAP_HI };
    case MSR_IA32_VMX_TRUE_PINBASED_CTLS: return { lo: PIN_DEFAULT1, hi: PIN_ALLOWED1 };
    case MSR_IA32_VMX_TRUE_PROCBASED_CTLS: return { lo: TRUE_CPU_DEFAULT1, hi: CPU_ALLOWED1 };
    case MSR_IA32_VMX_TRUE_EXIT_CTLS: return { lo: TRUE_EXIT_DEFAULT1, hi: EXIT_ALLOWED1 };
    case MSR_IA32_VMX_TRUE_ENTRY_CTLS: return { lo: TRUE_ENTRY_DEFAULT1, hi: ENTRY_ALLOWED1 };
    default: return undefined;
  }
}


/** A control word is allowed when every must-be-1 bit (`allowed0`) is set and every set bit may be 1. */
function allowed(ctl: number, allowed0: number, allowed1: number): boolean {
  return (ctl & allowed0) === allowed0 && (ctl & ~allowed1) === 0;
}

/** A physical address field is 4 KiB aligned and within MAXPHYADDR (here also 32 bits: BASIC[48]). */
function pageAddrOk(v: Vmcs, enc: number): boolean {
  return (v.get(enc) & 0xfff) === 0 && v.getHigh(enc) === 0;
}
/** MSR-area addresses: 16-byte aligned, the last byte of the `count`-entry area below 4 GiB. */
function msrAreaOk(v: Vmcs, enc: number, count: number): boolean {
  if (count === 0) return true;
  const a = v.get(enc) >>> 0;
  return (a & 0xf) === 0 && v.getHigh(enc) === 0 && a + count * 16 - 1 <= 0xffffffff;
}

/**
 * VM-entry checks on VM-execution, VM-exit and VM-entry control fields (SDM Vol.3 26.2.1.1-26.2.1.3),
 * against the TRUE_* capability MSRs (IA32_VMX_BASIC[55] = 1).
 * Returns 0 or VMXERR_ENTRY_INVALID_CONTROL_FIELD.
 */
export function checkVmxControls(v: Vmcs): number {
  const BAD = VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  const pin = v.get(F.PIN_BASED_VM_EXEC_CONTROL), cpu = v.get(F.CPU_BASED_VM_EXEC_CONTROL);
  // 26.2.1.1 VM-execution control fields
  if (!allowed(pin, PIN_DEFAULT1, PIN_ALLOWED1)) return BAD;
  if (!allowed(cpu, TRUE_CPU_DEFAULT1, CPU_ALLOWED1)) return BAD;
  const sec = (cpu & CPU_ACTIVATE_SECONDARY_CONTROLS) !== 0 ? v.get(F.SECONDARY_VM_EXEC_CONTROL) : 0;
  if (!allowed(sec, 0, SEC_ALLOWED1)) return BAD;
  if ((v.get(F.CR3_TARGET_COUNT) >>> 0) > VMX_MISC_CR3_TARGETS) return BAD;
  if ((cpu & CPU_USE_IO_BITMAPS) && (!pageAddrOk(v, F.IO_BITMAP_A) || !pageAddrOk(v, F.IO_BITMAP_B))) return BAD;
  if ((cpu & CPU_USE_MSR_BITMAPS) && !pageAddrOk(v, F.MSR_BITMAP)) return BAD;
  // (TPR shadow, APIC virtualization and posted interrupts are allowed-0, so their checks cannot apply.)
  if ((pin & PIN_NMI_EXITING) === 0 && (pin & PIN_VIRTUAL_NMIS) !== 0) return BAD;
  if ((pin & PIN_VIRTUAL_NMIS) === 0 && (cpu & CPU_NMI_WINDOW_EXITING) !== 0) return BAD;
  if ((sec & SEC_ENABLE_VPID) && (v.get(F.VIRTUAL_PROCESSOR_ID) & 0xffff) === 0) return BAD;
  if ((sec & SEC_ENABLE_EPT) && !eptpValid(v.get(F.EPT_POINTER), v.getHigh(F.EPT_POINTER))) return BAD;
  if ((sec & SEC_UNRESTRICTED_GUEST) && (sec & SEC_ENABLE_EPT) === 0) return BAD;

  // 26.2.1.2 VM-exit control fields
  const exit = v.get(F.VM_EXIT_CONTROLS);
  if (!allowed(exit, TRUE_EXIT_DEFAULT1, EXIT_ALLOWED1)) return BAD;
  if (!msrAreaOk(v, F.VM_EXIT_MSR_STORE_ADDR, v.get(F.VM_EXIT_MSR_STORE_COUNT) >>> 0)) return BAD;
  if (!msrAreaOk(v, F.VM_EXIT_MSR_LOAD_ADDR, v.get(F.VM_EXIT_MSR_LOAD_COUNT) >>> 0)) return BAD;

  // 26.2.1.3 VM-entry control fields
  const entry = v.get(F.VM_ENTRY_CONTROLS);
  if (!allowed(entry, TRUE_ENTRY_DEFAULT1, ENTRY_ALLOWED1)) return BAD;
  // An injected hardware exception carries an error code only in protected mode (unrestricted guests may enter real mode).
  const pe = (sec & SEC_UNRESTRICTED_GUEST) === 0 || (v.get(F.GUEST_CR0) & 1) !== 0;
  if (!entryEventOk(v, pe)) return BAD;
  if (!msrAreaOk(v, F.VM_ENTRY_MSR_LOAD_ADDR, v.get(F.VM_ENTRY_MSR_LOAD_COUNT) >>> 0)) return BAD;
  return 0;
}

/** 26.2.1.3: the VM-entry interruption-information field, error code and instruction length. */
function entryEventOk(v: Vmcs, peForErrorCode: boolean): boolean {
  const info = v.get(F.VM_ENTRY_INTR_INFO_FIELD);
  if ((info & INTR_INFO_VALID) === 0) return true;
  const vector = info & 0xff, type = (info >>> 8) & 7;
  if (type === 1) return false;                                          // reserved on every CPU
  // Type 7 (other event) exists because the monitor trap flag is supported: vector 0 only.
  if (type === INTR_TYPE_OTHER_EVENT && vector !== 0) return false;
  if (type === INTR_TYPE_NMI && vector !== 2) return false;
  if (type === INTR_TYPE_HARD_EXCEPTION && vector > 31) return false;
  const deliver = (info & INTR_INFO_DELIVER_CODE) !== 0;
  const wantsCode = peForErrorCode && type === INTR_TYPE_HARD_EXCEPTION &&
    (vector === 8 || (vector >= 10 && vector <= 14) || vector === 17);
  if (deliver !== wantsCode) return false;
  if ((info & INTR_INFO_RESERVED_ENTRY) !== 0) return false;
  if (deliver && (v.get(F.VM_ENTRY_EXCEPTION_ERROR_CODE) & 0xffff8000) !== 0) return false;
  if (type === INTR_TYPE_SOFT_INTR || type === INTR_TYPE_PRIV_SW_EXCEPTION || type === INTR_TYPE_SOFT_EXCEPTION) {
    const len = v.get(F.VM_ENTRY_INSTRUCTION_LEN) >>> 0;
    if (len < 1 || len > 15) return false;                               // IA32_VMX_MISC[30] = 0
  }
  return true;
}
