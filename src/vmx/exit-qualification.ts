// Exit qualifications and interruption-information words: encoders and decoders, laid out as
// the SDM tables give them. All functions are allocation-free int32 arithmetic.

// ---- I/O instructions (SDM Vol.3 27.2.1, Table 27-5) ----
//   bits 2:0   size of access: 0 = 1 byte, 1 = 2 bytes, 3 = 4 bytes
//   bit  3     direction: 0 = OUT, 1 = IN
//   bit  4     string instruction (INS/OUTS)
//   bit  5     REP prefixed
//   bit  6     operand encoding: 0 = DX, 1 = immediate
//   bits 15:7  reserved (0)
//   bits 31:16 port number
export const IO_QUAL_IN = 1 << 3, IO_QUAL_STRING = 1 << 4, IO_QUAL_REP = 1 << 5, IO_QUAL_IMMEDIATE = 1 << 6;

/** I/O-instruction qualification for an access of `size` bytes (1, 2 or 4) to `port`. */
export function ioQualification(size: number, isIn: boolean, isString: boolean, isRep: boolean, immediate: boolean, port: number): number {
  return ((size - 1) & 7) | (isIn ? IO_QUAL_IN : 0) | (isString ? IO_QUAL_STRING : 0) | (isRep ? IO_QUAL_REP : 0) |
    (immediate ? IO_QUAL_IMMEDIATE : 0) | ((port & 0xffff) << 16);
}
export function ioQualSize(q: number): number { return (q & 7) + 1; }
export function ioQualIsIn(q: number): boolean { return (q & IO_QUAL_IN) !== 0; }
export function ioQualIsString(q: number): boolean { return (q & IO_QUAL_STRING) !== 0; }
export function ioQualIsRep(q: number): boolean { return (q & IO_QUAL_REP) !== 0; }
export function ioQualIsImmediate(q: number): boolean { return (q & IO_QUAL_IMMEDIATE) !== 0; }
export function ioQualPort(q: number): number { return q >>> 16; }

// ---- Control-register accesses (SDM Vol.3 27.2.1, Table 27-3) ----
//   bits 3:0   control register (0 for CLTS and LMSW)
//   bits 5:4   access type: 0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW
//   bit  6     LMSW operand: 0 register, 1 memory
//   bits 11:8  MOV CR general-purpose register (0 EAX .. 7 EDI)
//   bits 31:16 LMSW source data
export const CR_ACCESS_MOV_TO_CR = 0, CR_ACCESS_MOV_FROM_CR = 1, CR_ACCESS_CLTS = 2, CR_ACCESS_LMSW = 3;
export const CR_QUAL_LMSW_MEMORY = 1 << 6;

/** MOV to/from CR`cr` with general-purpose register `gpr`. */
export function crMovQualification(cr: number, toCr: boolean, gpr: number): number {
  return (cr & 15) | ((toCr ? CR_ACCESS_MOV_TO_CR : CR_ACCESS_MOV_FROM_CR) << 4) | ((gpr & 15) << 8);
}
export function crCltsQualification(): number {
  return CR_ACCESS_CLTS << 4;
}
/** LMSW of `data` (16 bits) from a register or memory operand. */
export function crLmswQualification(data: number, memory: boolean): number {
  return (CR_ACCESS_LMSW << 4) | (memory ? CR_QUAL_LMSW_MEMORY : 0) | ((data & 0xffff) << 16);
}
export function crQualCr(q: number): number { return q & 15; }
export function crQualAccessType(q: number): number { return (q >>> 4) & 3; }
export function crQualLmswMemory(q: number): boolean { return (q & CR_QUAL_LMSW_MEMORY) !== 0; }
export function crQualGpr(q: number): number { return (q >>> 8) & 15; }
export function crQualLmswData(q: number): number { return q >>> 16; }

