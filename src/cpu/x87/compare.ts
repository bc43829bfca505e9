// Comparison and classification (SDM Vol.1 8.3.6, 8.3.7; Vol.2 FCOM/FCOMP/FCOMPP, FUCOM..,
// FICOM.., FCOMI/FUCOMI(P), FTST, FXAM) and the conditional moves FCMOVcc.
// Condition codes: ST(0) > src: C3 C2 C0 = 000; < : 001; = : 100; unordered: 111. C1 = 0.
// FCOMI family: ZF PF CF in the same pattern, OF SF AF cleared.

import type { Cpu } from "../cpu.js";
import { Eflags } from "../constants.js";
import { Rec } from "../decoder.js";
import { getCF, getPF, getZF, setArith } from "../flags.js";
import { defineOp } from "../ops/registry.js";
import { fpuWait, M, notePointers, notePointersMem, readM16, readM32, readM64, signal, stackUnderflow } from "./common.js";
import { classify, FE_DE, FE_IE, fromF32, fromF64, fromInt32, K_DENORMAL, K_INF, K_NORMAL, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO, R } from "./float80.js";
import { SW_C0, SW_C2, SW_C3, SW_CC } from "./fpu.js";

const CC_GT = 0, CC_LT = SW_C0, CC_EQ = SW_C3, CC_UN = SW_C3 | SW_C2 | SW_C0;

let cmpExc = 0;

/** Compares x with y; returns CC_* and leaves the exceptions in cmpExc. `quiet`: QNaNs do not raise IE. */
export function compare(xSe: number, xHi: number, xLo: number, ySe: number, yHi: number, yLo: number, quiet: boolean): number {
  const kx = classify(xSe, xHi, xLo), ky = classify(ySe, yHi, yLo);
  cmpExc = 0;
  if (kx >= K_QNAN || ky >= K_QNAN) {
    if (!quiet || kx === K_SNAN || ky === K_SNAN || kx === K_UNSUPPORTED || ky === K_UNSUPPORTED) cmpExc = FE_IE;
    return CC_UN;
  }
  if (kx === K_DENORMAL || ky === K_DENORMAL) cmpExc = FE_DE;
  if (kx === K_ZERO && ky === K_ZERO) return CC_EQ;
  const sx = xSe >>> 15, sy = ySe >>> 15;
  if (sx !== sy) return sx ? CC_LT : CC_GT;
  const ex = (xSe & 0x7fff) || 1, ey = (ySe & 0x7fff) || 1;
  let c: number;
  if (ex !== ey) c = ex > ey ? 1 : -1;
  else if (xHi !== yHi) c = (xHi >>> 0) > (yHi >>> 0) ? 1 : -1;
  else if (xLo !== yLo) c = (xLo >>> 0) > (yLo >>> 0) ? 1 : -1;
  else return CC_EQ;
  if (sx) c = -c;
  return c > 0 ? CC_GT : CC_LT;
}

/** FCOM-style compare of ST(0) with (ySe,yHi,yLo) into C3 C2 C0, then `pops` pops. yDen: Y came from a denormal memory operand. */
function fcom(cpu: Cpu, yOk: boolean, ySe: number, yHi: number, yLo: number, yDen: boolean, quiet: boolean, pops: number): void {
  const f = cpu.fpu;
  if (f.isEmpty(0) || !yOk) {
    const masked = stackUnderflow(f);
    f.sw = (f.sw & ~SW_CC) | CC_UN;
    if (masked) for (let i = 0; i < pops; i++) f.pop();
    return;
  }
  const x = f.phys(0);
  const cc = compare(f.signExp[x], f.mantHi[x], f.mantLo[x], ySe, yHi, yLo, quiet);
  if (yDen && cc !== CC_UN) cmpExc |= FE_DE;
  // Silicon sets the condition codes even when the exception is unmasked, but does not pop.
  const stop = signal(f, cmpExc, false);
  f.sw = (f.sw & ~SW_CC) | cc;
  if (!stop) for (let i = 0; i < pops; i++) f.pop();
}

function fcomReg(cpu: Cpu, d: number, i: number, quiet: boolean, pops: number): void {
  fpuWait(cpu);
  notePointers(cpu, d);
  const f = cpu.fpu;
  const r = f.phys(i);
  fcom(cpu, !f.isEmpty(i), f.signExp[r], f.mantHi[r], f.mantLo[r], false, quiet, pops);
}

const rmOf = (cpu: Cpu, d: number) => cpu.dec[d + Rec.MODRM] & 7;

