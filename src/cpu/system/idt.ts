// Protected-mode interrupt and exception delivery through the IDT (SDM Vol.3 6.10-6.14,
// Vol.2 INT n "Operation"), including delivery out of virtual-8086 mode (Vol.3 20.3.1).
//
// Error codes raised while delivering carry EXT (bit 0) unless the event is INT n, INT3 or
// INTO; faults on the IDT entry itself carry IDT (bit 1) and the vector in the index field.

import type { Cpu } from "../cpu.js";
import { Eflags, Exc, Seg, SysType } from "../constants.js";
import { raise } from "../fault.js";
import { getEflags, materialize } from "../flags.js";
import { Xl } from "../mmu.js";
import { push16, push32 } from "../stack.js";
import { Descriptor, descBase, descDpl, descLimit, descPresent, descType, gateOffset, gateSelector, isCode, isConforming, isNullSel, isSystem, isWritableData, loadCache, loadNull, readDescriptor, readSys32, selErr, setAccessed } from "./descriptors.js";
import { Frame, frameEsp, frameOn, frameOnSS, framePush } from "./frame.js";
import { EV_EXCEPTION, EV_SOFT_EXC, EV_SOFT_INT } from "./interrupts.js";
import { readTssStack, taskSwitch, taskTrap, TS_INT, tssStack } from "./task.js";

const gate = new Descriptor();
const code = new Descriptor();
const stk = new Descriptor();
const frame = new Frame();

/** Fault-class exceptions: their frame's EFLAGS image has RF = 1 (SDM Vol.3 17.3.1.1). */
function isFault(vector: number): boolean {
  return vector === 0 || (vector >= 5 && vector <= 7) || (vector >= 10 && vector <= 14) ||
    vector === 16 || vector === 17 || vector === 19;
}

/**
 * Delivers `vector` through the IDT in protected or virtual-8086 mode. `type` is an EV_* kind,
 * `errorCode` -1 when none is pushed. EIP holds the return address. All checks precede the
 * first register change; faults propagate to the caller's double-fault logic.
 */
