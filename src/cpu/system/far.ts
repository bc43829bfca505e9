// Far control transfers: JMP, CALL and RET to another code segment, through call gates, task
// gates and TSS descriptors (SDM Vol.2 JMP/CALL/RET "Operation", Vol.3 5.8).

import type { Cpu } from "../cpu.js";
import { Cr0, Eflags, Exc, Reg, Seg, SysType } from "../constants.js";
import { raise } from "../fault.js";
import { read16, read32, Xl } from "../mmu.js";
import { adjustSp, peek16, peek32 } from "../stack.js";
import { cacheDplBelow, Descriptor, descAttr, descBase, descDpl, descLimit, descPresent, descType, gateOffset, gateParams, gateSelector, isCode, isConforming, isNullSel, isSystem, isWritableData, loadCache, loadNull, readDescriptor, selErr, setAccessed } from "./descriptors.js";
import { Frame, frameEsp, frameOn, frameOnSS, framePush } from "./frame.js";
import { loadSegmentReal, loadSegmentV86 } from "./segments.js";
import { readTssStack, taskSwitch, taskTrap, TS_CALL, TS_JMP, tssStack } from "./task.js";

const desc = new Descriptor();
const target = new Descriptor();
const stk = new Descriptor();
const frame = new Frame();
const params = new Int32Array(32);

/** Real mode and V86: CS gets base = selector * 16. */
function loadCsPlain(cpu: Cpu, sel: number): void {
  if (cpu.flags & Eflags.VM) loadSegmentV86(cpu, Seg.CS, sel);
  else loadSegmentReal(cpu, Seg.CS, sel);
}

function isProtected(cpu: Cpu): boolean {
  return (cpu.cr0 & Cr0.PE) !== 0 && (cpu.flags & Eflags.VM) === 0;
}

/** Checks a code-segment descriptor as a direct JMP/CALL target (SDM Vol.3 5.8.1, 5.8.2). */
function checkDirectCode(cpu: Cpu, sel: number, d: Descriptor): void {
  const dpl = descDpl(d);
  if (isConforming(d) ? dpl > cpu.cpl : (sel & 3) > cpu.cpl || dpl !== cpu.cpl) raise(Exc.GP, selErr(sel));
  if (!descPresent(d)) raise(Exc.NP, selErr(sel));
}

/** Checks the code segment a call gate points to; the selector is left in `target`. */
function readGateTarget(cpu: Cpu, gate: Descriptor): number {
  const sel = gateSelector(gate);
  if (isNullSel(sel)) raise(Exc.GP, 0);
  if (!readDescriptor(cpu, sel, target) || !isCode(target) || descDpl(target) > cpu.cpl) raise(Exc.GP, selErr(sel));
  if (!descPresent(target)) raise(Exc.NP, selErr(sel));
  return sel;
}

/** Gate or TSS privilege: DPL must be >= CPL and >= RPL (SDM Vol.3 5.8.4, 7.3). */
function checkGateDpl(cpu: Cpu, sel: number, d: Descriptor): void {
  const dpl = descDpl(d);
  if (dpl < cpu.cpl || dpl < (sel & 3)) raise(Exc.GP, selErr(sel));
  if (!descPresent(d)) raise(Exc.NP, selErr(sel));
}

/** Reads the TSS a task gate names (GDT only, available) into `target`; returns its selector. */
function readGateTss(cpu: Cpu, gate: Descriptor): number {
  const sel = gateSelector(gate);
  if ((sel & 4) !== 0 || !readDescriptor(cpu, sel, target)) raise(Exc.GP, selErr(sel));
  const t = descType(target);
  if (!isSystem(target) || (t !== 1 && t !== 9)) raise(Exc.GP, selErr(sel));
  return sel;
}

function switchTo(cpu: Cpu, sel: number, d: Descriptor, source: number): void {
  const trap = taskSwitch(cpu, sel, d, source, 0);
  if ((cpu.eip >>> 0) > (cpu.segLimit[Seg.CS] >>> 0)) raise(Exc.GP, 0);
  if (trap) taskTrap(cpu);
}

