// Capability MSR layouts and default1 classes are the SDM's (Vol.3 Appendix A); the VM-entry
// control checks are SDM Vol.3 26.2.1.1-26.2.1.3.
import { describe, expect, it } from "vitest";
import {
  checkVmxControls, CPU_ACTIVATE_SECONDARY_CONTROLS, CPU_CR3_LOAD_EXITING, CPU_CR8_LOAD_EXITING, CPU_HLT_EXITING, CPU_NMI_WINDOW_EXITING,
  CPU_TPR_SHADOW, CPU_USE_IO_BITMAPS, CPU_USE_MSR_BITMAPS, ENTRY_IA32E_MODE, EXIT_ACK_INTR_ON_EXIT, EXIT_HOST_ADDR_SPACE_SIZE,
  MSR_IA32_VMX_BASIC, MSR_IA32_VMX_CR0_FIXED0, MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_EPT_VPID_CAP,
  MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_MISC, MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_PROCBASED_CTLS2,
  MSR_IA32_VMX_TRUE_ENTRY_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS, MSR_IA32_VMX_VMCS_ENUM,
  PIN_EXT_INTR_EXITING, PIN_NMI_EXITING, PIN_VIRTUAL_NMIS, SEC_ENABLE_EPT, SEC_ENABLE_VPID, SEC_UNRESTRICTED_GUEST, vmxCapabilityMsr,
} from "../../src/vmx/controls.js";
import { F } from "../../src/vmx/vmcs-fields.js";
import { Vmcs, VMXERR_ENTRY_INVALID_CONTROL_FIELD } from "../../src/vmx/vmcs.js";

const msr = (n: number) => vmxCapabilityMsr(n)!;

describe("IA32_VMX_* capability MSRs (Appendix A)", () => {
  it("BASIC: revision id in 30:0 with bit 31 clear, region size 4096 in 44:32, bit 48 (32-bit addresses) set, WB (6) in 53:50, TRUE controls (55)", () => {
    const b = msr(MSR_IA32_VMX_BASIC);
    expect(b.lo >>> 31).toBe(0);
    expect(b.lo).not.toBe(0);
    expect(b.hi & 0x1fff).toBe(4096);
    expect((b.hi >>> 16) & 1).toBe(1);
    expect((b.hi >>> 18) & 15).toBe(6);
    expect((b.hi >>> 23) & 1).toBe(1);
  });
  it("default1 classes are must-be-1 in the non-TRUE MSRs: pin 0x16, primary 0x0401e172, exit 0x00036dff, entry 0x000011ff", () => {
    expect(msr(MSR_IA32_VMX_PINBASED_CTLS).lo).toBe(0x16);
    expect(msr(MSR_IA32_VMX_PROCBASED_CTLS).lo).toBe(0x0401e172);
    expect(msr(MSR_IA32_VMX_EXIT_CTLS).lo).toBe(0x00036dff);
    expect(msr(MSR_IA32_VMX_ENTRY_CTLS).lo).toBe(0x000011ff);
  });
  it("TRUE MSRs let CR3-load/store exiting (15, 16), save debug controls (exit 2) and load debug controls (entry 2) be 0", () => {
    expect(msr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS).lo).toBe(0x0401e172 & ~0x18000);
    expect(msr(MSR_IA32_VMX_TRUE_EXIT_CTLS).lo).toBe(0x00036dff & ~4);
    expect(msr(MSR_IA32_VMX_TRUE_ENTRY_CTLS).lo).toBe(0x000011ff & ~4);
  });
  it("a 32-bit host: host address-space size (exit 9), IA-32e mode guest (entry 9), CR8 exiting (19, 20) are not allowed-1", () => {
    expect(msr(MSR_IA32_VMX_EXIT_CTLS).hi & (1 << 9)).toBe(0);
    expect(msr(MSR_IA32_VMX_ENTRY_CTLS).hi & (1 << 9)).toBe(0);
    expect(msr(MSR_IA32_VMX_PROCBASED_CTLS).hi & (3 << 19)).toBe(0);
  });
  it("secondary controls offer EPT (1) and unrestricted guest (7); every allowed-0 bit is also allowed-1", () => {
    const s = msr(MSR_IA32_VMX_PROCBASED_CTLS2);
    expect(s.hi & 0x82).toBe(0x82);
    for (let n = 0x481; n <= 0x490; n++) {
      if (n === 0x485 || (n >= 0x486 && n <= 0x48a) || n === 0x48c) continue;
      const m = msr(n);
      expect(m.lo & ~m.hi, n.toString(16)).toBe(0);
    }
  });
  it("CR0_FIXED0 = PE|NE|PG (0x80000021), CR4_FIXED0 = VMXE (0x2000)", () => {
    expect(msr(MSR_IA32_VMX_CR0_FIXED0).lo >>> 0).toBe(0x80000021);
    expect(msr(MSR_IA32_VMX_CR4_FIXED0).lo).toBe(0x2000);
  });
  it("MISC: HLT activity state (bit 6), 4 CR3 targets (24:16); VMCS_ENUM bits 9:1 = 0x17; EPT cap: walk length 4 (6), WB (14), 2M (16)", () => {
    const m = msr(MSR_IA32_VMX_MISC);
    expect((m.lo >>> 6) & 1).toBe(1);
    expect((m.lo >>> 16) & 0x1ff).toBe(4);
    expect(msr(MSR_IA32_VMX_VMCS_ENUM).lo).toBe(0x2e);
    const e = msr(MSR_IA32_VMX_EPT_VPID_CAP).lo;
    expect(e & ((1 << 6) | (1 << 14) | (1 << 16))).toBe((1 << 6) | (1 << 14) | (1 << 16));
  });
  it("other MSR numbers → undefined", () => {
    expect(vmxCapabilityMsr(0x47f)).toBeUndefined();
    expect(vmxCapabilityMsr(0x491)).toBeUndefined();
  });
});

