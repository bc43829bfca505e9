// Task management (SDM Vol.3 ch.7): the hardware task switch and the TSS stack pointers used
// by privilege changes.
//
// 32-bit TSS (SDM Vol.3 Figure 7-2), byte offsets:
//   00 previous task link  04 ESP0  08 SS0  0C ESP1  10 SS1  14 ESP2  18 SS2  1C CR3  20 EIP
//   24 EFLAGS  28 EAX ECX EDX EBX ESP EBP ESI EDI (4 bytes each)  48 ES CS SS DS FS GS (4 each)
//   60 LDT selector  64 T (bit 0)  66 I/O map base
// 16-bit TSS (Figure 7-11):
//   00 link  02 SP0  04 SS0  06 SP1  08 SS1  0A SP2  0C SS2  0E IP  10 FLAGS
//   12 AX CX DX BX SP BP SI DI (2 each)  22 ES CS SS DS (2 each)  2A LDT selector

import type { Cpu } from "../cpu.js";
import { Cr0, Cr4, Desc, Eflags, Exc, Reg, Seg, SysType } from "../constants.js";
import { FAULT, raise } from "../fault.js";
import { getEflags } from "../flags.js";
import { probeWriteLin, readLinSlow, writeLinSlow } from "../mmu.js";
import { Descriptor, descBase, descDpl, descLimit, descPresent, descType, isCode, isConforming, isNullSel, isReadable, isSystem, isWritableData, loadCache, loadNull, readDescriptor, selErr, setAccessed, setTssBusy } from "./descriptors.js";
import { loadSegmentV86 } from "./segments.js";

/** What caused a task switch: it decides busy bits, NT and the back link (SDM Vol.3 Table 7-2). */
export const TS_JMP = 0, TS_CALL = 1, TS_IRET = 2, TS_INT = 3;

const oldDesc = new Descriptor();
const tmp = new Descriptor();
/** New task state read before anything is committed: EIP EFLAGS, 8 GPRs, 6 selectors, LDT, CR3, T. */
const st = new Int32Array(19);
const S_EIP = 0, S_EFLAGS = 1, S_REGS = 2, S_SEGS = 10, S_LDT = 16, S_CR3 = 17, S_T = 18;

function isTss32(type: number): boolean {
  return (type & 8) !== 0;
}

function rd(cpu: Cpu, lin: number, size: number): number {
  return readLinSlow(cpu, lin, size, 0);
}

/**
 * Switches to the task whose TSS descriptor `nd` (selector `sel`) names (SDM Vol.3 7.3). The
 * caller has done the privilege checks of its source. EIP must hold the value to save in the
 * old TSS. Faults before the commit leave the old task intact; faults while loading the new
 * task's segments are raised in the new task's context. Returns true when the new TSS has
 * its T bit set (the caller raises #DB with taskTrap once it has finished).
 */