/** Far JMP to sel:offset (offset already truncated to the operand size). */
export function jmpFar(cpu: Cpu, sel: number, offset: number): void {
  sel &= 0xffff;
  if (!isProtected(cpu)) { loadCsPlain(cpu, sel); cpu.eip = offset; return; }
  if (isNullSel(sel)) raise(Exc.GP, 0);
  if (!readDescriptor(cpu, sel, desc)) raise(Exc.GP, selErr(sel));
  if (isCode(desc)) {
    checkDirectCode(cpu, sel, desc);
    if ((offset >>> 0) > (descLimit(desc) >>> 0)) raise(Exc.GP, 0);
    setAccessed(cpu, desc);
    loadCache(cpu, Seg.CS, (sel & 0xfffc) | cpu.cpl, desc);
    cpu.eip = offset;
    cpu.updateMode();
    return;
  }
  if (!isSystem(desc)) raise(Exc.GP, selErr(sel));
  const type = descType(desc);
  if (type === SysType.CALLGATE16 || type === SysType.CALLGATE32) {
    checkGateDpl(cpu, sel, desc);
    const tsel = readGateTarget(cpu, desc);
    // JMP through a call gate never changes privilege.
    if (!isConforming(target) && descDpl(target) !== cpu.cpl) raise(Exc.GP, selErr(tsel));
    const off = type === SysType.CALLGATE32 ? gateOffset(desc) : gateOffset(desc) & 0xffff;
    if ((off >>> 0) > (descLimit(target) >>> 0)) raise(Exc.GP, 0);
    setAccessed(cpu, target);
    loadCache(cpu, Seg.CS, (tsel & 0xfffc) | cpu.cpl, target);
    cpu.eip = off;
    cpu.updateMode();
  } else if (type === SysType.TASKGATE) {
    checkGateDpl(cpu, sel, desc);
    const tss = readGateTss(cpu, desc);
    switchTo(cpu, tss, target, TS_JMP);
  } else if (type === 1 || type === 9 || type === 3 || type === 11) {
    checkGateDpl(cpu, sel, desc);
    if ((sel & 4) !== 0) raise(Exc.GP, selErr(sel));
    switchTo(cpu, sel, desc, TS_JMP);
  } else {
    raise(Exc.GP, selErr(sel));
  }
}

/** Far CALL to sel:offset; `op32` is the operand size (the size of the pushed return address). */
export function callFar(cpu: Cpu, sel: number, offset: number, op32: boolean): void {
  sel &= 0xffff;
  const size = op32 ? 4 : 2;
  const kind = cpu.cpl === 3 ? Xl.USER : 0;
  if (!isProtected(cpu)) {
    frameOnSS(cpu, frame, kind, 0);
    framePush(cpu, frame, size, cpu.segSel[Seg.CS]);
    framePush(cpu, frame, size, cpu.eip);
    cpu.regs[Reg.ESP] = frameEsp(frame);
    loadCsPlain(cpu, sel);
    cpu.eip = offset;
    return;
  }
  if (isNullSel(sel)) raise(Exc.GP, 0);
  if (!readDescriptor(cpu, sel, desc)) raise(Exc.GP, selErr(sel));
  if (isCode(desc)) {
    checkDirectCode(cpu, sel, desc);
    frameOnSS(cpu, frame, kind, 0);
    framePush(cpu, frame, size, cpu.segSel[Seg.CS]);
    framePush(cpu, frame, size, cpu.eip);
    if ((offset >>> 0) > (descLimit(desc) >>> 0)) raise(Exc.GP, 0);
    cpu.regs[Reg.ESP] = frameEsp(frame);
    setAccessed(cpu, desc);
    loadCache(cpu, Seg.CS, (sel & 0xfffc) | cpu.cpl, desc);
    cpu.eip = offset;
    cpu.updateMode();
    return;
  }
  if (!isSystem(desc)) raise(Exc.GP, selErr(sel));
  const type = descType(desc);
  if (type === SysType.CALLGATE16 || type === SysType.CALLGATE32) {
    checkGateDpl(cpu, sel, desc);
    callGate(cpu, type === SysType.CALLGATE32);
  } else if (type === SysType.TASKGATE) {
    checkGateDpl(cpu, sel, desc);
    const tss = readGateTss(cpu, desc);
    switchTo(cpu, tss, target, TS_CALL);
  } else if (type === 1 || type === 9 || type === 3 || type === 11) {
    checkGateDpl(cpu, sel, desc);
    if ((sel & 4) !== 0) raise(Exc.GP, selErr(sel));
    switchTo(cpu, sel, desc, TS_CALL);
  } else {
    raise(Exc.GP, selErr(sel));
  }
}

