// VMCS field table: every field this implementation supports, with its SDM Vol.3 Appendix B
// encoding. Section numbers in src/vmx follow the SDM Vol.3C editions of 2016-2021 (order no.
// 326019-05x..-07x): later editions renumber the VMX chapters one higher (24.11.2 → 25.11.2).
//
// Field encoding (SDM Vol.3 24.11.2, Table 24-17):
//   bits 31:15  reserved, 0
//   bits 14:13  width: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural-width (32 bits on this i686 CPU)
//   bit  12     reserved, 0
//   bits 11:10  type: 0 control, 1 VM-exit information (read-only), 2 guest state, 3 host state
//   bits 9:1    index
//   bit  0      access type: 0 full, 1 high 32 bits of a 64-bit field

export const enum FieldWidth { W16 = 0, W64 = 1, W32 = 2, NATURAL = 3 }
export const enum FieldType { CONTROL = 0, EXIT_INFO = 1, GUEST = 2, HOST = 3 }

export interface VmcsFieldDef {
  /** Encoding (full access type). */
  readonly enc: number;
  /** SDM name in the KVM/Linux spelling (upper case, underscores). */
  readonly name: string;
  readonly width: FieldWidth;
  readonly type: FieldType;
}

/** Width and type as the encoding bits state them. */
export function encWidth(enc: number): FieldWidth { return (enc >>> 13) & 3; }
export function encType(enc: number): FieldType { return (enc >>> 10) & 3; }
export function encIndex(enc: number): number { return (enc >>> 1) & 0x1ff; }

const W16 = FieldWidth.W16, W64 = FieldWidth.W64, W32 = FieldWidth.W32, NAT = FieldWidth.NATURAL;
const CTL = FieldType.CONTROL, EXI = FieldType.EXIT_INFO, GST = FieldType.GUEST, HST = FieldType.HOST;

const f = (enc: number, name: string, width: FieldWidth, type: FieldType): VmcsFieldDef => ({ enc, name, width, type });

