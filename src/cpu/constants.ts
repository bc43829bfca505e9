// Architectural names and numbers, spelled as in the Intel SDM.

// General registers by encoding index (SDM Vol.2 Table 2-1).
export const enum Reg {
  EAX = 0,
  ECX = 1,
  EDX = 2,
  EBX = 3,
  ESP = 4,
  EBP = 5,
  ESI = 6,
  EDI = 7,
}
export const enum Seg {
  ES = 0,
  CS = 1,
  SS = 2,
  DS = 3,
  FS = 4,
  GS = 5,
  LDTR = 6,
  TR = 7,
}
export const enum Eflags {
  CF = 1 << 0,
  FIXED1 = 1 << 1,
  PF = 1 << 2,
  AF = 1 << 4,
  ZF = 1 << 6,
  SF = 1 << 7,
  TF = 1 << 8,
  IF = 1 << 9,
  DF = 1 << 10,
  OF = 1 << 11,
  IOPL = 3 << 12,
  NT = 1 << 14,
  RF = 1 << 16,
  VM = 1 << 17,
  AC = 1 << 18,
  VIF = 1 << 19,
  VIP = 1 << 20,
  ID = 1 << 21,
  ARITH = Eflags.CF | Eflags.PF | Eflags.AF | Eflags.ZF | Eflags.SF | Eflags.OF,
  WRITABLE = Eflags.ARITH | Eflags.TF | Eflags.IF | Eflags.DF | Eflags.IOPL | Eflags.NT |
  Eflags.RF | Eflags.VM | Eflags.AC | Eflags.VIF | Eflags.VIP | Eflags.ID,
}
export const enum Exc {
  DE = 0,
  DB = 1,
  NMI = 2,
  BP = 3,
  OF = 4,
  BR = 5,
  UD = 6,
  NM = 7,
  DF = 8,
  TS = 10,
  NP = 11,
  SS = 12,
  GP = 13,
  PF = 14,
  MF = 16,
  AC = 17,
  MC = 18,
  XM = 19,
}
export const enum Cr0 {
  PE = 1 << 0,
  MP = 1 << 1,
  EM = 1 << 2,
  TS = 1 << 3,
  ET = 1 << 4,
  NE = 1 << 5,
  WP = 1 << 16,
  AM = 1 << 18,
  NW = 1 << 29,
  CD = 1 << 30,
  PG = 1 << 31,
}
export const enum Cr4 {
  VME = 1 << 0,
  PVI = 1 << 1,
  TSD = 1 << 2,
  DE = 1 << 3,
  PSE = 1 << 4,
  PAE = 1 << 5,
  MCE = 1 << 6,
  PGE = 1 << 7,
  PCE = 1 << 8,
  OSFXSR = 1 << 9,
  OSXMMEXCPT = 1 << 10,
  VMXE = 1 << 13,
}
export const enum Pte {
  P = 1 << 0,
  RW = 1 << 1,
  US = 1 << 2,
  PWT = 1 << 3,
  PCD = 1 << 4,
  A = 1 << 5,
  D = 1 << 6,
  PS = 1 << 7,
  G = 1 << 8,
}
export const enum Pfec {
  P = 1,
  W = 2,
  U = 4,
  RSVD = 8,
  I = 16,
}
export const enum Desc {
  A = 1 << 0, // accessed (code/data)
  RW = 1 << 1, // readable code / writable data
  DC = 1 << 2, // conforming code / expand-down data
  CODE = 1 << 3,
  S = 1 << 4, // code/data (1) vs system (0)
  DPL_SHIFT = 5,
  P = 1 << 7,
  AVL = 1 << 12,
  DB = 1 << 14,
  G = 1 << 15,
  UNUSABLE = 1 << 16,
}
export const enum SysType {
  TSS16_AVAIL = 1,
  LDT = 2,
  TSS16_BUSY = 3,
  CALLGATE16 = 4,
  TASKGATE = 5,
  INTGATE16 = 6,
  TRAPGATE16 = 7,
  TSS32_AVAIL = 9,
  TSS32_BUSY = 11,
  CALLGATE32 = 12,
  INTGATE32 = 14,
  TRAPGATE32 = 15,
}
export const enum Msr {
  IA32_TSC = 0x10,
  IA32_APIC_BASE = 0x1b,
  IA32_FEATURE_CONTROL = 0x3a,
  IA32_SYSENTER_CS = 0x174,
  IA32_SYSENTER_ESP = 0x175,
  IA32_SYSENTER_EIP = 0x176,
  IA32_PAT = 0x277,
  IA32_MISC_ENABLE = 0x1a0,
}
// Plain-name aliases kept while older code migrates: imported numbers are NOT inlined by
// V8 (they cost a load and a hole check each), so new code uses the enum members above.
/** @deprecated use Reg.EAX */
export const EAX = Reg.EAX;
/** @deprecated use Reg.ECX */
export const ECX = Reg.ECX;
/** @deprecated use Reg.EDX */
export const EDX = Reg.EDX;
/** @deprecated use Reg.EBX */
export const EBX = Reg.EBX;
/** @deprecated use Reg.ESP */
export const ESP = Reg.ESP;
/** @deprecated use Reg.EBP */
export const EBP = Reg.EBP;
/** @deprecated use Reg.ESI */
export const ESI = Reg.ESI;
/** @deprecated use Reg.EDI */
export const EDI = Reg.EDI;
/** @deprecated use Seg.ES */
export const ES = Seg.ES;
/** @deprecated use Seg.CS */
export const CS = Seg.CS;
/** @deprecated use Seg.SS */
export const SS = Seg.SS;
/** @deprecated use Seg.DS */
export const DS = Seg.DS;
/** @deprecated use Seg.FS */
export const FS = Seg.FS;
/** @deprecated use Seg.GS */
export const GS = Seg.GS;
/** @deprecated use Seg.LDTR */
export const LDTR = Seg.LDTR;
/** @deprecated use Seg.TR */
export const TR = Seg.TR;
/** @deprecated use Eflags.CF */
export const EFLAGS_CF = Eflags.CF;
/** @deprecated use Eflags.FIXED1 */
export const EFLAGS_FIXED1 = Eflags.FIXED1;
/** @deprecated use Eflags.PF */
export const EFLAGS_PF = Eflags.PF;
/** @deprecated use Eflags.AF */
export const EFLAGS_AF = Eflags.AF;
/** @deprecated use Eflags.ZF */
export const EFLAGS_ZF = Eflags.ZF;
/** @deprecated use Eflags.SF */
export const EFLAGS_SF = Eflags.SF;
/** @deprecated use Eflags.TF */
export const EFLAGS_TF = Eflags.TF;
/** @deprecated use Eflags.IF */
export const EFLAGS_IF = Eflags.IF;
/** @deprecated use Eflags.DF */
export const EFLAGS_DF = Eflags.DF;
/** @deprecated use Eflags.OF */
export const EFLAGS_OF = Eflags.OF;
/** @deprecated use Eflags.IOPL */
export const EFLAGS_IOPL = Eflags.IOPL;
/** @deprecated use Eflags.NT */
export const EFLAGS_NT = Eflags.NT;
/** @deprecated use Eflags.RF */
export const EFLAGS_RF = Eflags.RF;
/** @deprecated use Eflags.VM */
export const EFLAGS_VM = Eflags.VM;
/** @deprecated use Eflags.AC */
export const EFLAGS_AC = Eflags.AC;
/** @deprecated use Eflags.VIF */
export const EFLAGS_VIF = Eflags.VIF;
/** @deprecated use Eflags.VIP */
export const EFLAGS_VIP = Eflags.VIP;
/** @deprecated use Eflags.ID */
export const EFLAGS_ID = Eflags.ID;
/** @deprecated use Eflags.ARITH */
export const EFLAGS_ARITH = Eflags.ARITH;
/** @deprecated use Eflags.WRITABLE */
export const EFLAGS_WRITABLE = Eflags.WRITABLE;
/** @deprecated use Exc.DE */
export const EXC_DE = Exc.DE;
/** @deprecated use Exc.DB */
export const EXC_DB = Exc.DB;
/** @deprecated use Exc.NMI */
export const EXC_NMI = Exc.NMI;
/** @deprecated use Exc.BP */
export const EXC_BP = Exc.BP;
/** @deprecated use Exc.OF */
export const EXC_OF = Exc.OF;
/** @deprecated use Exc.BR */
export const EXC_BR = Exc.BR;
/** @deprecated use Exc.UD */
export const EXC_UD = Exc.UD;
/** @deprecated use Exc.NM */
export const EXC_NM = Exc.NM;
/** @deprecated use Exc.DF */
export const EXC_DF = Exc.DF;
/** @deprecated use Exc.TS */
export const EXC_TS = Exc.TS;
/** @deprecated use Exc.NP */
export const EXC_NP = Exc.NP;
/** @deprecated use Exc.SS */
export const EXC_SS = Exc.SS;
/** @deprecated use Exc.GP */
export const EXC_GP = Exc.GP;
/** @deprecated use Exc.PF */
export const EXC_PF = Exc.PF;
/** @deprecated use Exc.MF */
export const EXC_MF = Exc.MF;
/** @deprecated use Exc.AC */
export const EXC_AC = Exc.AC;
/** @deprecated use Exc.MC */
export const EXC_MC = Exc.MC;
/** @deprecated use Exc.XM */
export const EXC_XM = Exc.XM;
/** @deprecated use Cr0.PE */
export const CR0_PE = Cr0.PE;
/** @deprecated use Cr0.MP */
export const CR0_MP = Cr0.MP;
/** @deprecated use Cr0.EM */
export const CR0_EM = Cr0.EM;
/** @deprecated use Cr0.TS */
export const CR0_TS = Cr0.TS;
/** @deprecated use Cr0.ET */
export const CR0_ET = Cr0.ET;
/** @deprecated use Cr0.NE */
export const CR0_NE = Cr0.NE;
/** @deprecated use Cr0.WP */
export const CR0_WP = Cr0.WP;
/** @deprecated use Cr0.AM */
export const CR0_AM = Cr0.AM;
/** @deprecated use Cr0.NW */
export const CR0_NW = Cr0.NW;
/** @deprecated use Cr0.CD */
export const CR0_CD = Cr0.CD;
/** @deprecated use Cr0.PG */
export const CR0_PG = Cr0.PG;
/** @deprecated use Cr4.VME */
export const CR4_VME = Cr4.VME;
/** @deprecated use Cr4.PVI */
export const CR4_PVI = Cr4.PVI;
/** @deprecated use Cr4.TSD */
export const CR4_TSD = Cr4.TSD;
/** @deprecated use Cr4.DE */
export const CR4_DE = Cr4.DE;
/** @deprecated use Cr4.PSE */
export const CR4_PSE = Cr4.PSE;
/** @deprecated use Cr4.PAE */
export const CR4_PAE = Cr4.PAE;
/** @deprecated use Cr4.MCE */
export const CR4_MCE = Cr4.MCE;
/** @deprecated use Cr4.PGE */
export const CR4_PGE = Cr4.PGE;
/** @deprecated use Cr4.PCE */
export const CR4_PCE = Cr4.PCE;
/** @deprecated use Cr4.OSFXSR */
export const CR4_OSFXSR = Cr4.OSFXSR;
/** @deprecated use Cr4.OSXMMEXCPT */
export const CR4_OSXMMEXCPT = Cr4.OSXMMEXCPT;
/** @deprecated use Cr4.VMXE */
export const CR4_VMXE = Cr4.VMXE;
/** @deprecated use Pte.P */
export const PTE_P = Pte.P;
/** @deprecated use Pte.RW */
export const PTE_RW = Pte.RW;
/** @deprecated use Pte.US */
export const PTE_US = Pte.US;
/** @deprecated use Pte.PWT */
export const PTE_PWT = Pte.PWT;
/** @deprecated use Pte.PCD */
export const PTE_PCD = Pte.PCD;
/** @deprecated use Pte.A */
export const PTE_A = Pte.A;
/** @deprecated use Pte.D */
export const PTE_D = Pte.D;
/** @deprecated use Pte.PS */
export const PTE_PS = Pte.PS;
/** @deprecated use Pte.G */
export const PTE_G = Pte.G;
/** @deprecated use Pfec.P */
export const PFEC_P = Pfec.P;
/** @deprecated use Pfec.W */
export const PFEC_W = Pfec.W;
/** @deprecated use Pfec.U */
export const PFEC_U = Pfec.U;
/** @deprecated use Pfec.RSVD */
export const PFEC_RSVD = Pfec.RSVD;
/** @deprecated use Pfec.I */
export const PFEC_I = Pfec.I;
/** @deprecated use Desc.A */
export const DESC_A = Desc.A;
/** @deprecated use Desc.RW */
export const DESC_RW = Desc.RW;
/** @deprecated use Desc.DC */
export const DESC_DC = Desc.DC;
/** @deprecated use Desc.CODE */
export const DESC_CODE = Desc.CODE;
/** @deprecated use Desc.S */
export const DESC_S = Desc.S;
/** @deprecated use Desc.DPL_SHIFT */
export const DESC_DPL_SHIFT = Desc.DPL_SHIFT;
/** @deprecated use Desc.P */
export const DESC_P = Desc.P;
/** @deprecated use Desc.AVL */
export const DESC_AVL = Desc.AVL;
/** @deprecated use Desc.DB */
export const DESC_DB = Desc.DB;
/** @deprecated use Desc.G */
export const DESC_G = Desc.G;
/** @deprecated use Desc.UNUSABLE */
export const DESC_UNUSABLE = Desc.UNUSABLE;
/** @deprecated use SysType.TSS16_AVAIL */
export const SYS_TSS16_AVAIL = SysType.TSS16_AVAIL;
/** @deprecated use SysType.LDT */
export const SYS_LDT = SysType.LDT;
/** @deprecated use SysType.TSS16_BUSY */
export const SYS_TSS16_BUSY = SysType.TSS16_BUSY;
/** @deprecated use SysType.CALLGATE16 */
export const SYS_CALLGATE16 = SysType.CALLGATE16;
/** @deprecated use SysType.TASKGATE */
export const SYS_TASKGATE = SysType.TASKGATE;
/** @deprecated use SysType.INTGATE16 */
export const SYS_INTGATE16 = SysType.INTGATE16;
/** @deprecated use SysType.TRAPGATE16 */
export const SYS_TRAPGATE16 = SysType.TRAPGATE16;
/** @deprecated use SysType.TSS32_AVAIL */
export const SYS_TSS32_AVAIL = SysType.TSS32_AVAIL;
/** @deprecated use SysType.TSS32_BUSY */
export const SYS_TSS32_BUSY = SysType.TSS32_BUSY;
/** @deprecated use SysType.CALLGATE32 */
export const SYS_CALLGATE32 = SysType.CALLGATE32;
/** @deprecated use SysType.INTGATE32 */
export const SYS_INTGATE32 = SysType.INTGATE32;
/** @deprecated use SysType.TRAPGATE32 */
export const SYS_TRAPGATE32 = SysType.TRAPGATE32;
/** @deprecated use Msr.IA32_TSC */
export const MSR_IA32_TSC = Msr.IA32_TSC;
/** @deprecated use Msr.IA32_APIC_BASE */
export const MSR_IA32_APIC_BASE = Msr.IA32_APIC_BASE;
/** @deprecated use Msr.IA32_FEATURE_CONTROL */
export const MSR_IA32_FEATURE_CONTROL = Msr.IA32_FEATURE_CONTROL;
/** @deprecated use Msr.IA32_SYSENTER_CS */
export const MSR_IA32_SYSENTER_CS = Msr.IA32_SYSENTER_CS;
/** @deprecated use Msr.IA32_SYSENTER_ESP */
export const MSR_IA32_SYSENTER_ESP = Msr.IA32_SYSENTER_ESP;
/** @deprecated use Msr.IA32_SYSENTER_EIP */
export const MSR_IA32_SYSENTER_EIP = Msr.IA32_SYSENTER_EIP;
/** @deprecated use Msr.IA32_PAT */
export const MSR_IA32_PAT = Msr.IA32_PAT;
/** @deprecated use Msr.IA32_MISC_ENABLE */
export const MSR_IA32_MISC_ENABLE = Msr.IA32_MISC_ENABLE;
export const REG32_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
export const REG16_NAMES = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
export const REG8_NAMES = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];

