// The VMCS: storage for every field of VMCS_FIELDS, VMREAD/VMWRITE semantics, launch state, and the
// memory image a guest hypervisor's VMCS region holds (SDM Vol.3 24.2, 24.11).
//
// Storage is two Int32Arrays indexed by the field's dense index (its row in VMCS_FIELDS): `lo`
// holds bits 31:0, `hi` bits 63:32 of 64-bit fields (0 for every other width). Natural-width
// fields are 32 bits wide on this i686 CPU.

import { EmulatorBug } from "../cpu/fault.js";
import { encWidth, FieldType, FieldWidth, VMCS_FIELDS } from "./vmcs-fields.js";

// VM-instruction error numbers (SDM Vol.3 30.4, Table 30-1).
export const VMXERR_VMCALL_IN_VMX_ROOT = 1;
export const VMXERR_VMCLEAR_INVALID_ADDRESS = 2;
export const VMXERR_VMCLEAR_VMXON_POINTER = 3;
export const VMXERR_VMLAUNCH_NON_CLEAR_VMCS = 4;
export const VMXERR_VMRESUME_NON_LAUNCHED_VMCS = 5;
export const VMXERR_VMRESUME_AFTER_VMXOFF = 6;
export const VMXERR_ENTRY_INVALID_CONTROL_FIELD = 7;
export const VMXERR_ENTRY_INVALID_HOST_STATE_FIELD = 8;
export const VMXERR_VMPTRLD_INVALID_ADDRESS = 9;
export const VMXERR_VMPTRLD_VMXON_POINTER = 10;
export const VMXERR_VMPTRLD_INCORRECT_VMCS_REVISION_ID = 11;
export const VMXERR_UNSUPPORTED_VMCS_COMPONENT = 12;
export const VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT = 13;
export const VMXERR_VMXON_IN_VMX_ROOT_OPERATION = 15;
export const VMXERR_ENTRY_INVALID_EXECUTIVE_VMCS_POINTER = 16;
export const VMXERR_ENTRY_NON_LAUNCHED_EXECUTIVE_VMCS = 17;
export const VMXERR_ENTRY_EXECUTIVE_VMCS_POINTER_NOT_VMXON_POINTER = 18;
export const VMXERR_VMCALL_NON_CLEAR_VMCS = 19;
export const VMXERR_VMCALL_INVALID_VM_EXIT_CONTROL_FIELDS = 20;
export const VMXERR_VMCALL_INCORRECT_MSEG_REVISION_ID = 22;
export const VMXERR_VMXOFF_UNDER_DUAL_MONITOR_TREATMENT_OF_SMIS_AND_SMM = 23;
export const VMXERR_VMCALL_INVALID_SMM_MONITOR_FEATURES = 24;
export const VMXERR_ENTRY_INVALID_VM_EXECUTION_CONTROL_FIELDS_IN_EXECUTIVE_VMCS = 25;
export const VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS = 26;
export const VMXERR_INVALID_OPERAND_TO_INVEPT_INVVPID = 28;

/** Launch state (SDM Vol.3 24.1): set by VMCLEAR, "launched" after a successful VMLAUNCH. */
export const LAUNCH_CLEAR = 0, LAUNCH_LAUNCHED = 1;

const FIELD_COUNT = VMCS_FIELDS.length;

/**
 * Encoding (bits 14:0, access type included) → dense index, or -1 when unsupported.
 * High-access encodings of 64-bit fields map to the index with bit 15 set.
 */
const ENC_TO_INDEX: Int32Array = (() => {
  const m = new Int32Array(0x8000).fill(-1);
  VMCS_FIELDS.forEach((d, i) => {
    if (m[d.enc] !== -1) throw new EmulatorBug(`duplicate VMCS encoding 0x${d.enc.toString(16)}`);
    m[d.enc] = i;
    if (d.width === FieldWidth.W64) m[d.enc | 1] = i | 0x8000;
  });
  return m;
})();
/** Per dense index: value mask of the low word (0xffff for 16-bit fields, else all ones). */
const LO_MASK = Int32Array.from(VMCS_FIELDS, (d) => (d.width === FieldWidth.W16 ? 0xffff : -1));
const READ_ONLY = Uint8Array.from(VMCS_FIELDS, (d) => (d.type === FieldType.EXIT_INFO ? 1 : 0));
const BY_NAME = new Map(VMCS_FIELDS.map((d, i) => [d.name, i]));

