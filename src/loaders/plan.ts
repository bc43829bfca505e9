// The load plan: what a loader wants in guest-physical memory and in the CPU at the first
// instruction. Loaders are pure functions over image bytes that return one; the machine applies it
// (copy each write into RAM, load the entry state into the vCPU, give the e820 map to its firmware).

import { hex } from "./image-error.js";

export interface PlanWrite {
  /** Guest-physical address of bytes[0]. */
  gpa: number;
  bytes: Uint8Array;
  /** What this is, for logs and overlap messages ("kernel", "initrd", "boot_params" …). */
  what: string;
}

/** General registers at entry (all 32-bit values, unsigned). */
export interface EntryRegs { eax: number; ecx: number; edx: number; ebx: number; esp: number; ebp: number; esi: number; edi: number }

/** A segment register as the vCPU must hold it: selector and descriptor cache, access rights in the VMX layout (SDM Vol.3 24.4.1). */
export interface EntrySegment { selector: number; base: number; limit: number; accessRights: number }

export interface EntrySegments { cs: EntrySegment; ds: EntrySegment; es: EntrySegment; fs: EntrySegment; gs: EntrySegment; ss: EntrySegment }

/** Real mode, CR0.PE = 0: execution starts at cs:ip with ss:sp; segment bases are selector × 16. */
export interface Real16Entry {
  mode: "real16";
  cs: number; ip: number; ss: number; sp: number;
  segments: EntrySegments;
  regs: EntryRegs;
  eflags: number;
}

/**
 * 32-bit protected mode, paging off (CR0 = PE only): flat 4 GiB code/data segments whose
 * descriptors the plan wrote at gdtr.base, interrupts off (EFLAGS.IF = 0).
 */
export interface Flat32Entry {
  mode: "flat32";
  eip: number;
  cr0: number;
  gdtr: { base: number; limit: number };
  segments: EntrySegments;
  regs: EntryRegs;
  eflags: number;
}

export type EntryState = Real16Entry | Flat32Entry;

/** BIOS INT 15h E820 address range types (ACPI 6.x 15.1). */
export const E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4, E820_UNUSABLE = 5;

export interface E820Entry { addr: number; size: number; type: number }

export interface LoadPlan {
  writes: PlanWrite[];
  entry: EntryState;
  /** The memory map the loader told the guest about (and the firmware should report too). */
  e820?: E820Entry[];
  /** Human-readable facts about the load (placement decisions, protocol version …). */
  notes: string[];
}

/** Bad configuration for an image that is itself fine (RAM too small, overlapping placements …). */
export class PlacementError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "PlacementError";
  }
}

export const MiB = 1 << 20;
/** Top of conventional memory: the EBDA (1 KiB) sits just below 640 KiB. */
export const EBDA_START = 0x9fc00;
export const HIGH_MEMORY = 0x100000;
/** Guest RAM must leave room below 4 GiB for the APIC/IOAPIC/BIOS window (no PAE on this CPU). */
export const MAX_RAM = 0xfec00000;

export const pageUp = (n: number): number => Math.ceil(n / 4096) * 4096;
export const pageDown = (n: number): number => Math.floor(n / 4096) * 4096;

/**
 * The PC memory map for `memBytes` of RAM: usable 0–0x9fc00, reserved 0x9fc00–0x100000 (EBDA,
 * VGA hole, option ROMs, BIOS), usable 1 MiB–top; `reserved` adds MMIO windows above RAM.
 */
export function pcE820(memBytes: number, reserved: E820Entry[] = []): E820Entry[] {
  if (!Number.isInteger(memBytes) || memBytes < 2 * MiB || memBytes > MAX_RAM || memBytes % 4096 !== 0) {
    throw new RangeError(`RAM size ${memBytes} must be a multiple of 4 KiB between 2 MiB and ${hex(MAX_RAM)}`);
  }
  const map: E820Entry[] = [
    { addr: 0, size: EBDA_START, type: E820_RAM },
    { addr: EBDA_START, size: HIGH_MEMORY - EBDA_START, type: E820_RESERVED },
    { addr: HIGH_MEMORY, size: memBytes - HIGH_MEMORY, type: E820_RAM },
  ];
  for (const r of reserved) {
    if (r.addr < memBytes) throw new RangeError(`reserved e820 range at ${hex(r.addr)} overlaps RAM (top ${hex(memBytes)})`);
    map.push({ ...r });
  }
  return map.sort((a, b) => a.addr - b.addr);
}

/** End of usable RAM: the end of the highest E820_RAM range. */
export function ramTop(e820: E820Entry[]): number {
  let top = 0;
  for (const e of e820) if (e.type === E820_RAM) top = Math.max(top, e.addr + e.size);
  return top;
}

/** true when [start, end) lies inside one usable range of the map. */
export function inUsableRam(e820: E820Entry[], start: number, end: number): boolean {
  return e820.some((e) => e.type === E820_RAM && start >= e.addr && end <= e.addr + e.size);
}