export function deliverProtected(cpu: Cpu, vector: number, type: number, errorCode: number): void {
  const soft = type === EV_SOFT_INT || type === EV_SOFT_EXC;
  const ext = soft ? 0 : 1;
  const idtErr = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > (cpu.idtrLimit >>> 0)) raise(Exc.GP, idtErr);
  const entry = (cpu.idtrBase + vector * 8) | 0;
  gate.addr = entry;
  gate.lo = readSys32(cpu, entry);
  gate.hi = readSys32(cpu, (entry + 4) | 0);
  const gtype = descType(gate);
  if (!isSystem(gate) || (gtype !== SysType.TASKGATE && gtype !== SysType.INTGATE16 && gtype !== SysType.TRAPGATE16 &&
    gtype !== SysType.INTGATE32 && gtype !== SysType.TRAPGATE32)) raise(Exc.GP, idtErr);
  // Software interrupts may only use gates at or below their privilege (SDM Vol.3 6.12.1.1).
  if (soft && descDpl(gate) < cpu.cpl) raise(Exc.GP, vector * 8 + 2);
  if (!descPresent(gate)) raise(Exc.NP, idtErr);
  let eflags = getEflags(cpu);
  if (type === EV_EXCEPTION && isFault(vector)) eflags |= Eflags.RF;
  if (gtype === SysType.TASKGATE) { throughTaskGate(cpu, errorCode, ext); return; }

  const gate32 = (gtype & 8) !== 0;
  const size = gate32 ? 4 : 2;
  const csSel = gateSelector(gate);
  const offset = gate32 ? gateOffset(gate) : gateOffset(gate) & 0xffff;
  if (isNullSel(csSel)) raise(Exc.GP, ext);
  const csErr = selErr(csSel) | ext;
  if (!readDescriptor(cpu, csSel, code)) raise(Exc.GP, csErr);
  if (!isCode(code) || descDpl(code) > cpu.cpl) raise(Exc.GP, csErr);
  if (!descPresent(code)) raise(Exc.NP, csErr);
  const dpl = descDpl(code);
  const vm = (cpu.flags & Eflags.VM) !== 0;
  const oldCs = cpu.segSel[Seg.CS];
  let newCpl: number;
  let ssSel = 0;
  if (!isConforming(code) && dpl < cpu.cpl) {
    // Inter-privilege: the stack for `dpl` comes from the TSS (SDM Vol.3 6.12.1, Figure 6-4).
    if (vm && dpl !== 0) raise(Exc.GP, csErr);
    readTssStack(cpu, dpl, ext);
    ssSel = tssStack.ss;
    const ssErr = selErr(ssSel) | ext;
    if (isNullSel(ssSel)) raise(Exc.TS, ext);
    if (!readDescriptor(cpu, ssSel, stk)) raise(Exc.TS, ssErr);
    if ((ssSel & 3) !== dpl || descDpl(stk) !== dpl || !isWritableData(stk)) raise(Exc.TS, ssErr);
    if (!descPresent(stk)) raise(Exc.SS, ssErr);
    frameOn(frame, descBase(stk), descLimit(stk), (stk.hi >>> 8) & 0xf0ff, tssStack.esp, 0, ssErr);
    if (vm) {
      framePush(cpu, frame, size, cpu.segSel[Seg.GS]);
      framePush(cpu, frame, size, cpu.segSel[Seg.FS]);
      framePush(cpu, frame, size, cpu.segSel[Seg.DS]);
      framePush(cpu, frame, size, cpu.segSel[Seg.ES]);
    }
    framePush(cpu, frame, size, cpu.segSel[Seg.SS]);
    framePush(cpu, frame, size, cpu.regs[4]);
    newCpl = dpl;
  } else {
    if (vm) raise(Exc.GP, csErr);
    frameOnSS(cpu, frame, cpu.cpl === 3 ? Xl.USER : 0, ext);
    newCpl = cpu.cpl;
  }
  framePush(cpu, frame, size, eflags);
  framePush(cpu, frame, size, oldCs);
  framePush(cpu, frame, size, cpu.eip);
  if (errorCode >= 0) framePush(cpu, frame, size, errorCode);
  if ((offset >>> 0) > (descLimit(code) >>> 0)) raise(Exc.GP, ext);

  // ---- commit ----
  if (ssSel !== 0) {
    setAccessed(cpu, stk);
    loadCache(cpu, Seg.SS, ssSel, stk);
    if (vm) for (let i = 0; i < 4; i++) loadNull(cpu, V86_DATA[i], 0);
  }
  cpu.regs[4] = frameEsp(frame);
  setAccessed(cpu, code);
  loadCache(cpu, Seg.CS, (csSel & 0xfffc) | newCpl, code);
  materialize(cpu);
  cpu.flags &= ~(Eflags.TF | Eflags.NT | Eflags.RF | Eflags.VM);
  if ((gtype & 1) === 0) cpu.flags &= ~Eflags.IF;
  cpu.eip = offset;
  cpu.updateMode();
}
const V86_DATA = [Seg.ES, Seg.DS, Seg.FS, Seg.GS];

/** Task-gate delivery (SDM Vol.3 6.12.2): switch tasks, then push the error code on the new stack. */
function throughTaskGate(cpu: Cpu, errorCode: number, ext: number): void {
  const tssSel = gateSelector(gate);
  const err = selErr(tssSel) | ext;
  if ((tssSel & 4) !== 0 || !readDescriptor(cpu, tssSel, code)) raise(Exc.GP, err);
  const t = descType(code);
  if (!isSystem(code) || (t !== 1 && t !== 9 && t !== 3 && t !== 11)) raise(Exc.GP, err);
  const trap = taskSwitch(cpu, tssSel, code, TS_INT, ext);
  if (errorCode >= 0) {
    // In the new task's context (taskSwitch moved startEip/startEsp there).
    if (cpu.segAttr[Seg.TR] & 8) push32(cpu, errorCode); else push16(cpu, errorCode);
  }
  if ((cpu.eip >>> 0) > (cpu.segLimit[Seg.CS] >>> 0)) raise(Exc.GP, ext);
  if (trap) taskTrap(cpu);
}