for (const [reg, pops] of [[2, 0], [3, 1]]) {
  defineOp(`op_d8_${reg}_mem`, (cpu, d) => {
    fpuWait(cpu);
    const k = fromF32(readM32(cpu, d));
    notePointersMem(cpu, d);
    fcom(cpu, true, R.se, R.hi, R.lo, k === K_DENORMAL, false, pops);
  });
  defineOp(`op_dc_${reg}_mem`, (cpu, d) => {
    fpuWait(cpu);
    readM64(cpu, d);
    const k = fromF64(M.hi, M.lo);
    notePointersMem(cpu, d);
    fcom(cpu, true, R.se, R.hi, R.lo, k === K_DENORMAL, false, pops);
  });
  defineOp(`op_da_${reg}_mem`, (cpu, d) => {
    fpuWait(cpu);
    fromInt32(readM32(cpu, d));
    notePointersMem(cpu, d);
    fcom(cpu, true, R.se, R.hi, R.lo, false, false, pops);
  });
  defineOp(`op_de_${reg}_mem`, (cpu, d) => {
    fpuWait(cpu);
    fromInt32((readM16(cpu, d) << 16) >> 16);
    notePointersMem(cpu, d);
    fcom(cpu, true, R.se, R.hi, R.lo, false, false, pops);
  });
  defineOp(`op_d8_${reg}_reg`, (cpu, d) => fcomReg(cpu, d, rmOf(cpu, d), false, pops));
}
defineOp("op_dc_2_reg", (cpu, d) => fcomReg(cpu, d, rmOf(cpu, d), false, 0)); // FCOM2 alias
defineOp("op_dc_3_reg", (cpu, d) => fcomReg(cpu, d, rmOf(cpu, d), false, 1)); // FCOMP3 alias
defineOp("op_de_2_reg", (cpu, d) => fcomReg(cpu, d, rmOf(cpu, d), false, 1)); // FCOMP5 alias
defineOp("op_de_3_r1", (cpu, d) => fcomReg(cpu, d, 1, false, 2)); // FCOMPP
defineOp("op_dd_4_reg", (cpu, d) => fcomReg(cpu, d, rmOf(cpu, d), true, 0)); // FUCOM
defineOp("op_dd_5_reg", (cpu, d) => fcomReg(cpu, d, rmOf(cpu, d), true, 1)); // FUCOMP
defineOp("op_da_5_r1", (cpu, d) => fcomReg(cpu, d, 1, true, 2)); // FUCOMPP

// D9 E4: FTST — compare ST(0) with +0.0.
defineOp("op_d9_4_r4", (cpu, d) => {
  fpuWait(cpu);
  notePointers(cpu, d);
  fcom(cpu, true, 0, 0, 0, false, false, 0);
});

// D9 E5: FXAM — C3 C2 C0: 000 unsupported, 001 NaN, 010 normal, 011 infinity, 100 zero,
// 101 empty, 110 denormal; C1 = sign (SDM Vol.2 FXAM).
defineOp("op_d9_4_r5", (cpu, d) => {
  fpuWait(cpu);
  notePointers(cpu, d);
  const f = cpu.fpu;
  const r = f.phys(0);
  const se = f.signExp[r];
  let cc: number;
  if (f.isEmpty(0)) cc = SW_C3 | SW_C0;
  else {
    switch (classify(se, f.mantHi[r], f.mantLo[r])) {
      case K_ZERO: cc = SW_C3; break;
      case K_NORMAL: cc = SW_C2; break;
      case K_DENORMAL: cc = SW_C3 | SW_C2; break;
      case K_INF: cc = SW_C2 | SW_C0; break;
      case K_QNAN: case K_SNAN: cc = SW_C0; break;
      default: cc = 0; break;
    }
  }
  f.sw = (f.sw & ~SW_CC) | cc | (se & 0x8000 ? 0x200 : 0);
});

/** FCOMI/FUCOMI(P): compare ST(0) with ST(i) into ZF PF CF (SDM Vol.2 FCOMI). */
function fcomi(cpu: Cpu, d: number, quiet: boolean, pop: boolean): void {
  fpuWait(cpu);
  notePointers(cpu, d);
  const f = cpu.fpu;
  const i = rmOf(cpu, d);
  if (f.isEmpty(0) || f.isEmpty(i)) {
    if (stackUnderflow(f)) {
      setArith(cpu, Eflags.ZF | Eflags.PF | Eflags.CF);
      if (pop) f.pop();
    }
    return;
  }
  const x = f.phys(0), y = f.phys(i);
  const cc = compare(f.signExp[x], f.mantHi[x], f.mantLo[x], f.signExp[y], f.mantHi[y], f.mantLo[y], quiet);
  const stop = signal(f, cmpExc, false);
  setArith(cpu, cc === CC_GT ? 0 : cc === CC_LT ? Eflags.CF : cc === CC_EQ ? Eflags.ZF : Eflags.ZF | Eflags.PF | Eflags.CF);
  if (pop && !stop) f.pop();
}
defineOp("op_db_5_reg", (cpu, d) => fcomi(cpu, d, true, false));
defineOp("op_db_6_reg", (cpu, d) => fcomi(cpu, d, false, false));
defineOp("op_df_5_reg", (cpu, d) => fcomi(cpu, d, true, true));
defineOp("op_df_6_reg", (cpu, d) => fcomi(cpu, d, false, true));

// FCMOVcc (DA C0..DF, DB C0..DF): B E BE U and their negations (SDM Vol.2 FCMOVcc).
function fcmov(cpu: Cpu, d: number, cond: boolean): void {
  fpuWait(cpu);
  notePointers(cpu, d);
  const f = cpu.fpu;
  const i = rmOf(cpu, d);
  if (f.isEmpty(0) || f.isEmpty(i)) {
    if (stackUnderflow(f)) f.set(0, 0xffff, 0xc0000000 | 0, 0);
    return;
  }
  f.sw &= ~0x200;
  if (cond) {
    const r = f.phys(i);
    f.set(0, f.signExp[r], f.mantHi[r], f.mantLo[r]);
  }
}
const FCMOV_CC: Array<(cpu: Cpu) => boolean> = [
  (cpu) => getCF(cpu) !== 0,
  (cpu) => getZF(cpu),
  (cpu) => getCF(cpu) !== 0 || getZF(cpu),
  (cpu) => getPF(cpu),
];
for (let c = 0; c < 4; c++) {
  const test = FCMOV_CC[c];
  defineOp(`op_da_${c}_reg`, (cpu, d) => fcmov(cpu, d, test(cpu)));
  defineOp(`op_db_${c}_reg`, (cpu, d) => fcmov(cpu, d, !test(cpu)));
}
