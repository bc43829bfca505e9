// Handlers of the basic arithmetic forms (SDM Vol.2 FADD/FADDP/FIADD, FSUB.., FSUBR.., FMUL..,
// FDIV.., FDIVR..) and FSQRT. In every D8/DA/DC/DE form modrm.reg selects the operation on X =
// ST(0) and Y = the other operand: 0 X+Y, 1 X*Y, 4 X-Y, 5 Y-X, 6 X/Y, 7 Y/X; the destination is
// ST(0) for D8/DA and the memory forms, ST(i) for DC/DE register forms (DE pops).

import type { Cpu } from "../cpu.js";
import { Rec } from "../decoder.js";
import { defineOp } from "../ops/registry.js";
import { arith, OP_ADD, OP_DIV, OP_MUL, OP_SUB, sqrtExt } from "./arith.js";
import { fpuWait, M, notePointers, notePointersMem, readM16, readM32, readM64, signal, stackUnderflow } from "./common.js";
import { classify, FE_DE, FE_ZE, fromF32, fromF64, fromInt32, K_DENORMAL, K_QNAN, K_ZERO, R } from "./float80.js";

// The Y operand of the instruction being executed.
let ySe = 0, yHi = 0, yLo = 0, yDenormal = false;

function loadYFromReg(cpu: Cpu, i: number): boolean {
  const f = cpu.fpu;
  if (f.isEmpty(i)) return false;
  const r = f.phys(i);
  ySe = f.signExp[r]; yHi = f.mantHi[r]; yLo = f.mantLo[r]; yDenormal = false;
  return true;
}

function loadYFromR(denormalSource: boolean): void {
  ySe = R.se; yHi = R.hi; yLo = R.lo; yDenormal = denormalSource;
}

/**
 * Computes `reg`-selected X op Y with X = ST(0) and delivers it to ST(dst), popping when `pop`.
 * yOk=false means Y was an empty register (stack underflow).
 */
function finish(cpu: Cpu, reg: number, yOk: boolean, dst: number, pop: boolean): void {
  const f = cpu.fpu;
  if (f.isEmpty(0) || !yOk) {
    if (stackUnderflow(f)) {
      f.set(dst, 0xffff, 0xc0000000 | 0, 0);
      if (pop) f.pop();
    }
    return;
  }
  const x = f.phys(0);
  const xSe = f.signExp[x], xHi = f.mantHi[x], xLo = f.mantLo[x];
  switch (reg) {
    case 0: arith(OP_ADD, xSe, xHi, xLo, ySe, yHi, yLo, f.cw); break;
    case 1: arith(OP_MUL, xSe, xHi, xLo, ySe, yHi, yLo, f.cw); break;
    case 4: arith(OP_SUB, xSe, xHi, xLo, ySe, yHi, yLo, f.cw); break;
    case 5: arith(OP_SUB, ySe, yHi, yLo, xSe, xHi, xLo, f.cw); break;
    case 6: arith(OP_DIV, xSe, xHi, xLo, ySe, yHi, yLo, f.cw); break;
    default: arith(OP_DIV, ySe, yHi, yLo, xSe, xHi, xLo, f.cw); break;
  }
  // A denormal memory operand (normal once converted) reports DE unless X is a NaN or the
  // operation divides by zero; an unmasked DE suppresses the computation.
  if (yDenormal && classify(xSe, xHi, xLo) < K_QNAN && (R.exc & FE_ZE) === 0 && (reg !== 7 || classify(xSe, xHi, xLo) !== K_ZERO)) {
    if ((f.cw & FE_DE) === 0) { R.exc = FE_DE; R.up = false; }
    else R.exc |= FE_DE;
  }
  if (signal(f, R.exc, R.up)) return;
  f.set(dst, R.se, R.hi, R.lo);
  if (pop) f.pop();
}

const ARITH_REGS = [0, 1, 4, 5, 6, 7];

for (const reg of ARITH_REGS) {
  // D8 /reg m32real
  defineOp(`op_d8_${reg}_mem`, (cpu, d) => {
    fpuWait(cpu);
    const k = fromF32(readM32(cpu, d));
    notePointersMem(cpu, d);
    loadYFromR(k === K_DENORMAL);
    finish(cpu, reg, true, 0, false);
  });
  // DC /reg m64real
  defineOp(`op_dc_${reg}_mem`, (cpu, d) => {
    fpuWait(cpu);
    readM64(cpu, d);
    const k = fromF64(M.hi, M.lo);
    notePointersMem(cpu, d);
    loadYFromR(k === K_DENORMAL);
    finish(cpu, reg, true, 0, false);
  });
  // DA /reg m32int
  defineOp(`op_da_${reg}_mem`, (cpu, d) => {
    fpuWait(cpu);
    fromInt32(readM32(cpu, d));
    notePointersMem(cpu, d);
    loadYFromR(false);
    finish(cpu, reg, true, 0, false);
  });
  // DE /reg m16int
  defineOp(`op_de_${reg}_mem`, (cpu, d) => {
    fpuWait(cpu);
    fromInt32((readM16(cpu, d) << 16) >> 16);
    notePointersMem(cpu, d);
    loadYFromR(false);
    finish(cpu, reg, true, 0, false);
  });
  // D8 /reg ST(0),ST(i)
  defineOp(`op_d8_${reg}_reg`, (cpu, d) => {
    fpuWait(cpu);
    notePointers(cpu, d);
    const i = cpu.dec[d + Rec.MODRM] & 7;
    finish(cpu, reg, loadYFromReg(cpu, i), 0, false);
  });
  // DC /reg ST(i),ST(0)
  defineOp(`op_dc_${reg}_reg`, (cpu, d) => {
    fpuWait(cpu);
    notePointers(cpu, d);
    const i = cpu.dec[d + Rec.MODRM] & 7;
    finish(cpu, reg, loadYFromReg(cpu, i), i, false);
  });
  // DE /reg ST(i),ST(0) and pop
  defineOp(`op_de_${reg}_reg`, (cpu, d) => {
    fpuWait(cpu);
    notePointers(cpu, d);
    const i = cpu.dec[d + Rec.MODRM] & 7;
    finish(cpu, reg, loadYFromReg(cpu, i), i, true);
  });
}

// D9 FA: FSQRT
defineOp("op_d9_7_r2", (cpu, d) => {
  fpuWait(cpu);
  notePointers(cpu, d);
  const f = cpu.fpu;
  if (f.isEmpty(0)) { if (stackUnderflow(f)) f.set(0, 0xffff, 0xc0000000 | 0, 0); return; }
  const x = f.phys(0);
  sqrtExt(f.signExp[x], f.mantHi[x], f.mantLo[x], f.cw);
  if (signal(f, R.exc, R.up)) return;
  f.set(0, R.se, R.hi, R.lo);
});
