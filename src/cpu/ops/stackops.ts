// General-register stack instructions (SDM Vol.2 PUSH, POP, PUSHA/PUSHAD, POPA/POPAD, ENTER,
// LEAVE). The operand size picks 2 or 4 bytes per slot; the stack address size (SS.B) picks SP
// or ESP (stack.ts). Segment-register pushes and pops live with the segment loads.

import type { Cpu } from "../cpu.js";
import { Reg, Seg } from "../constants.js";
import { Rec } from "../decoder.js";
import { probeWrite, read16, read32, segCheckSlow } from "../mmu.js";
import { adjustSp, peek16, peek32, pop16, pop32, push16, push32 } from "../stack.js";
import { readRm16, readRm32, setReg16, writeRm16, writeRm32 } from "./operands.js";
import { defineOp } from "./registry.js";

const hex = (n: number) => n.toString(16).padStart(2, "0");

for (let r = 0; r < 8; r++) {
  // 50+r push Zv: PUSH ESP pushes the value ESP had before the instruction.
  defineOp(`op_${hex(0x50 + r)}`, (cpu) => push16(cpu, cpu.regs[r]), (cpu) => push32(cpu, cpu.regs[r]));
  // 58+r pop Zv: POP ESP loads ESP with the popped value (the increment is overwritten).
  defineOp(`op_${hex(0x58 + r)}`,
    (cpu) => { const v = pop16(cpu); setReg16(cpu, r, v); },
    (cpu) => { const v = pop32(cpu); cpu.regs[r] = v; });
}

// 68 push Iz   6A push Ibs   FF /6 push Ev (the operand is read before ESP moves)
const pushImm16 = (cpu: Cpu, d: number) => push16(cpu, cpu.dec[d + Rec.IMM]);
const pushImm32 = (cpu: Cpu, d: number) => push32(cpu, cpu.dec[d + Rec.IMM]);
defineOp("op_68", pushImm16, pushImm32);
defineOp("op_6a", pushImm16, pushImm32);
defineOp("op_ff_6", (cpu, d) => push16(cpu, readRm16(cpu, d)), (cpu, d) => push32(cpu, readRm32(cpu, d)));

// 8F /0 pop Ev: a memory operand's address is computed with ESP already incremented (SDM POP);
// if the store faults the run loop puts ESP back.
defineOp("op_8f_0",
  (cpu, d) => { const v = pop16(cpu); writeRm16(cpu, d, v); },
  (cpu, d) => { const v = pop32(cpu); writeRm32(cpu, d, v); });

/** The stack-slot offset `n` bytes below the current top, at the stack address size. */
function below(cpu: Cpu, n: number): number {
  const sp = (cpu.regs[Reg.ESP] - n) | 0;
  return cpu.stack32 ? sp : sp & 0xffff;
}

// 60 pusha|pushad: EAX ECX EDX EBX (original ESP) EBP ESI EDI. Every slot is checked for
// writability first so a fault leaves memory untouched.
defineOp("op_60", (cpu) => {
  for (let i = 1; i <= 8; i++) probeWrite(cpu, Seg.SS, below(cpu, 2 * i), 2);
  const sp = cpu.regs[Reg.ESP];
  for (let r = 0; r < 8; r++) push16(cpu, r === Reg.ESP ? sp : cpu.regs[r]);
}, (cpu) => {
  for (let i = 1; i <= 8; i++) probeWrite(cpu, Seg.SS, below(cpu, 4 * i), 4);
  const sp = cpu.regs[Reg.ESP];
  for (let r = 0; r < 8; r++) push32(cpu, r === Reg.ESP ? sp : cpu.regs[r]);
});

