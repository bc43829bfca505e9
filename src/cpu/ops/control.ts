// Near control transfer (SDM Vol.2 JMP, Jcc, CALL, RET, LOOP/LOOPcc, JCXZ/JECXZ).
// With a 16-bit operand size the new EIP is truncated to 16 bits. Every near branch checks the
// target against the CS limit and raises #GP(0) before changing anything.

import type { Cpu } from "../cpu.js";
import { Exc, Reg, Seg } from "../constants.js";
import { Pfx, Rec } from "../decoder.js";
import { raise } from "../fault.js";
import { getZF, testCC } from "../flags.js";
import { adjustSp, pop16, pop32, push16, push32 } from "../stack.js";
import { readRm16, readRm32 } from "./operands.js";
import { defineOp } from "./registry.js";

const hex = (n: number) => n.toString(16).padStart(2, "0");

/** #GP(0) unless `target` (already truncated to the operand size) lies within the CS limit. */
function checkTarget(cpu: Cpu, target: number): void {
  if ((target >>> 0) > (cpu.segLimit[Seg.CS] >>> 0)) raise(Exc.GP, 0);
}

function jumpRel16(cpu: Cpu, d: number): void {
  const t = (cpu.eip + cpu.dec[d + Rec.IMM]) & 0xffff;
  checkTarget(cpu, t);
  cpu.eip = t;
}
function jumpRel32(cpu: Cpu, d: number): void {
  const t = (cpu.eip + cpu.dec[d + Rec.IMM]) | 0;
  checkTarget(cpu, t);
  cpu.eip = t;
}

// EB jmp Jb   E9 jmp Jz
defineOp("op_eb", jumpRel16, jumpRel32);
defineOp("op_e9", jumpRel16, jumpRel32);

// 70+cc jcc Jb   0F 80+cc jcc Jz
for (let cc = 0; cc < 16; cc++) {
  const j16 = (cpu: Cpu, d: number) => { if (testCC(cpu, cc)) jumpRel16(cpu, d); };
  const j32 = (cpu: Cpu, d: number) => { if (testCC(cpu, cc)) jumpRel32(cpu, d); };
  defineOp(`op_${hex(0x70 + cc)}`, j16, j32);
  defineOp(`op_0f_${hex(0x80 + cc)}`, j16, j32);
}

// FF /4 jmp Ev (near absolute indirect)
defineOp("op_ff_4", (cpu, d) => {
  const t = readRm16(cpu, d);
  checkTarget(cpu, t);
  cpu.eip = t;
}, (cpu, d) => {
  const t = readRm32(cpu, d);
  checkTarget(cpu, t);
  cpu.eip = t;
});

// E8 call Jz: the return address is the EIP of the next instruction.
defineOp("op_e8", (cpu, d) => {
  const t = (cpu.eip + cpu.dec[d + Rec.IMM]) & 0xffff;
  checkTarget(cpu, t);
  push16(cpu, cpu.eip);
  cpu.eip = t;
}, (cpu, d) => {
  const t = (cpu.eip + cpu.dec[d + Rec.IMM]) | 0;
  checkTarget(cpu, t);
  push32(cpu, cpu.eip);
  cpu.eip = t;
});

// FF /2 call Ev: the operand is read (with the old ESP) before the push.
defineOp("op_ff_2", (cpu, d) => {
  const t = readRm16(cpu, d);
  checkTarget(cpu, t);
  push16(cpu, cpu.eip);
  cpu.eip = t;
}, (cpu, d) => {
  const t = readRm32(cpu, d);
  checkTarget(cpu, t);
  push32(cpu, cpu.eip);
  cpu.eip = t;
});

// C3 ret   C2 ret Iw (Iw bytes released at the stack address size after the pop).
// A #GP on the target leaves ESP as it was: the run loop restores ESP on any fault.
defineOp("op_c3", (cpu) => {
  const t = pop16(cpu);
  checkTarget(cpu, t);
  cpu.eip = t;
}, (cpu) => {
  const t = pop32(cpu);
  checkTarget(cpu, t);
  cpu.eip = t;
});
defineOp("op_c2", (cpu, d) => {
  const t = pop16(cpu);
  checkTarget(cpu, t);
  cpu.eip = t;
  adjustSp(cpu, cpu.dec[d + Rec.IMM]);
}, (cpu, d) => {
  const t = pop32(cpu);
  checkTarget(cpu, t);
  cpu.eip = t;
  adjustSp(cpu, cpu.dec[d + Rec.IMM]);
});

// E0 loopne   E1 loope   E2 loop: the address size picks CX or ECX as the count.
const LOOPNE = 0, LOOPE = 1, LOOP = 2;
function loopOp(cpu: Cpu, d: number, kind: number, op32: boolean): void {
  const regs = cpu.regs;
  const ad32 = (cpu.dec[d + Rec.LEN] & Pfx.AD32) !== 0;
  const count = ad32 ? (regs[Reg.ECX] - 1) | 0 : (regs[Reg.ECX] - 1) & 0xffff;
  const take = count !== 0 && (kind === LOOP || getZF(cpu) === (kind === LOOPE));
  let t = 0;
  if (take) {
    t = op32 ? (cpu.eip + cpu.dec[d + Rec.IMM]) | 0 : (cpu.eip + cpu.dec[d + Rec.IMM]) & 0xffff;
    checkTarget(cpu, t);
  }
  regs[Reg.ECX] = ad32 ? count : (regs[Reg.ECX] & ~0xffff) | count;
  if (take) cpu.eip = t;
}
for (const kind of [LOOPNE, LOOPE, LOOP]) {
  defineOp(`op_${hex(0xe0 + kind)}`,
    (cpu, d) => loopOp(cpu, d, kind, false),
    (cpu, d) => loopOp(cpu, d, kind, true));
}

// E3 jcxz|jecxz (the address size picks CX or ECX; the operand size truncates EIP).
defineOp("op_e3", (cpu, d) => {
  const c = cpu.dec[d + Rec.LEN] & Pfx.AD32 ? cpu.regs[Reg.ECX] : cpu.regs[Reg.ECX] & 0xffff;
  if (c === 0) jumpRel16(cpu, d);
}, (cpu, d) => {
  const c = cpu.dec[d + Rec.LEN] & Pfx.AD32 ? cpu.regs[Reg.ECX] : cpu.regs[Reg.ECX] & 0xffff;
  if (c === 0) jumpRel32(cpu, d);
});