/** THE field table, in Appendix B order. The row index is the field's dense index in Vmcs storage. */
export const VMCS_FIELDS: readonly VmcsFieldDef[] = [
  // B.1.1 16-bit control fields
  f(0x0000, "VIRTUAL_PROCESSOR_ID", W16, CTL),
  // B.1.2 16-bit guest-state fields
  f(0x0800, "GUEST_ES_SELECTOR", W16, GST),
  f(0x0802, "GUEST_CS_SELECTOR", W16, GST),
  f(0x0804, "GUEST_SS_SELECTOR", W16, GST),
  f(0x0806, "GUEST_DS_SELECTOR", W16, GST),
  f(0x0808, "GUEST_FS_SELECTOR", W16, GST),
  f(0x080a, "GUEST_GS_SELECTOR", W16, GST),
  f(0x080c, "GUEST_LDTR_SELECTOR", W16, GST),
  f(0x080e, "GUEST_TR_SELECTOR", W16, GST),
  // B.1.3 16-bit host-state fields
  f(0x0c00, "HOST_ES_SELECTOR", W16, HST),
  f(0x0c02, "HOST_CS_SELECTOR", W16, HST),
  f(0x0c04, "HOST_SS_SELECTOR", W16, HST),
  f(0x0c06, "HOST_DS_SELECTOR", W16, HST),
  f(0x0c08, "HOST_FS_SELECTOR", W16, HST),
  f(0x0c0a, "HOST_GS_SELECTOR", W16, HST),
  f(0x0c0c, "HOST_TR_SELECTOR", W16, HST),
  // B.2.1 64-bit control fields
  f(0x2000, "IO_BITMAP_A", W64, CTL),
  f(0x2002, "IO_BITMAP_B", W64, CTL),
  f(0x2004, "MSR_BITMAP", W64, CTL),
  f(0x2006, "VM_EXIT_MSR_STORE_ADDR", W64, CTL),
  f(0x2008, "VM_EXIT_MSR_LOAD_ADDR", W64, CTL),
  f(0x200a, "VM_ENTRY_MSR_LOAD_ADDR", W64, CTL),
  f(0x2010, "TSC_OFFSET", W64, CTL),
  f(0x2012, "VIRTUAL_APIC_PAGE_ADDR", W64, CTL),
  f(0x2014, "APIC_ACCESS_ADDR", W64, CTL),
  f(0x201a, "EPT_POINTER", W64, CTL),
  // B.2.2 64-bit read-only data field
  f(0x2400, "GUEST_PHYSICAL_ADDRESS", W64, EXI),
  // B.2.3 64-bit guest-state fields
  f(0x2800, "VMCS_LINK_POINTER", W64, GST),
  f(0x2802, "GUEST_IA32_DEBUGCTL", W64, GST),
  f(0x2804, "GUEST_IA32_PAT", W64, GST),
  f(0x2806, "GUEST_IA32_EFER", W64, GST),
  f(0x280a, "GUEST_PDPTR0", W64, GST),
  f(0x280c, "GUEST_PDPTR1", W64, GST),
  f(0x280e, "GUEST_PDPTR2", W64, GST),
  f(0x2810, "GUEST_PDPTR3", W64, GST),
  // B.2.4 64-bit host-state fields
  f(0x2c00, "HOST_IA32_PAT", W64, HST),
  f(0x2c02, "HOST_IA32_EFER", W64, HST),
  // B.3.1 32-bit control fields
  f(0x4000, "PIN_BASED_VM_EXEC_CONTROL", W32, CTL),
  f(0x4002, "CPU_BASED_VM_EXEC_CONTROL", W32, CTL),
  f(0x4004, "EXCEPTION_BITMAP", W32, CTL),
  f(0x4006, "PAGE_FAULT_ERROR_CODE_MASK", W32, CTL),
  f(0x4008, "PAGE_FAULT_ERROR_CODE_MATCH", W32, CTL),
  f(0x400a, "CR3_TARGET_COUNT", W32, CTL),
  f(0x400c, "VM_EXIT_CONTROLS", W32, CTL),
  f(0x400e, "VM_EXIT_MSR_STORE_COUNT", W32, CTL),
  f(0x4010, "VM_EXIT_MSR_LOAD_COUNT", W32, CTL),
  f(0x4012, "VM_ENTRY_CONTROLS", W32, CTL),
  f(0x4014, "VM_ENTRY_MSR_LOAD_COUNT", W32, CTL),
  f(0x4016, "VM_ENTRY_INTR_INFO_FIELD", W32, CTL),
  f(0x4018, "VM_ENTRY_EXCEPTION_ERROR_CODE", W32, CTL),
  f(0x401a, "VM_ENTRY_INSTRUCTION_LEN", W32, CTL),
  f(0x401c, "TPR_THRESHOLD", W32, CTL),
  f(0x401e, "SECONDARY_VM_EXEC_CONTROL", W32, CTL),
  // B.3.2 32-bit read-only data fields
  f(0x4400, "VM_INSTRUCTION_ERROR", W32, EXI),
  f(0x4402, "VM_EXIT_REASON", W32, EXI),
  f(0x4404, "VM_EXIT_INTR_INFO", W32, EXI),
  f(0x4406, "VM_EXIT_INTR_ERROR_CODE", W32, EXI),
  f(0x4408, "IDT_VECTORING_INFO_FIELD", W32, EXI),
  f(0x440a, "IDT_VECTORING_ERROR_CODE", W32, EXI),
  f(0x440c, "VM_EXIT_INSTRUCTION_LEN", W32, EXI),
  f(0x440e, "VMX_INSTRUCTION_INFO", W32, EXI),
  // B.3.3 32-bit guest-state fields
  f(0x4800, "GUEST_ES_LIMIT", W32, GST),
  f(0x4802, "GUEST_CS_LIMIT", W32, GST),
  f(0x4804, "GUEST_SS_LIMIT", W32, GST),
  f(0x4806, "GUEST_DS_LIMIT", W32, GST),
  f(0x4808, "GUEST_FS_LIMIT", W32, GST),
  f(0x480a, "GUEST_GS_LIMIT", W32, GST),
  f(0x480c, "GUEST_LDTR_LIMIT", W32, GST),
  f(0x480e, "GUEST_TR_LIMIT", W32, GST),
  f(0x4810, "GUEST_GDTR_LIMIT", W32, GST),
  f(0x4812, "GUEST_IDTR_LIMIT", W32, GST),
  f(0x4814, "GUEST_ES_AR_BYTES", W32, GST),
  f(0x4816, "GUEST_CS_AR_BYTES", W32, GST),
  f(0x4818, "GUEST_SS_AR_BYTES", W32, GST),
  f(0x481a, "GUEST_DS_AR_BYTES", W32, GST),
  f(0x481c, "GUEST_FS_AR_BYTES", W32, GST),
  f(0x481e, "GUEST_GS_AR_BYTES", W32, GST),
  f(0x4820, "GUEST_LDTR_AR_BYTES", W32, GST),
  f(0x4822, "GUEST_TR_AR_BYTES", W32, GST),
  f(0x4824, "GUEST_INTERRUPTIBILITY_INFO", W32, GST),
  f(0x4826, "GUEST_ACTIVITY_STATE", W32, GST),
  f(0x4828, "GUEST_SMBASE", W32, GST),
  f(0x482a, "GUEST_SYSENTER_CS", W32, GST),
  f(0x482e, "VMX_PREEMPTION_TIMER_VALUE", W32, GST),
  // B.3.4 32-bit host-state field
  f(0x4c00, "HOST_IA32_SYSENTER_CS", W32, HST),
  // B.4.1 natural-width control fields
  f(0x6000, "CR0_GUEST_HOST_MASK", NAT, CTL),
  f(0x6002, "CR4_GUEST_HOST_MASK", NAT, CTL),
  f(0x6004, "CR0_READ_SHADOW", NAT, CTL),
  f(0x6006, "CR4_READ_SHADOW", NAT, CTL),
  f(0x6008, "CR3_TARGET_VALUE0", NAT, CTL),
  f(0x600a, "CR3_TARGET_VALUE1", NAT, CTL),
  f(0x600c, "CR3_TARGET_VALUE2", NAT, CTL),
  f(0x600e, "CR3_TARGET_VALUE3", NAT, CTL),
  // B.4.2 natural-width read-only data fields
  f(0x6400, "EXIT_QUALIFICATION", NAT, EXI),
  f(0x6402, "IO_RCX", NAT, EXI),
  f(0x6404, "IO_RSI", NAT, EXI),
  f(0x6406, "IO_RDI", NAT, EXI),
  f(0x6408, "IO_RIP", NAT, EXI),
  f(0x640a, "GUEST_LINEAR_ADDRESS", NAT, EXI),
  // B.4.3 natural-width guest-state fields
  f(0x6800, "GUEST_CR0", NAT, GST),
  f(0x6802, "GUEST_CR3", NAT, GST),
  f(0x6804, "GUEST_CR4", NAT, GST),
  f(0x6806, "GUEST_ES_BASE", NAT, GST),
  f(0x6808, "GUEST_CS_BASE", NAT, GST),
  f(0x680a, "GUEST_SS_BASE", NAT, GST),
  f(0x680c, "GUEST_DS_BASE", NAT, GST),
  f(0x680e, "GUEST_FS_BASE", NAT, GST),
  f(0x6810, "GUEST_GS_BASE", NAT, GST),
  f(0x6812, "GUEST_LDTR_BASE", NAT, GST),
  f(0x6814, "GUEST_TR_BASE", NAT, GST),
  f(0x6816, "GUEST_GDTR_BASE", NAT, GST),
  f(0x6818, "GUEST_IDTR_BASE", NAT, GST),
  f(0x681a, "GUEST_DR7", NAT, GST),
  f(0x681c, "GUEST_RSP", NAT, GST),
  f(0x681e, "GUEST_RIP", NAT, GST),
  f(0x6820, "GUEST_RFLAGS", NAT, GST),
  f(0x6822, "GUEST_PENDING_DBG_EXCEPTIONS", NAT, GST),
  f(0x6824, "GUEST_SYSENTER_ESP", NAT, GST),
  f(0x6826, "GUEST_SYSENTER_EIP", NAT, GST),
  // B.4.4 natural-width host-state fields
  f(0x6c00, "HOST_CR0", NAT, HST),
  f(0x6c02, "HOST_CR3", NAT, HST),
  f(0x6c04, "HOST_CR4", NAT, HST),
  f(0x6c06, "HOST_FS_BASE", NAT, HST),
  f(0x6c08, "HOST_GS_BASE", NAT, HST),
  f(0x6c0a, "HOST_TR_BASE", NAT, HST),
  f(0x6c0c, "HOST_GDTR_BASE", NAT, HST),
  f(0x6c0e, "HOST_IDTR_BASE", NAT, HST),
  f(0x6c10, "HOST_IA32_SYSENTER_ESP", NAT, HST),
  f(0x6c12, "HOST_IA32_SYSENTER_EIP", NAT, HST),
  f(0x6c14, "HOST_RSP", NAT, HST),
  f(0x6c16, "HOST_RIP", NAT, HST),
];

