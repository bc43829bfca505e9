// The IOPL-sensitive EFLAGS instructions: CLI, STI, PUSHF, POPF (SDM Vol.2 CLI/STI/PUSHF/POPF),
// with the virtual-interrupt flag of virtual-8086 mode extensions (CR4.VME) and protected-mode
// virtual interrupts (CR4.PVI) (SDM Vol.3 20.3, 20.4).

import type { Cpu } from "../cpu.js";
import { Cr0, Cr4, Eflags, Exc } from "../constants.js";
import { raise } from "../fault.js";
import { getEflags, materialize } from "../flags.js";
import { pop16, pop32, push16, push32 } from "../stack.js";
import { defineOp } from "./registry.js";

function iopl(cpu: Cpu): number {
  return (cpu.flags & Eflags.IOPL) >> 12;
}

// ---- FA CLI, FB STI ----

defineOp("op_fa", (cpu: Cpu) => {
  if ((cpu.cr0 & Cr0.PE) === 0) { cpu.flags &= ~Eflags.IF; return; }
  const pl = iopl(cpu);
  if ((cpu.flags & Eflags.VM) === 0) {
    if (pl >= cpu.cpl) cpu.flags &= ~Eflags.IF;
    else if (cpu.cpl === 3 && (cpu.cr4 & Cr4.PVI) !== 0) cpu.flags &= ~Eflags.VIF;
    else raise(Exc.GP, 0);
  } else {
    if (pl === 3) cpu.flags &= ~Eflags.IF;
    else if ((cpu.cr4 & Cr4.VME) !== 0) cpu.flags &= ~Eflags.VIF;
    else raise(Exc.GP, 0);
  }
});

/** IF ← 1; interrupts stay blocked for one more instruction when IF was 0 (SDM Vol.3 6.8.3). */
function setIF(cpu: Cpu): void {
  if ((cpu.flags & Eflags.IF) !== 0) return;
  cpu.flags |= Eflags.IF;
  cpu.inhibitIrq = true;
  cpu.poke();
}

defineOp("op_fb", (cpu: Cpu) => {
  if ((cpu.cr0 & Cr0.PE) === 0) { setIF(cpu); return; }
  const pl = iopl(cpu);
  const vip = (cpu.flags & Eflags.VIP) !== 0;
  if ((cpu.flags & Eflags.VM) === 0) {
    if (pl >= cpu.cpl) setIF(cpu);
    else if (cpu.cpl === 3 && (cpu.cr4 & Cr4.PVI) !== 0 && !vip) cpu.flags |= Eflags.VIF;
    else raise(Exc.GP, 0);
  } else {
    if (pl === 3) setIF(cpu);
    else if ((cpu.cr4 & Cr4.VME) !== 0 && !vip) cpu.flags |= Eflags.VIF;
    else raise(Exc.GP, 0);
  }
});

// ---- 9C PUSHF/PUSHFD ----

/** V86 mode with IOPL < 3: only the 16-bit form under CR4.VME works (IF shows VIF, IOPL shows 3). */
function v86Restricted(cpu: Cpu): boolean {
  return (cpu.flags & Eflags.VM) !== 0 && iopl(cpu) < 3;
}

defineOp("op_9c", (cpu: Cpu) => {
  const f = getEflags(cpu);
  if (v86Restricted(cpu)) {
    if ((cpu.cr4 & Cr4.VME) === 0) raise(Exc.GP, 0);
    const img = (f & ~(Eflags.IF | Eflags.IOPL)) | Eflags.IOPL | ((f & Eflags.VIF) !== 0 ? Eflags.IF : 0);
    push16(cpu, img & 0xffff);
    return;
  }
  push16(cpu, f & 0xffff);
}, (cpu: Cpu) => {
  if (v86Restricted(cpu)) raise(Exc.GP, 0);
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
  let mask = Eflags.ARITH | Eflags.TF | Eflags.DF | Eflags.NT;
  if (op32) mask |= Eflags.AC | Eflags.ID;
  if ((old & Eflags.VM) !== 0) mask |= Eflags.IF; // reached only with IOPL = 3
  else if (cpu.cpl === 0) mask |= Eflags.IF | Eflags.IOPL;
  else if (cpu.cpl <= iopl(cpu)) mask |= Eflags.IF;
  const nf = ((old & ~mask) | (v & mask) | Eflags.FIXED1) & ~Eflags.RF;
  cpu.flags = nf;
  afterFlagsChange(cpu, old, nf);
}

function afterFlagsChange(cpu: Cpu, old: number, nf: number): void {
  const changed = old ^ nf;
  if ((changed & Eflags.AC) !== 0) cpu.updateMode();
  if ((changed & (Eflags.TF | Eflags.IF)) !== 0) cpu.poke();
}

defineOp("op_9d", (cpu: Cpu) => {
  if (v86Restricted(cpu)) {
    if ((cpu.cr4 & Cr4.VME) === 0) raise(Exc.GP, 0);
    // SDM Vol.3 20.3.2: IF in the image goes to VIF; setting TF, or IF while VIP, faults.
    const t = pop16(cpu);
    if ((t & Eflags.TF) !== 0 || ((t & Eflags.IF) !== 0 && (cpu.flags & Eflags.VIP) !== 0)) raise(Exc.GP, 0);
    materialize(cpu);
    const old = cpu.flags;
    const mask = Eflags.ARITH | Eflags.TF | Eflags.DF | Eflags.NT;
    let nf = (old & ~mask) | (t & mask);
    nf = (nf & ~Eflags.VIF) | ((t & Eflags.IF) !== 0 ? Eflags.VIF : 0);
    cpu.flags = nf & ~Eflags.RF;
    afterFlagsChange(cpu, old, cpu.flags);
    return;
  }
  loadPopped(cpu, pop16(cpu), false);
}, (cpu: Cpu) => {
  if (v86Restricted(cpu)) raise(Exc.GP, 0);
  loadPopped(cpu, pop32(cpu), true);
});