export function taskSwitch(cpu: Cpu, sel: number, nd: Descriptor, source: number, ext: number): boolean {
  const type = descType(nd);
  const new32 = isTss32(type);
  const err = selErr(sel) | ext;
  // Step 3: present, limit large enough, busy state right for the source.
  if (!descPresent(nd)) raise(Exc.NP, err);
  if ((descLimit(nd) >>> 0) < (new32 ? 0x67 : 0x2b)) raise(Exc.TS, err);
  const busy = (type & 2) !== 0;
  if (source === TS_IRET ? !busy : busy) raise(source === TS_IRET ? Exc.TS : Exc.GP, err);
  const nb = descBase(nd);
  // Read the whole new state first, so page faults happen before any change.
  if (new32) {
    st[S_CR3] = rd(cpu, nb + 0x1c, 4);
    st[S_EIP] = rd(cpu, nb + 0x20, 4);
    st[S_EFLAGS] = rd(cpu, nb + 0x24, 4);
    for (let i = 0; i < 8; i++) st[S_REGS + i] = rd(cpu, nb + 0x28 + i * 4, 4);
    for (let i = 0; i < 6; i++) st[S_SEGS + i] = rd(cpu, nb + 0x48 + i * 4, 2);
    st[S_LDT] = rd(cpu, nb + 0x60, 2);
    st[S_T] = rd(cpu, nb + 0x64, 2) & 1;
  } else {
    st[S_CR3] = cpu.cr3;
    st[S_EIP] = rd(cpu, nb + 0x0e, 2);
    st[S_EFLAGS] = rd(cpu, nb + 0x10, 2);
    for (let i = 0; i < 8; i++) st[S_REGS + i] = (cpu.regs[i] & ~0xffff) | rd(cpu, nb + 0x12 + i * 2, 2);
    for (let i = 0; i < 4; i++) st[S_SEGS + i] = rd(cpu, nb + 0x22 + i * 2, 2);
    st[S_SEGS + Seg.FS] = 0; st[S_SEGS + Seg.GS] = 0;
    st[S_LDT] = rd(cpu, nb + 0x2a, 2);
    st[S_T] = 0;
  }
  // The old TSS descriptor (for the busy bit) and the save area must be reachable too.
  const oldSel = cpu.segSel[Seg.TR];
  const oldType = cpu.segAttr[Seg.TR] & 15;
  const old32 = isTss32(oldType);
  const ob = cpu.segBase[Seg.TR];
  const haveOld = !isNullSel(oldSel) && readDescriptor(cpu, oldSel, oldDesc);
  if (old32) probeWriteLin(cpu, (ob + 0x20) | 0, 0x40, 0);
  else probeWriteLin(cpu, (ob + 0x0e) | 0, 0x1c, 0);
  if (source === TS_CALL || source === TS_INT) probeWriteLin(cpu, nb, 2, 0);

  // ---- commit: from here on the old task is left ----
  if ((source === TS_JMP || source === TS_IRET) && haveOld) setTssBusy(cpu, oldDesc, false);
  let eflags = getEflags(cpu);
  if (source === TS_IRET) eflags &= ~Eflags.NT;
  if (old32) {
    writeLinSlow(cpu, (ob + 0x20) | 0, 4, cpu.eip, 0);
    writeLinSlow(cpu, (ob + 0x24) | 0, 4, eflags, 0);
    for (let i = 0; i < 8; i++) writeLinSlow(cpu, (ob + 0x28 + i * 4) | 0, 4, cpu.regs[i], 0);
    for (let i = 0; i < 6; i++) writeLinSlow(cpu, (ob + 0x48 + i * 4) | 0, 2, cpu.segSel[i], 0);
  } else {
    writeLinSlow(cpu, (ob + 0x0e) | 0, 2, cpu.eip & 0xffff, 0);
    writeLinSlow(cpu, (ob + 0x10) | 0, 2, eflags & 0xffff, 0);
    for (let i = 0; i < 8; i++) writeLinSlow(cpu, (ob + 0x12 + i * 2) | 0, 2, cpu.regs[i] & 0xffff, 0);
    for (let i = 0; i < 4; i++) writeLinSlow(cpu, (ob + 0x22 + i * 2) | 0, 2, cpu.segSel[i], 0);
  }
  let newFlags = st[S_EFLAGS];
  if (source === TS_CALL || source === TS_INT) {
    newFlags |= Eflags.NT;
    writeLinSlow(cpu, nb, 2, oldSel, 0);
  }
  if (source !== TS_IRET) setTssBusy(cpu, nd, true);
  loadCache(cpu, Seg.TR, sel, nd);
  cpu.cr0 |= Cr0.TS;
  cpu.dr[7] &= ~0x155; // local breakpoint enables L0-L3 and LE are per task (SDM Vol.3 17.2.4)

  // Step 10: the new task's registers.
  if (new32 && (cpu.cr0 & Cr0.PG) !== 0 && st[S_CR3] !== cpu.cr3) {
    cpu.cr3 = st[S_CR3];
    cpu.flushTlb((cpu.cr4 & Cr4.PGE) !== 0);
  }
  cpu.flags = (newFlags & Eflags.WRITABLE & (new32 ? -1 : 0xffff)) | Eflags.FIXED1;
  cpu.lzMask = 0;
  cpu.poke();
  cpu.eip = new32 ? st[S_EIP] : st[S_EIP] & 0xffff;
  for (let i = 0; i < 8; i++) cpu.regs[i] = st[S_REGS + i];
  // Selectors first (unusable until their descriptors load), SS.DPL = the new CPL.
  const newCpl = (cpu.flags & Eflags.VM) !== 0 ? 3 : st[S_SEGS + Seg.CS] & 3;
  for (let s = 0; s < 6; s++) cpu.setSegCache(s, st[S_SEGS + s], 0, 0, Desc.UNUSABLE | (s === Seg.SS ? newCpl << 5 : 0));
  cpu.setSegCache(Seg.LDTR, st[S_LDT], 0, 0, Desc.UNUSABLE);
  cpu.updateMode();
  // Any fault from here on belongs to the new task: the run loop's rollback must land there.
  cpu.startEip = cpu.eip;
  cpu.startEsp = cpu.regs[Reg.ESP];
  try {
    loadTaskSegments(cpu);
  } catch (e) {
    if (e === FAULT) cpu.updateMode();
    throw e;
  }
  cpu.updateMode();
  return st[S_T] !== 0;
}

