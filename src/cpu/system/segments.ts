// Segment register loads (SDM Vol.3 3.4, 5.5-5.8).

import type { Cpu } from "../cpu.js";
import { Cr0, Desc, Eflags, Exc, Seg } from "../constants.js";
import { raise } from "../fault.js";
import { Descriptor, descDpl, descPresent, isConforming, isNullSel, isReadable, isWritableData, loadCache, loadNull, readDescriptor, selErr, setAccessed } from "./descriptors.js";

/**
 * Real-address mode: only selector and base change; limit and attributes stay as they are
 * (which is what makes "unreal mode" work on 386 and later).
 */
export function loadSegmentReal(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  // A real-mode CS load gives CS fixed values, a present R/W accessed data segment with a 64 KiB
  // limit, as at reset; the other registers keep their cached limit and access rights, which real
  // mode still honours (R. Collins, "The Segment Descriptor Cache", DDJ Aug 1998).
  if (seg === Seg.CS) cpu.setSegCache(Seg.CS, sel, sel << 4, 0xffff, Desc.P | Desc.S | Desc.RW | Desc.A);
  else cpu.setSegCache(seg, sel, sel << 4, cpu.segLimit[seg], cpu.segAttr[seg]);
  if (seg === Seg.CS || seg === Seg.SS) cpu.updateMode();
}

/**
 * Virtual-8086 mode: base = sel * 16, limit 0xffff, and for every register, CS included, the
 * access rights of a present DPL 3 read/write accessed data segment (0xF3, as VM entry
 * requires of a V86 guest: SDM Vol.3 20.2.1, 26.3.1.2).
 */
export function loadSegmentV86(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  const attr = Desc.P | Desc.S | Desc.RW | Desc.A | (3 << 5);
  cpu.setSegCache(seg, sel, sel << 4, 0xffff, attr);
  if (seg === Seg.CS || seg === Seg.SS) cpu.updateMode();
}

/**
 * MOV/POP/LxS to a data or stack segment register (not CS: far transfers use their own path).
 * Faults (#GP/#SS/#NP with the selector as error code) leave the register unchanged.
 */
export function loadSegment(cpu: Cpu, seg: number, sel: number): void {
  if ((cpu.cr0 & Cr0.PE) === 0) loadSegmentReal(cpu, seg, sel);
  else if (cpu.flags & Eflags.VM) loadSegmentV86(cpu, seg, sel);
  else loadSegmentProtected(cpu, seg, sel);
}

const desc = new Descriptor();

/**
 * Protected-mode load of DS ES FS GS SS (SDM Vol.2 MOV "Operation", Vol.3 5.5-5.6). Every
 * check happens before the cache changes; the accessed bit is set in the descriptor.
 */
export function loadSegmentProtected(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  const cpl = cpu.cpl, rpl = sel & 3;
  if (seg === Seg.SS) {
    if (isNullSel(sel)) raise(Exc.GP, 0);
    if (!readDescriptor(cpu, sel, desc)) raise(Exc.GP, selErr(sel));
    if (rpl !== cpl || !isWritableData(desc) || descDpl(desc) !== cpl) raise(Exc.GP, selErr(sel));
    if (!descPresent(desc)) raise(Exc.SS, selErr(sel));
    setAccessed(cpu, desc);
    loadCache(cpu, Seg.SS, sel, desc);
    cpu.updateMode();
    return;
  }
  if (isNullSel(sel)) { loadNull(cpu, seg, sel); return; }
  if (!readDescriptor(cpu, sel, desc)) raise(Exc.GP, selErr(sel));
  if (!isReadable(desc)) raise(Exc.GP, selErr(sel));
  // Data and non-conforming code: DPL must be >= both RPL and CPL.
  if (!isConforming(desc) && (rpl > descDpl(desc) || cpl > descDpl(desc))) raise(Exc.GP, selErr(sel));
  if (!descPresent(desc)) raise(Exc.NP, selErr(sel));
  setAccessed(cpu, desc);
  loadCache(cpu, seg, sel, desc);
}