// Segment registers by encoding index.
export const SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs"];
/** Pseudo segment slots in the descriptor cache arrays, after the six segment registers. */

// EFLAGS bits (SDM Vol.1 3.4.3).
/** The six arithmetic status flags. */
/** Bits software can ever change on an i686 (VIF/VIP only via CR4.VME/PVI paths). */

// Exception vectors (SDM Vol.3 Table 6-1).
export const EXC_NAMES: Record<number, string> = {
  0: "#DE", 1: "#DB", 2: "NMI", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM", 8: "#DF",
  10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP", 14: "#PF", 16: "#MF", 17: "#AC", 18: "#MC", 19: "#XM",
};
/** Exceptions that push an error code (SDM Vol.3 6.13). */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17;
}

// CR0 bits (SDM Vol.3 2.5).
// CR4 bits.

// Page-table entry bits (SDM Vol.3 4.3, 32-bit paging).
// #PF error code bits.

// Descriptor access-byte bits (SDM Vol.3 3.4.5).
// In the descriptor-cache attribute word the flags nibble sits in bits 12..15 (as in VMX access rights).
/** VMX-style "segment unusable" bit in the attribute word (SDM Vol.3 24.4.1). */

// System descriptor types (S=0).

// MSRs the core itself owns (SDM Vol.4).