/** CALL through the call gate in `desc` (SDM Vol.3 5.8.5, Figure 5-13). */
function callGate(cpu: Cpu, gate32: boolean): void {
  const tsel = readGateTarget(cpu, desc);
  const size = gate32 ? 4 : 2;
  const off = gate32 ? gateOffset(desc) : gateOffset(desc) & 0xffff;
  const dpl = descDpl(target);
  const oldCs = cpu.segSel[Seg.CS], oldSs = cpu.segSel[Seg.SS], oldEsp = cpu.regs[Reg.ESP];
  let ssSel = 0;
  if (!isConforming(target) && dpl < cpu.cpl) {
    readTssStack(cpu, dpl, 0);
    ssSel = tssStack.ss;
    const ssErr = selErr(ssSel);
    if (isNullSel(ssSel) || !readDescriptor(cpu, ssSel, stk)) raise(Exc.TS, ssErr);
    if ((ssSel & 3) !== dpl || descDpl(stk) !== dpl || !isWritableData(stk)) raise(Exc.TS, ssErr);
    if (!descPresent(stk)) raise(Exc.SS, ssErr);
    // Parameters are read from the caller's stack before anything changes.
    const n = gateParams(desc);
    for (let i = 0; i < n; i++) params[i] = gate32 ? peek32(cpu, i * 4) : peek16(cpu, i * 2);
    frameOn(frame, descBase(stk), descLimit(stk), descAttr(stk), tssStack.esp, 0, ssErr);
    framePush(cpu, frame, size, oldSs);
    framePush(cpu, frame, size, oldEsp);
    for (let i = n - 1; i >= 0; i--) framePush(cpu, frame, size, params[i]);
  } else {
    frameOnSS(cpu, frame, cpu.cpl === 3 ? Xl.USER : 0, 0);
  }
  framePush(cpu, frame, size, oldCs);
  framePush(cpu, frame, size, cpu.eip);
  if ((off >>> 0) > (descLimit(target) >>> 0)) raise(Exc.GP, 0);
  const newCpl = ssSel !== 0 ? dpl : cpu.cpl;
  if (ssSel !== 0) {
    setAccessed(cpu, stk);
    loadCache(cpu, Seg.SS, ssSel, stk);
  }
  cpu.regs[Reg.ESP] = frameEsp(frame);
  setAccessed(cpu, target);
  loadCache(cpu, Seg.CS, (tsel & 0xfffc) | newCpl, target);
  cpu.eip = off;
  cpu.updateMode();
}

/**
 * Checks the CS selector a RETF/IRET pops (SDM Vol.2 RET "Operation"): it must name a present
 * code segment at privilege RPL >= CPL. Leaves the descriptor in `target`.
 */
export function checkReturnCs(cpu: Cpu, sel: number): void {
  if (isNullSel(sel)) raise(Exc.GP, 0);
  const rpl = sel & 3, err = selErr(sel);
  if (!readDescriptor(cpu, sel, target) || !isCode(target) || rpl < cpu.cpl) raise(Exc.GP, err);
  if (isConforming(target) ? descDpl(target) > rpl : descDpl(target) !== rpl) raise(Exc.GP, err);
  if (!descPresent(target)) raise(Exc.NP, err);
}