// GDT the 32-bit entries use (the Linux boot protocol's layout, also used for multiboot/flat32):
//   0x00 null, 0x08 null, 0x10 __BOOT_CS: base 0, limit 0xfffff × 4 KiB, type 0xB (exec/read, accessed),
//   S=1, DPL 0, P=1, D/B=1, G=1;   0x18 __BOOT_DS: same with type 0x3 (read/write, accessed).
// Descriptor bytes (SDM Vol.3 3.4.5): limit 15:0, base 15:0, base 23:16, access, G|DB|L|AVL|limit 19:16, base 31:24.
export const BOOT_CS = 0x10, BOOT_DS = 0x18;
const ACCESS_CODE = 0x9b, ACCESS_DATA = 0x93, FLAGS_4K_32 = 0xc;

/** The 32-byte GDT for BOOT_CS/BOOT_DS. */
export function flatGdt(): Uint8Array {
  const gdt = new Uint8Array(32);
  for (const [sel, access] of [[BOOT_CS, ACCESS_CODE], [BOOT_DS, ACCESS_DATA]] as const) {
    gdt.set([0xff, 0xff, 0, 0, 0, access, (FLAGS_4K_32 << 4) | 0xf, 0], sel);
  }
  return gdt;
}

/** Flat32 entry state using the GDT at `gdtBase` (written separately with flatGdt()). */
export function flat32Entry(gdtBase: number, eip: number, regs: Partial<EntryRegs>): Flat32Entry {
  const seg = (selector: number, access: number): EntrySegment =>
    ({ selector, base: 0, limit: 0xffffffff, accessRights: access | (FLAGS_4K_32 << 12) });
  const d = (): EntrySegment => seg(BOOT_DS, ACCESS_DATA);
  return {
    mode: "flat32",
    eip: eip >>> 0,
    cr0: 1,
    gdtr: { base: gdtBase, limit: 31 },
    segments: { cs: seg(BOOT_CS, ACCESS_CODE), ds: d(), es: d(), fs: d(), gs: d(), ss: d() },
    regs: fullRegs(regs),
    eflags: 0x2,
  };
}

/** Real-mode entry at cs:ip with ss:sp; DS = ES = FS = GS = cs. */
export function real16Entry(cs: number, ip: number, ss: number, sp: number, regs: Partial<EntryRegs>): Real16Entry {
  // Real-mode caches as a real-mode segment load leaves them: base = sel × 16, limit 0xffff,
  // present read/write accessed data (CS too; SDM Vol.3 9.1.4 / 24.4.1 layout).
  const seg = (selector: number): EntrySegment => ({ selector, base: selector << 4, limit: 0xffff, accessRights: 0x93 });
  return {
    mode: "real16", cs, ip, ss, sp,
    segments: { cs: seg(cs), ds: seg(cs), es: seg(cs), fs: seg(cs), gs: seg(cs), ss: seg(ss) },
    regs: fullRegs({ ...regs, esp: sp }),
    eflags: 0x2,
  };
}

function fullRegs(r: Partial<EntryRegs>): EntryRegs {
  const v = (x: number | undefined): number => (x ?? 0) >>> 0;
  return { eax: v(r.eax), ecx: v(r.ecx), edx: v(r.edx), ebx: v(r.ebx), esp: v(r.esp), ebp: v(r.ebp), esi: v(r.esi), edi: v(r.edi) };
}

/**
 * Checks a plan's writes: none overlap another, and each lies in usable RAM of `e820`.
 * Throws PlacementError naming both parties; returns the plan.
 */
export function checkPlacement(file: string, plan: LoadPlan, e820: E820Entry[]): LoadPlan {
  const ws = [...plan.writes].sort((a, b) => a.gpa - b.gpa);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i], end = w.gpa + w.bytes.length;
    if (w.bytes.length > 0 && !inUsableRam(e820, w.gpa, end)) {
      throw new PlacementError(file, `${w.what} at ${hex(w.gpa)}-${hex(end)} is not inside usable RAM (${describeRam(e820)})`);
    }
    const next = ws[i + 1];
    if (next && next.gpa < end && next.bytes.length > 0 && w.bytes.length > 0) {
      throw new PlacementError(file, `${next.what} at ${hex(next.gpa)} overlaps ${w.what} at ${hex(w.gpa)}-${hex(end)}`);
    }
  }
  return plan;
}

export function describeRam(e820: E820Entry[]): string {
  return e820.filter((e) => e.type === E820_RAM).map((e) => `${hex(e.addr)}-${hex(e.addr + e.size)}`).join(", ");
}

/** Little-endian field writers for building guest structures. */
export class StructWriter {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) { this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength); }
  u8(off: number, v: number): void { this.view.setUint8(off, v); }
  u16(off: number, v: number): void { this.view.setUint16(off, v, true); }
  u32(off: number, v: number): void { this.view.setUint32(off, v >>> 0, true); }
  /** A 64-bit field from a number below 2^53. */
  u64(off: number, v: number): void { this.u32(off, v % 0x100000000); this.u32(off + 4, Math.floor(v / 0x100000000)); }
}

/** A NUL-terminated Latin-1 string (boot command lines are bytes; other code points are refused). */
export function cString(file: string, what: string, s: string): Uint8Array {
  const out = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0xff) throw new PlacementError(file, `${what} has a character ${JSON.stringify(s[i])} at index ${i} that is not a non-NUL byte`);
    out[i] = c;
  }
  return out;
}
