// The IOPL-sensitive EFLAGS instructions: CLI, STI, PUSHF, POPF (SDM Vol.2 CLI/STI/PUSHF/POPF),
// with the virtual-interrupt flag of virtual-8086 mode extensions (CR4.VME) and protected-mode
// virtual interrupts (CR4.PVI) (SDM Vol.3 20.3, 20.4).

import type { Cpu } from "../cpu.js";
import {
  CR0_PE, CR4_PVI, CR4_VME, EFLAGS_AC, EFLAGS_ARITH, EFLAGS_DF, EFLAGS_FIXED1, EFLAGS_ID, EFLAGS_IF,
  EFLAGS_IOPL, EFLAGS_NT, EFLAGS_RF, EFLAGS_TF, EFLAGS_VIF, EFLAGS_VIP, EFLAGS_VM, EXC_GP,
} from "../constants.js";
import { raise } from "../fault.js";
import { getEflags, materialize } from "../flags.js";
import { pop16, pop32, push16, push32 } from "../stack.js";
import { defineOp } from "./registry.js";

function iopl(cpu: Cpu): number {
  return (cpu.flags & EFLAGS_IOPL) >> 12;
}

// ---- FA CLI, FB STI ----

defineOp("op_fa", (cpu: Cpu) => {
  if ((cpu.cr0 & CR0_PE) === 0) { cpu.flags &= ~EFLAGS_IF; return; }
  const pl = iopl(cpu);
  if ((cpu.flags & EFLAGS_VM) === 0) {
    if (pl >= cpu.cpl) cpu.flags &= ~EFLAGS_IF;
    else if (cpu.cpl === 3 && (cpu.cr4 & CR4_PVI) !== 0) cpu.flags &= ~EFLAGS_VIF;
    else raise(EXC_GP, 0);
  } else {
    if (pl === 3) cpu.flags &= ~EFLAGS_IF;
    else if ((cpu.cr4 & CR4_VME) !== 0) cpu.flags &= ~EFLAGS_VIF;
    else raise(EXC_GP, 0);
  }
});

/** IF ← 1; interrupts stay blocked for one more instruction when IF was 0 (SDM Vol.3 6.8.3). */
function setIF(cpu: Cpu): void {
  if ((cpu.flags & EFLAGS_IF) !== 0) return;
  cpu.flags |= EFLAGS_IF;
  cpu.inhibitIrq = true;
  cpu.poke();
}

defineOp("op_fb", (cpu: Cpu) => {
  if ((cpu.cr0 & CR0_PE) === 0) { setIF(cpu); return; }
  const pl = iopl(cpu);
  const vip = (cpu.flags & EFLAGS_VIP) !== 0;
  if ((cpu.flags & EFLAGS_VM) === 0) {
    if (pl >= cpu.cpl) setIF(cpu);
    else if (cpu.cpl === 3 && (cpu.cr4 & CR4_PVI) !== 0 && !vip) cpu.flags |= EFLAGS_VIF;
    else raise(EXC_GP, 0);
  } else {
    if (pl === 3) setIF(cpu);
    else if ((cpu.cr4 & CR4_VME) !== 0 && !vip) cpu.flags |= EFLAGS_VIF;
    else raise(EXC_GP, 0);
  }
});

// ---- 9C PUSHF/PUSHFD ----

/** V86 mode with IOPL < 3: only the 16-bit form under CR4.VME works (IF shows VIF, IOPL shows 3). */
function v86Restricted(cpu: Cpu): boolean {
  return (cpu.flags & EFLAGS_VM) !== 0 && iopl(cpu) < 3;
}

defineOp("op_9c", (cpu: Cpu) => {
  const f = getEflags(cpu);
  if (v86Restricted(cpu)) {
    if ((cpu.cr4 & CR4_VME) === 0) raise(EXC_GP, 0);
    const img = (f & ~(EFLAGS_IF | EFLAGS_IOPL)) | EFLAGS_IOPL | ((f & EFLAGS_VIF) !== 0 ? EFLAGS_IF : 0);
    push16(cpu, img & 0xffff);
    return;
  }
  push16(cpu, f & 0xffff);
}, (cpu: Cpu) => {
  if (v86Restricted(cpu)) raise(EXC_GP, 0);
  // The image has VM and RF cleared (AND 00FCFFFFH).
  push32(cpu, getEflags(cpu) & 0x00fcffff);
});

// ---- 9D POPF/POPFD ----

/**
 * Loads the popped `v` into EFLAGS: only the bits the current privilege may change
 * (IF needs CPL <= IOPL, IOPL needs CPL 0; VM, VIF, VIP never; RF is cleared).
 */
function loadPopped(cpu: Cpu, v: number, op32: boolean): void {
  materialize(cpu);
  const old = cpu.flags;
  let mask = EFLAGS_ARITH | EFLAGS_TF | EFLAGS_DF | EFLAGS_NT;
  if (op32) mask |= EFLAGS_AC | EFLAGS_ID;
  if ((old & EFLAGS_VM) !== 0) mask |= EFLAGS_IF; // reached only with IOPL = 3
  else if (cpu.cpl === 0) mask |= EFLAGS_IF | EFLAGS_IOPL;
  else if (cpu.cpl <= iopl(cpu)) mask |= EFLAGS_IF;
  const nf = ((old & ~mask) | (v & mask) | EFLAGS_FIXED1) & ~EFLAGS_RF;
  cpu.flags = nf;
  afterFlagsChange(cpu, old, nf);
}

function afterFlagsChange(cpu: Cpu, old: number, nf: number): void {
  const changed = old ^ nf;
  if ((changed & EFLAGS_AC) !== 0) cpu.updateMode();
  if ((changed & (EFLAGS_TF | EFLAGS_IF)) !== 0) cpu.poke();
}

defineOp("op_9d", (cpu: Cpu) => {
  if (v86Restricted(cpu)) {
    if ((cpu.cr4 & CR4_VME) === 0) raise(EXC_GP, 0);
    // SDM Vol.3 20.3.2: IF in the image goes to VIF; setting TF, or IF while VIP, faults.
    const t = pop16(cpu);
    if ((t & EFLAGS_TF) !== 0 || ((t & EFLAGS_IF) !== 0 && (cpu.flags & EFLAGS_VIP) !== 0)) raise(EXC_GP, 0);
    materialize(cpu);
    const old = cpu.flags;
    const mask = EFLAGS_ARITH | EFLAGS_TF | EFLAGS_DF | EFLAGS_NT;
    let nf = (old & ~mask) | (t & mask);
    nf = (nf & ~EFLAGS_VIF) | ((t & EFLAGS_IF) !== 0 ? EFLAGS_VIF : 0);
    cpu.flags = nf & ~EFLAGS_RF;
    afterFlagsChange(cpu, old, cpu.flags);
    return;
  }
  loadPopped(cpu, pop16(cpu), false);
}, (cpu: Cpu) => {
  if (v86Restricted(cpu)) raise(EXC_GP, 0);
  loadPopped(cpu, pop32(cpu), true);
});