/** A VMCS as KVM would set it up for an EPT + unrestricted-guest guest. */
function goodVmcs(): Vmcs {
  const v = new Vmcs(1);
  v.set(F.PIN_BASED_VM_EXEC_CONTROL, 0x16 | PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
  v.set(F.CPU_BASED_VM_EXEC_CONTROL, (0x0401e172 & ~0x18000) | CPU_HLT_EXITING | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS | CPU_ACTIVATE_SECONDARY_CONTROLS);
  v.set(F.SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT | SEC_UNRESTRICTED_GUEST | SEC_ENABLE_VPID);
  v.set(F.VIRTUAL_PROCESSOR_ID, 1);
  v.set(F.EPT_POINTER, 0x00123000 | 6 | (3 << 3));
  v.set(F.IO_BITMAP_A, 0x10000); v.set(F.IO_BITMAP_B, 0x11000); v.set(F.MSR_BITMAP, 0x12000);
  v.set(F.VM_EXIT_CONTROLS, (0x00036dff & ~4) | EXIT_ACK_INTR_ON_EXIT);
  v.set(F.VM_ENTRY_CONTROLS, 0x000011ff & ~4);
  v.set(F.GUEST_CR0, 0x00000030);
  return v;
}

describe("VM-entry checks on VMX controls (26.2.1)", () => {
  const BAD = VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  it("the KVM-style VMCS passes", () => {
    expect(checkVmxControls(goodVmcs())).toBe(0);
  });
  const cases: Array<[string, (v: Vmcs) => void]> = [
    ["pin-based default1 bit 1 cleared", (v) => v.set(F.PIN_BASED_VM_EXEC_CONTROL, v.get(F.PIN_BASED_VM_EXEC_CONTROL) & ~2)],
    ["virtual NMIs without NMI exiting", (v) => v.set(F.PIN_BASED_VM_EXEC_CONTROL, 0x16 | PIN_VIRTUAL_NMIS)],
    ["NMI-window exiting without virtual NMIs", (v) => { v.set(F.PIN_BASED_VM_EXEC_CONTROL, 0x16); v.set(F.CPU_BASED_VM_EXEC_CONTROL, v.get(F.CPU_BASED_VM_EXEC_CONTROL) | CPU_NMI_WINDOW_EXITING); }],
    ["CR8-load exiting (no Intel 64)", (v) => v.set(F.CPU_BASED_VM_EXEC_CONTROL, v.get(F.CPU_BASED_VM_EXEC_CONTROL) | CPU_CR8_LOAD_EXITING)],
    ["use TPR shadow (not offered)", (v) => v.set(F.CPU_BASED_VM_EXEC_CONTROL, v.get(F.CPU_BASED_VM_EXEC_CONTROL) | CPU_TPR_SHADOW)],
    ["CR3-target count 5", (v) => v.set(F.CR3_TARGET_COUNT, 5)],
    ["I/O bitmap A not 4 KiB aligned", (v) => v.set(F.IO_BITMAP_A, 0x10010)],
    ["MSR bitmap above 4 GiB (BASIC[48])", (v) => v.set(F.MSR_BITMAP, 0x12000, 1)],
    ["VPID 0 with enable VPID", (v) => v.set(F.VIRTUAL_PROCESSOR_ID, 0)],
    ["EPTP walk length 3", (v) => v.set(F.EPT_POINTER, 0x00123000 | 6 | (2 << 3))],
    ["EPTP memory type 1", (v) => v.set(F.EPT_POINTER, 0x00123000 | 1 | (3 << 3))],
    ["unrestricted guest without EPT", (v) => v.set(F.SECONDARY_VM_EXEC_CONTROL, SEC_UNRESTRICTED_GUEST)],
    ["secondary bit 31 (undefined)", (v) => v.set(F.SECONDARY_VM_EXEC_CONTROL, v.get(F.SECONDARY_VM_EXEC_CONTROL) | (1 << 31))],
    ["host address-space size", (v) => v.set(F.VM_EXIT_CONTROLS, v.get(F.VM_EXIT_CONTROLS) | EXIT_HOST_ADDR_SPACE_SIZE)],
    ["exit MSR-store area not 16-byte aligned", (v) => { v.set(F.VM_EXIT_MSR_STORE_COUNT, 1); v.set(F.VM_EXIT_MSR_STORE_ADDR, 0x20008); }],
    ["IA-32e mode guest", (v) => v.set(F.VM_ENTRY_CONTROLS, v.get(F.VM_ENTRY_CONTROLS) | ENTRY_IA32E_MODE)],
    ["entry MSR-load area crossing 4 GiB", (v) => { v.set(F.VM_ENTRY_MSR_LOAD_COUNT, 2); v.set(F.VM_ENTRY_MSR_LOAD_ADDR, 0xfffffff0 | 0); }],
    ["inject type 1 (reserved)", (v) => v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000100 | 0x20)],
    ["inject NMI with vector 3", (v) => v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000203 | 0)],
    ["inject hardware exception 32", (v) => v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000320 | 0)],
    ["inject #GP in protected mode without error code", (v) => { v.set(F.GUEST_CR0, 0x31); v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x8000030d | 0); }],
    ["inject #UD with an error code", (v) => { v.set(F.GUEST_CR0, 0x31); v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000b06 | 0); }],
    ["inject #GP with error code bit 15 set", (v) => { v.set(F.GUEST_CR0, 0x31); v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d | 0); v.set(F.VM_ENTRY_EXCEPTION_ERROR_CODE, 0x8000); }],
    ["inject with reserved bit 12", (v) => v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80001020 | 0)],
    ["inject software interrupt with instruction length 0", (v) => v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000480 | 0)],
    ["inject other event with vector 1", (v) => v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000701 | 0)],
  ];
  it.each(cases)("%s → VM-instruction error 7", (_n, poke) => {
    const v = goodVmcs();
    poke(v);
    expect(checkVmxControls(v)).toBe(BAD);
  });
  it.each([
    ["CR3-load exiting set (default1 may also be 1)", (v: Vmcs) => v.set(F.CPU_BASED_VM_EXEC_CONTROL, v.get(F.CPU_BASED_VM_EXEC_CONTROL) | CPU_CR3_LOAD_EXITING)],
    ["secondary controls ignored when primary bit 31 is 0", (v: Vmcs) => { v.set(F.CPU_BASED_VM_EXEC_CONTROL, v.get(F.CPU_BASED_VM_EXEC_CONTROL) & ~CPU_ACTIVATE_SECONDARY_CONTROLS); v.set(F.SECONDARY_VM_EXEC_CONTROL, -1); }],
    ["inject #GP (0x0b0d, error 0x10) into a protected-mode guest", (v: Vmcs) => { v.set(F.GUEST_CR0, 0x31); v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d | 0); v.set(F.VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10); }],
    ["inject #GP without error code into a real-mode unrestricted guest", (v: Vmcs) => v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x8000030d | 0)],
    ["inject int 0x80 (software interrupt, length 2)", (v: Vmcs) => { v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000480 | 0); v.set(F.VM_ENTRY_INSTRUCTION_LEN, 2); }],
    ["inject pending MTF (other event, vector 0)", (v: Vmcs) => v.set(F.VM_ENTRY_INTR_INFO_FIELD, 0x80000700 | 0)],
    ["exit MSR-store area of 2 entries at 0x20000", (v: Vmcs) => { v.set(F.VM_EXIT_MSR_STORE_COUNT, 2); v.set(F.VM_EXIT_MSR_STORE_ADDR, 0x20000); }],
  ])("%s → passes", (_n, poke) => {
    const v = goodVmcs();
    poke(v);
    expect(checkVmxControls(v)).toBe(0);
  });
});