/** Encodings by name, for code that names fields (VMCS.GUEST_RIP). Built from the table. */
export const VMCS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(VMCS_FIELDS.map((d) => [d.name, d.enc])),
);

/**
 * Encodings as a const enum, so hot code gets literal constants (see docs/architecture.md on V8).
 * Must agree with VMCS_FIELDS; test/vmx/vmcs.test.ts checks every member against the table.
 */
export const enum F {
  VIRTUAL_PROCESSOR_ID = 0x0000,
  GUEST_ES_SELECTOR = 0x0800, GUEST_CS_SELECTOR = 0x0802, GUEST_SS_SELECTOR = 0x0804, GUEST_DS_SELECTOR = 0x0806,
  GUEST_FS_SELECTOR = 0x0808, GUEST_GS_SELECTOR = 0x080a, GUEST_LDTR_SELECTOR = 0x080c, GUEST_TR_SELECTOR = 0x080e,
  HOST_ES_SELECTOR = 0x0c00, HOST_CS_SELECTOR = 0x0c02, HOST_SS_SELECTOR = 0x0c04, HOST_DS_SELECTOR = 0x0c06,
  HOST_FS_SELECTOR = 0x0c08, HOST_GS_SELECTOR = 0x0c0a, HOST_TR_SELECTOR = 0x0c0c,
  IO_BITMAP_A = 0x2000, IO_BITMAP_B = 0x2002, MSR_BITMAP = 0x2004, VM_EXIT_MSR_STORE_ADDR = 0x2006,
  VM_EXIT_MSR_LOAD_ADDR = 0x2008, VM_ENTRY_MSR_LOAD_ADDR = 0x200a, TSC_OFFSET = 0x2010,
  VIRTUAL_APIC_PAGE_ADDR = 0x2012, APIC_ACCESS_ADDR = 0x2014, EPT_POINTER = 0x201a,
  GUEST_PHYSICAL_ADDRESS = 0x2400,
  VMCS_LINK_POINTER = 0x2800, GUEST_IA32_DEBUGCTL = 0x2802, GUEST_IA32_PAT = 0x2804, GUEST_IA32_EFER = 0x2806,
  GUEST_PDPTR0 = 0x280a, GUEST_PDPTR1 = 0x280c, GUEST_PDPTR2 = 0x280e, GUEST_PDPTR3 = 0x2810,
  HOST_IA32_PAT = 0x2c00, HOST_IA32_EFER = 0x2c02,
  PIN_BASED_VM_EXEC_CONTROL = 0x4000, CPU_BASED_VM_EXEC_CONTROL = 0x4002, EXCEPTION_BITMAP = 0x4004,
  PAGE_FAULT_ERROR_CODE_MASK = 0x4006, PAGE_FAULT_ERROR_CODE_MATCH = 0x4008, CR3_TARGET_COUNT = 0x400a,
  VM_EXIT_CONTROLS = 0x400c, VM_EXIT_MSR_STORE_COUNT = 0x400e, VM_EXIT_MSR_LOAD_COUNT = 0x4010,
  VM_ENTRY_CONTROLS = 0x4012, VM_ENTRY_MSR_LOAD_COUNT = 0x4014, VM_ENTRY_INTR_INFO_FIELD = 0x4016,
  VM_ENTRY_EXCEPTION_ERROR_CODE = 0x4018, VM_ENTRY_INSTRUCTION_LEN = 0x401a, TPR_THRESHOLD = 0x401c,
  SECONDARY_VM_EXEC_CONTROL = 0x401e,
  VM_INSTRUCTION_ERROR = 0x4400, VM_EXIT_REASON = 0x4402, VM_EXIT_INTR_INFO = 0x4404, VM_EXIT_INTR_ERROR_CODE = 0x4406,
  IDT_VECTORING_INFO_FIELD = 0x4408, IDT_VECTORING_ERROR_CODE = 0x440a, VM_EXIT_INSTRUCTION_LEN = 0x440c,
  VMX_INSTRUCTION_INFO = 0x440e,
  GUEST_ES_LIMIT = 0x4800, GUEST_CS_LIMIT = 0x4802, GUEST_SS_LIMIT = 0x4804, GUEST_DS_LIMIT = 0x4806,
  GUEST_FS_LIMIT = 0x4808, GUEST_GS_LIMIT = 0x480a, GUEST_LDTR_LIMIT = 0x480c, GUEST_TR_LIMIT = 0x480e,
  GUEST_GDTR_LIMIT = 0x4810, GUEST_IDTR_LIMIT = 0x4812,
  GUEST_ES_AR_BYTES = 0x4814, GUEST_CS_AR_BYTES = 0x4816, GUEST_SS_AR_BYTES = 0x4818, GUEST_DS_AR_BYTES = 0x481a,
  GUEST_FS_AR_BYTES = 0x481c, GUEST_GS_AR_BYTES = 0x481e, GUEST_LDTR_AR_BYTES = 0x4820, GUEST_TR_AR_BYTES = 0x4822,
  GUEST_INTERRUPTIBILITY_INFO = 0x4824, GUEST_ACTIVITY_STATE = 0x4826, GUEST_SMBASE = 0x4828,
  GUEST_SYSENTER_CS = 0x482a, VMX_PREEMPTION_TIMER_VALUE = 0x482e,
  HOST_IA32_SYSENTER_CS = 0x4c00,
  CR0_GUEST_HOST_MASK = 0x6000, CR4_GUEST_HOST_MASK = 0x6002, CR0_READ_SHADOW = 0x6004, CR4_READ_SHADOW = 0x6006,
  CR3_TARGET_VALUE0 = 0x6008, CR3_TARGET_VALUE1 = 0x600a, CR3_TARGET_VALUE2 = 0x600c, CR3_TARGET_VALUE3 = 0x600e,
  EXIT_QUALIFICATION = 0x6400, IO_RCX = 0x6402, IO_RSI = 0x6404, IO_RDI = 0x6406, IO_RIP = 0x6408,
  GUEST_LINEAR_ADDRESS = 0x640a,
  GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
  GUEST_ES_BASE = 0x6806, GUEST_CS_BASE = 0x6808, GUEST_SS_BASE = 0x680a, GUEST_DS_BASE = 0x680c,
  GUEST_FS_BASE = 0x680e, GUEST_GS_BASE = 0x6810, GUEST_LDTR_BASE = 0x6812, GUEST_TR_BASE = 0x6814,
  GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818, GUEST_DR7 = 0x681a, GUEST_RSP = 0x681c, GUEST_RIP = 0x681e,
  GUEST_RFLAGS = 0x6820, GUEST_PENDING_DBG_EXCEPTIONS = 0x6822, GUEST_SYSENTER_ESP = 0x6824, GUEST_SYSENTER_EIP = 0x6826,
  HOST_CR0 = 0x6c00, HOST_CR3 = 0x6c02, HOST_CR4 = 0x6c04, HOST_FS_BASE = 0x6c06, HOST_GS_BASE = 0x6c08,
  HOST_TR_BASE = 0x6c0a, HOST_GDTR_BASE = 0x6c0c, HOST_IDTR_BASE = 0x6c0e, HOST_IA32_SYSENTER_ESP = 0x6c10,
  HOST_IA32_SYSENTER_EIP = 0x6c12, HOST_RSP = 0x6c14, HOST_RIP = 0x6c16,
}

/** Highest index (bits 9:1) used by any supported encoding: IA32_VMX_VMCS_ENUM bits 9:1 (SDM Appendix A.9). */
export const VMCS_HIGHEST_INDEX: number = VMCS_FIELDS.reduce((m, d) => Math.max(m, encIndex(d.enc)), 0);