// 61 popa|popad: EDI ESI EBP (skipped) EBX EDX ECX EAX. All slots are read before any register changes.
defineOp("op_61", (cpu) => {
  const di = peek16(cpu, 0), si = peek16(cpu, 2), bp = peek16(cpu, 4);
  const bx = peek16(cpu, 8), dx = peek16(cpu, 10), cx = peek16(cpu, 12), ax = peek16(cpu, 14);
  setReg16(cpu, 7, di); setReg16(cpu, 6, si); setReg16(cpu, 5, bp);
  setReg16(cpu, 3, bx); setReg16(cpu, 2, dx); setReg16(cpu, 1, cx); setReg16(cpu, 0, ax);
  adjustSp(cpu, 16);
}, (cpu) => {
  const di = peek32(cpu, 0), si = peek32(cpu, 4), bp = peek32(cpu, 8);
  const bx = peek32(cpu, 16), dx = peek32(cpu, 20), cx = peek32(cpu, 24), ax = peek32(cpu, 28);
  const regs = cpu.regs;
  regs[7] = di; regs[6] = si; regs[5] = bp; regs[3] = bx; regs[2] = dx; regs[1] = cx; regs[0] = ax;
  adjustSp(cpu, 32);
});

/**
 * C8 enter Iw,Ib (SDM Vol.2 ENTER, Vol.1 6.5.1). Level is masked to 5 bits. The frame pointers
 * copied for nesting levels are read through SS at (E)BP − 4i (− 2i for 16-bit operands), with
 * the stack address size. (E)BP ← FrameTemp by operand size, (E)SP − Size by stack size.
 * A fault part-way may leave pushed slots written below ESP; no register changes.
 */
function enter(cpu: Cpu, d: number, op32: boolean): void {
  const regs = cpu.regs;
  const alloc = cpu.dec[d + Rec.IMM] & 0xffff;
  const level = cpu.dec[d + Rec.IMM2] & 31;
  const s32 = cpu.stack32;
  if (op32) push32(cpu, regs[Reg.EBP]); else push16(cpu, regs[Reg.EBP]);
  const frameTemp = regs[Reg.ESP];
  if (level > 0) {
    const n = op32 ? 4 : 2;
    let bp = regs[Reg.EBP];
    for (let i = 1; i < level; i++) {
      bp = (bp - n) | 0;
      const off = s32 ? bp : bp & 0xffff;
      if (op32) push32(cpu, read32(cpu, Seg.SS, off)); else push16(cpu, read16(cpu, Seg.SS, off));
    }
    if (op32) push32(cpu, frameTemp); else push16(cpu, frameTemp);
  }
  const sp = regs[Reg.ESP];
  const newSp = s32 ? (sp - alloc) | 0 : (sp & ~0xffff) | ((sp - alloc) & 0xffff);
  // #SS(0) if the new stack pointer is outside the stack segment.
  const top = s32 ? newSp : newSp & 0xffff;
  if (alloc !== 0 && (top >>> 0) > cpu.segLimW[Seg.SS]) segCheckSlow(cpu, Seg.SS, top, 1, true);
  if (op32) regs[Reg.EBP] = frameTemp; else setReg16(cpu, Reg.EBP, frameTemp);
  regs[Reg.ESP] = newSp;
}
defineOp("op_c8", (cpu, d) => enter(cpu, d, false), (cpu, d) => enter(cpu, d, true));

// C9 leave: (E)SP ← (E)BP by stack size, then pop (E)BP by operand size.
defineOp("op_c9", (cpu) => {
  const regs = cpu.regs;
  const bp = cpu.stack32 ? regs[Reg.EBP] : regs[Reg.EBP] & 0xffff;
  const v = read16(cpu, Seg.SS, bp);
  regs[Reg.ESP] = cpu.stack32 ? (bp + 2) | 0 : (regs[Reg.ESP] & ~0xffff) | ((bp + 2) & 0xffff);
  setReg16(cpu, Reg.EBP, v);
}, (cpu) => {
  const regs = cpu.regs;
  const bp = cpu.stack32 ? regs[Reg.EBP] : regs[Reg.EBP] & 0xffff;
  const v = read32(cpu, Seg.SS, bp);
  regs[Reg.ESP] = cpu.stack32 ? (bp + 4) | 0 : (regs[Reg.ESP] & ~0xffff) | ((bp + 4) & 0xffff);
  regs[Reg.EBP] = v;
});