// ---- EPT violations (SDM Vol.3 27.2.1, Table 27-7) ----
//   bit 0  data read            bit 3  GPA readable   (AND of bit 0 of the EPT entries used)
//   bit 1  data write           bit 4  GPA writable   (AND of bit 1)
//   bit 2  instruction fetch    bit 5  GPA executable (AND of bit 2)
//   bit 7  guest-linear-address field valid
//   bit 8  (when bit 7) 1: access to the translation of a linear address; 0: to a paging-structure entry
//   bit 12 NMI unblocking due to IRET
export const EPT_QUAL_READ = 1 << 0, EPT_QUAL_WRITE = 1 << 1, EPT_QUAL_FETCH = 1 << 2;
export const EPT_QUAL_READABLE = 1 << 3, EPT_QUAL_WRITABLE = 1 << 4, EPT_QUAL_EXECUTABLE = 1 << 5;
export const EPT_QUAL_GLA_VALID = 1 << 7, EPT_QUAL_GLA_TRANSLATION = 1 << 8, EPT_QUAL_NMI_UNBLOCKING = 1 << 12;

/**
 * EPT-violation qualification. `accessBits` is EPT_QUAL_READ/WRITE/FETCH (or 1 << ACC_* from
 * src/cpu/memory.ts, which has the same bit order); `rwx` is the AND of bits 2:0 over the
 * entries used; `glaBits` is EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION or a subset.
 */
export function eptViolationQualification(accessBits: number, rwx: number, glaBits: number): number {
  return (accessBits & 7) | ((rwx & 7) << 3) | (glaBits & (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION | EPT_QUAL_NMI_UNBLOCKING));
}
export function eptQualAccess(q: number): number { return q & 7; }
export function eptQualPermissions(q: number): number { return (q >>> 3) & 7; }

// ---- Interruption information (SDM Vol.3 24.8.3 VM-entry, 24.9.2 VM-exit, 24.9.3 IDT-vectoring) ----
//   bits 7:0   vector
//   bits 10:8  type (INTR_TYPE_*)
//   bit  11    deliver error code (entry) / error code valid (exit, IDT-vectoring)
//   bit  12    NMI unblocking due to IRET (VM-exit interruption info only; reserved elsewhere)
//   bits 30:12 reserved in the VM-entry field (30:13 elsewhere)
//   bit  31    valid
export const INTR_TYPE_EXT_INTR = 0;
export const INTR_TYPE_NMI = 2;
export const INTR_TYPE_HARD_EXCEPTION = 3;
export const INTR_TYPE_SOFT_INTR = 4;
export const INTR_TYPE_PRIV_SW_EXCEPTION = 5;
export const INTR_TYPE_SOFT_EXCEPTION = 6;
export const INTR_TYPE_OTHER_EVENT = 7;
export const INTR_INFO_DELIVER_CODE = 1 << 11;
export const INTR_INFO_NMI_UNBLOCKING = 1 << 12;
export const INTR_INFO_VALID = 1 << 31;
/** Bits 30:12, reserved in the VM-entry interruption-information field. */
export const INTR_INFO_RESERVED_ENTRY = 0x7ffff000;

/** A valid interruption-information word. */
export function interruptionInfo(vector: number, type: number, errorCode: boolean, nmiUnblocking = false): number {
  return (vector & 0xff) | ((type & 7) << 8) | (errorCode ? INTR_INFO_DELIVER_CODE : 0) |
    (nmiUnblocking ? INTR_INFO_NMI_UNBLOCKING : 0) | INTR_INFO_VALID;
}
export function intrInfoVector(i: number): number { return i & 0xff; }
export function intrInfoType(i: number): number { return (i >>> 8) & 7; }
export function intrInfoHasErrorCode(i: number): boolean { return (i & INTR_INFO_DELIVER_CODE) !== 0; }
export function intrInfoNmiUnblocking(i: number): boolean { return (i & INTR_INFO_NMI_UNBLOCKING) !== 0; }
export function intrInfoValid(i: number): boolean { return (i & INTR_INFO_VALID) !== 0; }