/** Checks the SS selector of a return to an outer level `rpl`; leaves it in `stk`. */
export function checkReturnSs(cpu: Cpu, sel: number, rpl: number): void {
  if (isNullSel(sel)) raise(Exc.GP, 0);
  const err = selErr(sel);
  if (!readDescriptor(cpu, sel, stk)) raise(Exc.GP, err);
  if ((sel & 3) !== rpl || !isWritableData(stk) || descDpl(stk) !== rpl) raise(Exc.GP, err);
  if (!descPresent(stk)) raise(Exc.SS, err);
}

/** Loads CS (and SS) from the descriptors the checks above left; nulls data segments the new CPL may not use. */
export function commitReturn(cpu: Cpu, csSel: number, ssSel: number, esp: number): void {
  setAccessed(cpu, target);
  loadCache(cpu, Seg.CS, csSel, target);
  if (ssSel >= 0) {
    setAccessed(cpu, stk);
    loadCache(cpu, Seg.SS, ssSel, stk);
    cpu.regs[Reg.ESP] = esp;
    cpu.updateMode();
    // SDM Vol.3 5.8.6: segment registers the outer level cannot use are nulled.
    for (let i = 0; i < 4; i++) if (cacheDplBelow(cpu.segAttr[DATA_SEGS[i]], cpu.cpl)) loadNull(cpu, DATA_SEGS[i], 0);
  }
  cpu.updateMode();
}
const DATA_SEGS = [Seg.ES, Seg.DS, Seg.FS, Seg.GS];

/** Limit of the code segment checkReturnCs accepted. */
export function returnCsLimit(): number {
  return descLimit(target) >>> 0;
}

/** Far RET with `imm` bytes of parameters released (SDM Vol.2 RET). */
export function retFar(cpu: Cpu, op32: boolean, imm: number): void {
  const size = op32 ? 4 : 2;
  const eip = op32 ? peek32(cpu, 0) : peek16(cpu, 0);
  const csSel = (op32 ? peek32(cpu, 4) : peek16(cpu, 2)) & 0xffff;
  if (!isProtected(cpu)) {
    adjustSp(cpu, 2 * size + imm);
    loadCsPlain(cpu, csSel);
    cpu.eip = eip;
    return;
  }
  checkReturnCs(cpu, csSel);
  const rpl = csSel & 3;
  if (rpl === cpu.cpl) {
    if ((eip >>> 0) > returnCsLimit()) raise(Exc.GP, 0);
    adjustSp(cpu, 2 * size + imm);
    commitReturn(cpu, csSel, -1, 0);
    cpu.eip = eip;
    return;
  }
  const esp = op32 ? peek32(cpu, 8 + imm) : peek16(cpu, 4 + imm);
  const ssSel = (op32 ? peek32(cpu, 12 + imm) : peek16(cpu, 6 + imm)) & 0xffff;
  checkReturnSs(cpu, ssSel, rpl);
  if ((eip >>> 0) > returnCsLimit()) raise(Exc.GP, 0);
  const b32 = (stk.hi & (1 << 22)) !== 0;
  const newEsp = b32 ? (esp + imm) | 0 : (cpu.regs[Reg.ESP] & ~0xffff) | ((esp + imm) & 0xffff);
  commitReturn(cpu, csSel, ssSel, newEsp);
  cpu.eip = eip;
}

/** Reads the far pointer (offset, then selector) of an Mp operand: offset in [0], selector in [1]. */
export const farPtr = new Int32Array(2);
export function readFarPointer(cpu: Cpu, seg: number, off: number, op32: boolean): void {
  if (op32) {
    farPtr[0] = read32(cpu, seg, off);
    farPtr[1] = read16(cpu, seg, (off + 4) | 0);
  } else {
    farPtr[0] = read16(cpu, seg, off);
    farPtr[1] = read16(cpu, seg, (off + 2) | 0);
  }
}
