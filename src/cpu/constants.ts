// Architectural names and numbers, spelled as in the Intel SDM.

// General registers by encoding index (SDM Vol.2 Table 2-1).
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
export const REG32_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
export const REG16_NAMES = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
export const REG8_NAMES = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];

// Segment registers by encoding index.
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
export const SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs"];
/** Pseudo segment slots in the descriptor cache arrays, after the six segment registers. */
export const LDTR = 6, TR = 7;

// EFLAGS bits (SDM Vol.1 3.4.3).
export const EFLAGS_CF = 1 << 0;
export const EFLAGS_FIXED1 = 1 << 1;
export const EFLAGS_PF = 1 << 2;
export const EFLAGS_AF = 1 << 4;
export const EFLAGS_ZF = 1 << 6;
export const EFLAGS_SF = 1 << 7;
export const EFLAGS_TF = 1 << 8;
export const EFLAGS_IF = 1 << 9;
export const EFLAGS_DF = 1 << 10;
export const EFLAGS_OF = 1 << 11;
export const EFLAGS_IOPL = 3 << 12;
export const EFLAGS_NT = 1 << 14;
export const EFLAGS_RF = 1 << 16;
export const EFLAGS_VM = 1 << 17;
export const EFLAGS_AC = 1 << 18;
export const EFLAGS_VIF = 1 << 19;
export const EFLAGS_VIP = 1 << 20;
export const EFLAGS_ID = 1 << 21;
/** The six arithmetic status flags. */
export const EFLAGS_ARITH = EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF;
/** Bits software can ever change on an i686 (VIF/VIP only via CR4.VME/PVI paths). */
export const EFLAGS_WRITABLE =
  EFLAGS_ARITH | EFLAGS_TF | EFLAGS_IF | EFLAGS_DF | EFLAGS_IOPL | EFLAGS_NT |
  EFLAGS_RF | EFLAGS_VM | EFLAGS_AC | EFLAGS_VIF | EFLAGS_VIP | EFLAGS_ID;

// Exception vectors (SDM Vol.3 Table 6-1).
export const EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
  EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13,
  EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19;
export const EXC_NAMES: Record<number, string> = {
  0: "#DE", 1: "#DB", 2: "NMI", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM", 8: "#DF",
  10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP", 14: "#PF", 16: "#MF", 17: "#AC", 18: "#MC", 19: "#XM",
};
/** Exceptions that push an error code (SDM Vol.3 6.13). */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17;
}

// CR0 bits (SDM Vol.3 2.5).
export const CR0_PE = 1 << 0, CR0_MP = 1 << 1, CR0_EM = 1 << 2, CR0_TS = 1 << 3, CR0_ET = 1 << 4,
  CR0_NE = 1 << 5, CR0_WP = 1 << 16, CR0_AM = 1 << 18, CR0_NW = 1 << 29, CR0_CD = 1 << 30, CR0_PG = 1 << 31;
// CR4 bits.
export const CR4_VME = 1 << 0, CR4_PVI = 1 << 1, CR4_TSD = 1 << 2, CR4_DE = 1 << 3, CR4_PSE = 1 << 4,
  CR4_PAE = 1 << 5, CR4_MCE = 1 << 6, CR4_PGE = 1 << 7, CR4_PCE = 1 << 8, CR4_OSFXSR = 1 << 9,
  CR4_OSXMMEXCPT = 1 << 10, CR4_VMXE = 1 << 13;

// Page-table entry bits (SDM Vol.3 4.3, 32-bit paging).
export const PTE_P = 1 << 0, PTE_RW = 1 << 1, PTE_US = 1 << 2, PTE_PWT = 1 << 3, PTE_PCD = 1 << 4,
  PTE_A = 1 << 5, PTE_D = 1 << 6, PTE_PS = 1 << 7, PTE_G = 1 << 8;
// #PF error code bits.
export const PFEC_P = 1, PFEC_W = 2, PFEC_U = 4, PFEC_RSVD = 8, PFEC_I = 16;

// Descriptor access-byte bits (SDM Vol.3 3.4.5).
export const DESC_A = 1 << 0;       // accessed (code/data)
export const DESC_RW = 1 << 1;      // readable code / writable data
export const DESC_DC = 1 << 2;      // conforming code / expand-down data
export const DESC_CODE = 1 << 3;
export const DESC_S = 1 << 4;       // code/data (1) vs system (0)
export const DESC_DPL_SHIFT = 5;
export const DESC_P = 1 << 7;
// In the descriptor-cache attribute word the flags nibble sits in bits 12..15 (as in VMX access rights).
export const DESC_AVL = 1 << 12, DESC_DB = 1 << 14, DESC_G = 1 << 15;
/** VMX-style "segment unusable" bit in the attribute word (SDM Vol.3 24.4.1). */
export const DESC_UNUSABLE = 1 << 16;

// System descriptor types (S=0).
export const SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALLGATE16 = 4, SYS_TASKGATE = 5,
  SYS_INTGATE16 = 6, SYS_TRAPGATE16 = 7, SYS_TSS32_AVAIL = 9, SYS_TSS32_BUSY = 11, SYS_CALLGATE32 = 12,
  SYS_INTGATE32 = 14, SYS_TRAPGATE32 = 15;

// MSRs the core itself owns (SDM Vol.4).
export const MSR_IA32_TSC = 0x10;
export const MSR_IA32_APIC_BASE = 0x1b;
export const MSR_IA32_FEATURE_CONTROL = 0x3a;
export const MSR_IA32_SYSENTER_CS = 0x174;
export const MSR_IA32_SYSENTER_ESP = 0x175;
export const MSR_IA32_SYSENTER_EIP = 0x176;
export const MSR_IA32_PAT = 0x277;
export const MSR_IA32_MISC_ENABLE = 0x1a0;