/** Loads LDTR and the segment registers of the new task (SDM Vol.3 7.3 step 10, Table 7-1). */
function loadTaskSegments(cpu: Cpu): void {
  const ldt = st[S_LDT];
  if (!isNullSel(ldt)) {
    if ((ldt & 4) !== 0 || !readDescriptor(cpu, ldt, tmp)) raise(Exc.TS, selErr(ldt));
    if (!isSystem(tmp) || descType(tmp) !== SysType.LDT || !descPresent(tmp)) raise(Exc.TS, selErr(ldt));
    loadCache(cpu, Seg.LDTR, ldt, tmp);
  }
  if (cpu.flags & Eflags.VM) {
    for (let s = 0; s < 6; s++) loadSegmentV86(cpu, s, st[S_SEGS + s]);
    return;
  }
  const cs = st[S_SEGS + Seg.CS], cpl = cs & 3;
  if (isNullSel(cs) || !readDescriptor(cpu, cs, tmp) || !isCode(tmp)) raise(Exc.TS, selErr(cs));
  if (isConforming(tmp) ? descDpl(tmp) > cpl : descDpl(tmp) !== cpl) raise(Exc.TS, selErr(cs));
  if (!descPresent(tmp)) raise(Exc.NP, selErr(cs));
  setAccessed(cpu, tmp);
  loadCache(cpu, Seg.CS, cs, tmp);
  const ss = st[S_SEGS + Seg.SS];
  if (isNullSel(ss) || !readDescriptor(cpu, ss, tmp)) raise(Exc.TS, selErr(ss));
  if (!isWritableData(tmp) || descDpl(tmp) !== cpl || (ss & 3) !== cpl) raise(Exc.TS, selErr(ss));
  if (!descPresent(tmp)) raise(Exc.SS, selErr(ss));
  setAccessed(cpu, tmp);
  loadCache(cpu, Seg.SS, ss, tmp);
  cpu.updateMode();
  for (let i = 0; i < 4; i++) {
    const s = DATA_SEGS[i], sel = st[S_SEGS + s];
    if (isNullSel(sel)) { loadNull(cpu, s, sel); continue; }
    if (!readDescriptor(cpu, sel, tmp) || !isReadable(tmp)) raise(Exc.TS, selErr(sel));
    if (!isConforming(tmp) && (descDpl(tmp) < cpl || descDpl(tmp) < (sel & 3))) raise(Exc.TS, selErr(sel));
    if (!descPresent(tmp)) raise(Exc.NP, selErr(sel));
    setAccessed(cpu, tmp);
    loadCache(cpu, s, sel, tmp);
  }
}
const DATA_SEGS = [Seg.DS, Seg.ES, Seg.FS, Seg.GS];

/** The T-bit debug trap after a switch into a task whose TSS has T = 1 (SDM Vol.3 7.2.1). */
export function taskTrap(cpu: Cpu): never {
  cpu.startEip = cpu.eip;
  cpu.startEsp = cpu.regs[Reg.ESP];
  cpu.dr[6] |= 1 << 15; // BT
  return raise(Exc.DB);
}

/** SS:ESP for privilege level `dpl` from the current TSS (SDM Vol.3 7.2.1); #TS(TR) when out of limit. */
export const tssStack = { ss: 0, esp: 0 };
export function readTssStack(cpu: Cpu, dpl: number, ext: number): void {
  const base = cpu.segBase[Seg.TR], limit = cpu.segLimit[Seg.TR] >>> 0;
  if (isTss32(cpu.segAttr[Seg.TR] & 15)) {
    const off = dpl * 8 + 4;
    if (off + 5 > limit) raise(Exc.TS, selErr(cpu.segSel[Seg.TR]) | ext);
    tssStack.esp = rd(cpu, (base + off) | 0, 4);
    tssStack.ss = rd(cpu, (base + off + 4) | 0, 2);
  } else {
    const off = dpl * 4 + 2;
    if (off + 3 > limit) raise(Exc.TS, selErr(cpu.segSel[Seg.TR]) | ext);
    tssStack.esp = rd(cpu, (base + off) | 0, 2);
    tssStack.ss = rd(cpu, (base + off + 2) | 0, 2);
  }
}