/** Dense index for `enc` (full or high access), or -1 when this implementation has no such field. */
export function vmcsFieldIndex(enc: number): number {
  if ((enc >>> 0) > 0x7fff) return -1;
  const i = ENC_TO_INDEX[enc];
  return i < 0 ? -1 : i & 0x7fff;
}

// VMCS region layout (SDM Vol.3 24.2 fixes bytes 0-7; the rest is implementation-specific):
//   +0   revision identifier (bits 30:0), bit 31 shadow-VMCS indicator
//   +4   VMX-abort indicator
//   +8   launch state (LAUNCH_CLEAR / LAUNCH_LAUNCHED)
//   +12  layout tag VMCS_IMAGE_TAG (changes whenever this layout or VMCS_FIELDS order changes)
//   +16 + 8*i   field i of VMCS_FIELDS: bits 31:0 at +0, bits 63:32 at +4 (little-endian)
export const VMCS_OFF_REVISION = 0, VMCS_OFF_ABORT = 4, VMCS_OFF_LAUNCH = 8, VMCS_OFF_TAG = 12, VMCS_OFF_FIELDS = 16;
/** "xv01": bump the digits when the image layout or the field table order changes. */
export const VMCS_IMAGE_TAG = 0x31307678;
/** Size of a VMCS region (IA32_VMX_BASIC bits 44:32). */
export const VMCS_REGION_SIZE = 4096;
export const VMCS_IMAGE_SIZE = VMCS_OFF_FIELDS + 8 * FIELD_COUNT;

/** Named-field state for snapshots: 64-bit fields as [lo, hi], others as numbers. */
export interface VmcsState {
  revisionId: number;
  abort: number;
  launched: boolean;
  fields: Record<string, number | [number, number]>;
}

/** Bad saved state or memory image (typed input error, not an emulator bug). */
export class VmcsStateError extends Error {
  override name = "VmcsStateError";
}

export class Vmcs {
  readonly lo = new Int32Array(FIELD_COUNT);
  readonly hi = new Int32Array(FIELD_COUNT);
  /** Revision identifier (bits 30:0) and shadow-VMCS indicator (bit 31), as in region bytes 0-3. */
  revisionId: number;
  /** VMX-abort indicator (region bytes 4-7). */
  abort = 0;
  launch = LAUNCH_CLEAR;
  /** Value produced by the last successful read(). */
  value = 0;

  constructor(revisionId: number) {
    this.revisionId = revisionId | 0;
  }

  /** VMREAD (SDM Vol.2 VMREAD; Vol.3 24.11.2): 0 and the value in `this.value`, or VMXERR_UNSUPPORTED_VMCS_COMPONENT. */
  read(enc: number): number {
    if ((enc >>> 0) > 0x7fff) return VMXERR_UNSUPPORTED_VMCS_COMPONENT;
    const i = ENC_TO_INDEX[enc];
    if (i < 0) return VMXERR_UNSUPPORTED_VMCS_COMPONENT;
    this.value = (i & 0x8000) !== 0 ? this.hi[i & 0x7fff] : this.lo[i];
    return 0;
  }

  /**
   * VMWRITE with a 32-bit source: 0, VMXERR_UNSUPPORTED_VMCS_COMPONENT, or
   * VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT (exit-information fields; IA32_VMX_MISC bit 29 is 0).
   * A full-access write of a 64-bit field clears bits 63:32; a high-access write sets only them.
   */
  write(enc: number, value: number): number {
    if ((enc >>> 0) > 0x7fff) return VMXERR_UNSUPPORTED_VMCS_COMPONENT;
    const i = ENC_TO_INDEX[enc];
    if (i < 0) return VMXERR_UNSUPPORTED_VMCS_COMPONENT;
    const k = i & 0x7fff;
    if (READ_ONLY[k]) return VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT;
    if ((i & 0x8000) !== 0) this.hi[k] = value | 0;
    else { this.lo[k] = value & LO_MASK[k]; this.hi[k] = 0; }
    return 0;
  }

  /** Processor-side read of bits 31:0 of a field (any type). Throws EmulatorBug for an unknown encoding. */
  get(enc: number): number {
    return this.lo[this.index(enc)];
  }
  /** Bits 63:32 of a 64-bit field. */
  getHigh(enc: number): number {
    return this.hi[this.index(enc)];
  }
  /** Processor-side write (exit-information fields included): bits 31:0 and, for 64-bit fields, 63:32. */
  set(enc: number, lo: number, hi = 0): void {
    const k = this.index(enc);
    this.lo[k] = lo & LO_MASK[k];
    this.hi[k] = encWidth(enc) === FieldWidth.W64 ? hi | 0 : 0;
  }

