// Segment descriptors in the GDT and LDT (SDM Vol.3 3.4.5, 3.5, 5.8.3, 7.2.2).
//
// Descriptor layout (two dwords):
//   lo  bits 0-15 limit 15:0        bits 16-31 base 15:0
//   hi  bits 0-7 base 23:16   8-11 type  12 S  13-14 DPL  15 P  16-19 limit 19:16
//       20 AVL  21 L  22 D/B  23 G  24-31 base 31:24
// Gate layout (call, interrupt, trap, task gates):
//   lo  bits 0-15 offset 15:0       bits 16-31 selector
//   hi  bits 0-4 parameter count (call gates)  8-11 type  13-14 DPL  15 P  16-31 offset 31:16
// The descriptor-cache attribute word (VMX access rights) is hi bits 8-15 and 20-23 shifted
// down by 8, so attr = (hi >>> 8) & 0xf0ff.

import type { Cpu } from "../cpu.js";
import { Desc, Seg } from "../constants.js";
import { readLinSlow, writeLinSlow, TlbBit } from "../mmu.js";

/** One descriptor read from a table: its two dwords and the linear address they came from. */
export class Descriptor {
  lo = 0;
  hi = 0;
  addr = 0;
}

/** Error code for a selector-related fault: index and TI, RPL bits cleared (SDM Vol.3 6.13). */
export function selErr(sel: number): number {
  return sel & 0xfffc;
}

export function isNullSel(sel: number): boolean {
  return (sel & 0xfffc) === 0;
}

/**
 * Reads the descriptor `sel` names from the GDT or (TI = 1) the LDT into `out`. Returns false,
 * reading nothing, when the index lies outside the table limit or the LDT is unusable; the
 * caller raises its own fault. Table reads are supervisor accesses (may raise #PF).
 */
export function readDescriptor(cpu: Cpu, sel: number, out: Descriptor): boolean {
  let base: number, limit: number;
  if (sel & 4) {
    if (cpu.segAttr[Seg.LDTR] & Desc.UNUSABLE) return false;
    base = cpu.segBase[Seg.LDTR];
    limit = cpu.segLimit[Seg.LDTR] >>> 0;
  } else {
    base = cpu.gdtrBase;
    limit = cpu.gdtrLimit >>> 0;
  }
  const off = sel & 0xfff8;
  if (off + 7 > limit) return false;
  out.addr = (base + off) | 0;
  out.lo = readSys32(cpu, out.addr);
  out.hi = readSys32(cpu, (out.addr + 4) | 0);
  return true;
}

/** A supervisor (implicit) dword read of a system table at `lin`: TLB hit fast, else a walk. */
export function readSys32(cpu: Cpu, lin: number): number {
  const vpn = lin >>> 12;
  if ((cpu.tlb.flags[vpn] & TlbBit.RS) !== 0 && (lin & 0xfff) <= 0xffc) return cpu.mem.view.getInt32(cpu.tlb.host[vpn] + (lin & 0xfff), true);
  return readLinSlow(cpu, lin, 4, 0);
}

/** Cache attribute word (VMX access-rights layout) of a code/data/system descriptor. */
export function descAttr(d: Descriptor): number {
  return (d.hi >>> 8) & 0xf0ff;
}
export function descBase(d: Descriptor): number {
  return (d.hi & 0xff000000) | ((d.hi & 0xff) << 16) | (d.lo >>> 16);
}
/** Byte-granular limit: the 20-bit field scaled by 4 KiB when G is set. */
export function descLimit(d: Descriptor): number {
  const raw = (d.hi & 0x000f0000) | (d.lo & 0xffff);
  return d.hi & (1 << 23) ? (raw << 12) | 0xfff : raw;
}
export function descDpl(d: Descriptor): number {
  return (d.hi >> 13) & 3;
}
export function descPresent(d: Descriptor): boolean {
  return (d.hi & (1 << 15)) !== 0;
}
/** The 4-bit type field (with S it classifies the descriptor). */
export function descType(d: Descriptor): number {
  return (d.hi >> 8) & 15;
}
export function isSystem(d: Descriptor): boolean {
  return (d.hi & (1 << 12)) === 0;
}
export function isCode(d: Descriptor): boolean {
  return (d.hi & (1 << 12)) !== 0 && (d.hi & (1 << 11)) !== 0;
}
export function isData(d: Descriptor): boolean {
  return (d.hi & (1 << 12)) !== 0 && (d.hi & (1 << 11)) === 0;
}
export function isConforming(d: Descriptor): boolean {
  return isCode(d) && (d.hi & (1 << 10)) !== 0;
}
/** Readable code, or any data segment. */
export function isReadable(d: Descriptor): boolean {
  return isData(d) || (isCode(d) && (d.hi & (1 << 9)) !== 0);
}
export function isWritableData(d: Descriptor): boolean {
  return isData(d) && (d.hi & (1 << 9)) !== 0;
}

// Gate fields.
export function gateSelector(d: Descriptor): number {
  return d.lo >>> 16;
}
export function gateOffset(d: Descriptor): number {
  return (d.hi & 0xffff0000) | (d.lo & 0xffff);
}
export function gateParams(d: Descriptor): number {
  return d.hi & 0x1f;
}

/** Sets the accessed bit of a code/data descriptor in memory if clear (SDM Vol.3 3.4.5.1). */
export function setAccessed(cpu: Cpu, d: Descriptor): void {
  if (d.hi & (1 << 8)) return;
  d.hi |= 1 << 8;
  writeLinSlow(cpu, (d.addr + 5) | 0, 1, (d.hi >>> 8) & 0xff, 0);
}

/** Sets or clears the busy bit (type bit 1) of a TSS descriptor in memory (SDM Vol.3 7.2.2). */
export function setTssBusy(cpu: Cpu, d: Descriptor, busy: boolean): void {
  d.hi = busy ? d.hi | (1 << 9) : d.hi & ~(1 << 9);
  writeLinSlow(cpu, (d.addr + 5) | 0, 1, (d.hi >>> 8) & 0xff, 0);
}

/** Loads segment cache `seg` from descriptor `d` (the caller has done every check). */
export function loadCache(cpu: Cpu, seg: number, sel: number, d: Descriptor): void {
  cpu.setSegCache(seg, sel & 0xffff, descBase(d), descLimit(d), descAttr(d));
}

/** Marks a data segment register as holding a null selector: any use faults. */
export function loadNull(cpu: Cpu, seg: number, sel: number): void {
  cpu.setSegCache(seg, sel & 0xffff, 0, 0, Desc.UNUSABLE);
}

/** Attribute-word tests on a loaded cache (for RETF/IRET data-segment nulling, VERR...). */
export function cacheDplBelow(attr: number, cpl: number): boolean {
  // Data or non-conforming code segments with DPL < CPL become inaccessible (SDM Vol.3 5.8.6).
  if (attr & Desc.UNUSABLE) return false;
  const conformingCode = (attr & Desc.CODE) !== 0 && (attr & Desc.DC) !== 0;
  return (attr & Desc.S) !== 0 && !conformingCode && ((attr >> 5) & 3) < cpl;
}
