// IRET/IRETD (SDM Vol.2 IRET "Operation"): real mode, virtual-8086 mode, return from a nested
// task (NT), protected-mode return to the same or an outer level, and return to V86 mode.

import type { Cpu } from "../cpu.js";
import { Cr0, Eflags, Exc, Reg, Seg } from "../constants.js";
import { raise } from "../fault.js";
import { getEflags } from "../flags.js";
import { readLinSlow } from "../mmu.js";
import { adjustSp, peek16, peek32 } from "../stack.js";
import { Descriptor, descType, isSystem, readDescriptor, selErr } from "./descriptors.js";
import { checkReturnCs, checkReturnSs, commitReturn, returnCsLimit } from "./far.js";
import { loadSegmentReal, loadSegmentV86 } from "./segments.js";
import { taskSwitch, taskTrap, TS_IRET } from "./task.js";

const tss = new Descriptor();

function setFlags(cpu: Cpu, value: number, mask: number): void {
  const before = getEflags(cpu);
  cpu.flags = (before & ~mask) | (value & mask) | Eflags.FIXED1;
  cpu.lzMask = 0;
  // TF or RF now set: the run loop must take the observed path for the next instruction. IF now
  // set: an interrupt already pending is taken at the next boundary (IRET has no interrupt shadow).
  if ((cpu.flags & (Eflags.TF | Eflags.RF)) !== 0 || (cpu.flags & ~before & Eflags.IF) !== 0) cpu.poke();
}

/** IRET with operand size `op32`. */
export function iret(cpu: Cpu, op32: boolean): void {
  const size = op32 ? 4 : 2;
  const peek = op32 ? peek32 : peek16;
  if ((cpu.cr0 & Cr0.PE) === 0) {
    // Real-address mode: every flag is writable except VM, VIF, VIP (kept).
    const eip = peek(cpu, 0), cs = peek(cpu, size) & 0xffff, fl = peek(cpu, 2 * size);
    adjustSp(cpu, 3 * size);
    loadSegmentReal(cpu, Seg.CS, cs);
    cpu.eip = eip;
    setFlags(cpu, fl, op32 ? Eflags.WRITABLE & ~(Eflags.VM | Eflags.VIF | Eflags.VIP) : 0x7fd5);
    cpu.updateMode();
    return;
  }
  if (cpu.flags & Eflags.VM) {
    // Virtual-8086 mode (CR4.VME = 0): IOPL-sensitive; IOPL itself stays (SDM Vol.3 20.2.7).
    if ((cpu.flags & Eflags.IOPL) !== Eflags.IOPL) raise(Exc.GP, 0);
    const eip = peek(cpu, 0), cs = peek(cpu, size) & 0xffff, fl = peek(cpu, 2 * size);
    adjustSp(cpu, 3 * size);
    loadSegmentV86(cpu, Seg.CS, cs);
    cpu.eip = eip & 0xffff;
    setFlags(cpu, fl, (op32 ? Eflags.WRITABLE & ~(Eflags.VM | Eflags.VIF | Eflags.VIP) : 0xffff) & ~Eflags.IOPL);
    cpu.updateMode();
    return;
  }
  if (cpu.flags & Eflags.NT) { taskReturn(cpu); return; }
  const eip = peek(cpu, 0), csSel = peek(cpu, size) & 0xffff, fl = peek(cpu, 2 * size);
  if (op32 && (fl & Eflags.VM) !== 0 && cpu.cpl === 0) { returnToV86(cpu, eip, csSel, fl); return; }
  checkReturnCs(cpu, csSel);
  const rpl = csSel & 3;
  const oldCpl = cpu.cpl;
  const iopl = (getEflags(cpu) & Eflags.IOPL) >> 12;
  // Which flags IRET may change depends on the privilege it runs at (SDM Vol.2 IRET).
  let mask = Eflags.ARITH | Eflags.TF | Eflags.DF | Eflags.NT;
  if (op32) mask |= Eflags.RF | Eflags.AC | Eflags.ID;
  if (oldCpl <= iopl) mask |= Eflags.IF;
  if (oldCpl === 0) mask |= Eflags.IOPL | (op32 ? Eflags.VIF | Eflags.VIP : 0);
  if (rpl === oldCpl) {
    if ((eip >>> 0) > returnCsLimit()) raise(Exc.GP, 0);
    adjustSp(cpu, 3 * size);
    commitReturn(cpu, csSel, -1, 0);
  } else {
    const esp = peek(cpu, 3 * size), ssSel = peek(cpu, 4 * size) & 0xffff;
    checkReturnSs(cpu, ssSel, rpl);
    if ((eip >>> 0) > returnCsLimit()) raise(Exc.GP, 0);
    commitReturn(cpu, csSel, ssSel, op32 ? esp : (cpu.regs[Reg.ESP] & ~0xffff) | (esp & 0xffff));
  }
  cpu.eip = eip;
  setFlags(cpu, fl, mask);
  cpu.updateMode();
}

/** IRETD at CPL 0 with VM set in the popped EFLAGS (SDM Vol.3 20.2.6). */
function returnToV86(cpu: Cpu, eip: number, csSel: number, fl: number): void {
  const esp = peek32(cpu, 12), ss = peek32(cpu, 16), es = peek32(cpu, 20), ds = peek32(cpu, 24),
    fs = peek32(cpu, 28), gs = peek32(cpu, 32);
  setFlags(cpu, fl, Eflags.WRITABLE);
  loadSegmentV86(cpu, Seg.CS, csSel);
  loadSegmentV86(cpu, Seg.SS, ss);
  loadSegmentV86(cpu, Seg.ES, es);
  loadSegmentV86(cpu, Seg.DS, ds);
  loadSegmentV86(cpu, Seg.FS, fs);
  loadSegmentV86(cpu, Seg.GS, gs);
  cpu.regs[Reg.ESP] = esp;
  cpu.eip = eip & 0xffff;
  cpu.updateMode();
}

/** IRET with NT = 1: back to the task named by the current TSS's back link (SDM Vol.3 7.4). */
function taskReturn(cpu: Cpu): void {
  const link = readLinSlow(cpu, cpu.segBase[Seg.TR], 2, 0);
  if ((link & 4) !== 0 || !readDescriptor(cpu, link, tss)) raise(Exc.TS, selErr(link));
  const t = descType(tss);
  if (!isSystem(tss) || (t !== 3 && t !== 11)) raise(Exc.TS, selErr(link));
  const trap = taskSwitch(cpu, link, tss, TS_IRET, 0);
  if ((cpu.eip >>> 0) > (cpu.segLimit[Seg.CS] >>> 0)) raise(Exc.GP, 0);
  if (trap) taskTrap(cpu);
}

