// Exception and interrupt delivery (SDM Vol.3 ch.6): the double-fault rules, real-mode
// delivery through the IVT, and dispatch to protected-mode delivery through the IDT.

import type { Cpu } from "../cpu.js";
import { Cr0, Eflags, Exc, Seg } from "../constants.js";
import { FAULT, raise } from "../fault.js";
import { getEflags } from "../flags.js";
import { readLinSlow } from "../mmu.js";
import { push16 } from "../stack.js";
import { deliverProtected } from "./idt.js";
import { loadSegmentReal } from "./segments.js";

/** How an event arose: it decides the pushed EIP, privilege checks and the double-fault rules. */
export const EV_EXCEPTION = 0, EV_EXTERNAL = 1, EV_SOFT_INT = 2, EV_SOFT_EXC = 3, EV_ICEBP = 4,
  EV_TRAP_DB = 5, EV_NMI = 6;

// SDM Vol.3 Table 6-4: contributory exceptions.
function contributory(v: number): boolean {
  return v === 0 || (v >= 10 && v <= 13);
}

/**
 * Delivers exception `vector` (errorCode -1 when none). EIP must already be the value to push:
 * the faulting instruction for faults, the next one for traps. Applies the double-fault and
 * triple-fault rules (SDM Vol.3 6.15, Table 6-5) when delivery itself faults.
 */
export function deliverException(cpu: Cpu, vector: number, errorCode: number, type = EV_EXCEPTION): void {
  if (vector === Exc.PF) cpu.cr2 = FAULT.cr2;
  const first = cpu.excInProgress;
  if (first >= 0) {
    if (first === Exc.DF) {
      cpu.shutdownReason = "triple fault";
      cpu.host.shutdown(cpu, `triple fault (exception ${vector} while delivering #DF)`);
      cpu.excInProgress = -1;
      return;
    }
    if ((contributory(first) && contributory(vector)) || (first === Exc.PF && (vector === Exc.PF || contributory(vector)))) {
      vector = Exc.DF;
      errorCode = 0;
      type = EV_EXCEPTION;
    }
  }
  cpu.excInProgress = vector;
  try {
    deliver(cpu, vector, type, errorCode);
    cpu.excInProgress = -1;
  } catch (e) {
    if (e !== FAULT) { cpu.excInProgress = -1; throw e; }
    deliverException(cpu, FAULT.vector, FAULT.errorCode);
  }
}

/** Delivers a maskable external interrupt (already acknowledged) with EIP = next instruction. */
export function deliverExternal(cpu: Cpu, vector: number): void {
  deliver(cpu, vector, EV_EXTERNAL, -1);
}

/** INT n / INT3 / INTO / INT1: software events, EIP already past the instruction. */
export function deliverSoftware(cpu: Cpu, vector: number, type: number): void {
  deliver(cpu, vector, type, -1);
}

function deliver(cpu: Cpu, vector: number, type: number, errorCode: number): void {
  cpu.halted = false;
  if ((cpu.cr0 & Cr0.PE) === 0) deliverReal(cpu, vector);
  else deliverProtected(cpu, vector, type, errorCode);
}

/** Real-address-mode delivery through the IVT (SDM Vol.3 20.1.4). No error code is pushed. */
function deliverReal(cpu: Cpu, vector: number): void {
  if (vector * 4 + 3 > cpu.idtrLimit) raise(Exc.GP, vector * 8 + 2);
  const entry = (cpu.idtrBase + vector * 4) | 0;
  const ip = readLinSlow(cpu, entry, 2, 0);
  const cs = readLinSlow(cpu, (entry + 2) | 0, 2, 0);
  const fl = getEflags(cpu) & ~Eflags.VM;
  push16(cpu, fl);
  push16(cpu, cpu.segSel[Seg.CS]);
  push16(cpu, cpu.eip);
  cpu.flags = fl & ~(Eflags.IF | Eflags.TF | Eflags.AC | Eflags.RF);
  cpu.lzMask = 0;
  loadSegmentReal(cpu, Seg.CS, cs);
  cpu.eip = ip;
  cpu.updateMode();
}