  private index(enc: number): number {
    const i = (enc >>> 0) <= 0x7fff ? ENC_TO_INDEX[enc] : -1;
    if (i < 0 || (i & 0x8000) !== 0) throw new EmulatorBug(`no VMCS field with full encoding 0x${(enc >>> 0).toString(16)}`);
    return i;
  }

  /** VMCLEAR's effect on the VMCS data: launch state clear. */
  clear(): void {
    this.launch = LAUNCH_CLEAR;
  }

  /** Zeroes every field (a fresh VMCS). Revision id is kept. */
  reset(): void {
    this.lo.fill(0); this.hi.fill(0);
    this.abort = 0;
    this.launch = LAUNCH_CLEAR;
  }

  save(): VmcsState {
    const fields: Record<string, number | [number, number]> = {};
    VMCS_FIELDS.forEach((d, i) => {
      fields[d.name] = d.width === FieldWidth.W64 ? [this.lo[i], this.hi[i]] : this.lo[i];
    });
    return { revisionId: this.revisionId, abort: this.abort, launched: this.launch === LAUNCH_LAUNCHED, fields };
  }

  /** Restores saved state; unknown field names or wrong shapes are a VmcsStateError. Missing fields become 0. */
  restore(s: VmcsState): void {
    this.lo.fill(0); this.hi.fill(0);
    for (const [name, v] of Object.entries(s.fields)) {
      const i = BY_NAME.get(name);
      if (i === undefined) throw new VmcsStateError(`VMCS state: unknown field ${name}`);
      const w64 = VMCS_FIELDS[i].width === FieldWidth.W64;
      if (w64 ? !(Array.isArray(v) && v.length === 2) : typeof v !== "number") {
        throw new VmcsStateError(`VMCS state: field ${name} has the wrong shape`);
      }
      if (Array.isArray(v)) { this.lo[i] = v[0] | 0; this.hi[i] = v[1] | 0; } else this.lo[i] = v & LO_MASK[i];
    }
    this.revisionId = s.revisionId | 0;
    this.abort = s.abort | 0;
    this.launch = s.launched ? LAUNCH_LAUNCHED : LAUNCH_CLEAR;
  }

  /** Writes the region image (layout above) at `base` in `view` (VMCLEAR, or VMPTRLD of another VMCS). */
  serialize(view: DataView, base: number): void {
    view.setInt32(base + VMCS_OFF_REVISION, this.revisionId, true);
    view.setInt32(base + VMCS_OFF_ABORT, this.abort, true);
    view.setInt32(base + VMCS_OFF_LAUNCH, this.launch, true);
    view.setInt32(base + VMCS_OFF_TAG, VMCS_IMAGE_TAG, true);
    for (let i = 0, o = base + VMCS_OFF_FIELDS; i < FIELD_COUNT; i++, o += 8) {
      view.setInt32(o, this.lo[i], true);
      view.setInt32(o + 4, this.hi[i], true);
    }
  }

  /**
   * Loads the region image at `base`. Returns false (leaving this VMCS unchanged) when the layout
   * tag is missing, e.g. a region software wrote without VMCLEAR: the caller decides what that
   * means (hardware behaviour is undefined there; SDM Vol.3 24.11.1).
   */
  deserialize(view: DataView, base: number): boolean {
    if (view.getInt32(base + VMCS_OFF_TAG, true) !== VMCS_IMAGE_TAG) return false;
    this.revisionId = view.getInt32(base + VMCS_OFF_REVISION, true);
    this.abort = view.getInt32(base + VMCS_OFF_ABORT, true);
    this.launch = view.getInt32(base + VMCS_OFF_LAUNCH, true) === LAUNCH_LAUNCHED ? LAUNCH_LAUNCHED : LAUNCH_CLEAR;
    for (let i = 0, o = base + VMCS_OFF_FIELDS; i < FIELD_COUNT; i++, o += 8) {
      this.lo[i] = view.getInt32(o, true) & LO_MASK[i];
      this.hi[i] = VMCS_FIELDS[i].width === FieldWidth.W64 ? view.getInt32(o + 4, true) : 0;
    }
    return true;
  }
}
