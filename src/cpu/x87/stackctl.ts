// Register-stack manipulation and constants (SDM Vol.1 8.3.3, 8.3.4, 8.3.8; Vol.2 FXCH FFREE
// FFREEP FINCSTP FDECSTP FNOP FCHS FABS FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ).

import type { Cpu } from "../cpu.js";
import { Rec } from "../decoder.js";
import { defineOp } from "../ops/registry.js";
import { BF, LN2, LOG10_2, LOG2_10, LOG2E, PI } from "./bigfloat.js";
import { fpuWait, notePointers, pushIndefinite, stackOverflow, stackUnderflow, wouldOverflow } from "./common.js";
import { R } from "./float80.js";
import { roundBF } from "./trig.js";

const rmOf = (cpu: Cpu, d: number) => cpu.dec[d + Rec.MODRM] & 7;

// FXCH ST(i) (D9 C8+i; aliases DD C8+i, DF C8+i). Empty operands become the indefinite when the
// stack-underflow exception is masked.
function fxch(cpu: Cpu, d: number): void {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  const i = rmOf(cpu, d);
  if (f.isEmpty(0) || f.isEmpty(i)) {
    if (!stackUnderflow(f)) return;
    if (f.isEmpty(0)) f.set(0, 0xffff, 0xc0000000 | 0, 0);
    if (f.isEmpty(i)) f.set(i, 0xffff, 0xc0000000 | 0, 0);
  } else f.sw &= ~0x200;
  const a = f.phys(0), b = f.phys(i);
  const se = f.signExp[a], hi = f.mantHi[a], lo = f.mantLo[a];
  f.signExp[a] = f.signExp[b]; f.mantHi[a] = f.mantHi[b]; f.mantLo[a] = f.mantLo[b];
  f.signExp[b] = se; f.mantHi[b] = hi; f.mantLo[b] = lo;
}
defineOp("op_d9_1_reg", fxch);
defineOp("op_dd_1_reg", fxch);
defineOp("op_df_1_reg", fxch);

// DD C0+i: FFREE ST(i); DF C0+i: FFREEP ST(i) (free, then pop).
defineOp("op_dd_0_reg", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  cpu.fpu.ftw &= ~(1 << cpu.fpu.phys(rmOf(cpu, d)));
});
defineOp("op_df_0_reg", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  f.ftw &= ~(1 << f.phys(rmOf(cpu, d)));
  f.pop();
});

// D9 F7 FINCSTP, D9 F6 FDECSTP: TOP +/- 1, tags unchanged, C1 = 0.
defineOp("op_d9_6_r7", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  cpu.fpu.top = (cpu.fpu.top + 1) & 7;
  cpu.fpu.sw &= ~0x200;
});
defineOp("op_d9_6_r6", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  cpu.fpu.top = (cpu.fpu.top - 1) & 7;
  cpu.fpu.sw &= ~0x200;
});

// D9 D0: FNOP
defineOp("op_d9_2_r0", (cpu, d) => { fpuWait(cpu); notePointers(cpu, d); });

// D9 E0 FCHS, D9 E1 FABS: sign bit only, no exceptions besides stack underflow; C1 = 0.
function signOp(cpu: Cpu, d: number, andMask: number, xorMask: number): void {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  if (f.isEmpty(0)) { if (stackUnderflow(f)) f.set(0, 0xffff, 0xc0000000 | 0, 0); return; }
  const r = f.phys(0);
  f.signExp[r] = (f.signExp[r] & andMask) ^ xorMask;
  f.sw &= ~0x200;
}
defineOp("op_d9_4_r0", (cpu, d) => signOp(cpu, d, 0xffff, 0x8000));
defineOp("op_d9_4_r1", (cpu, d) => signOp(cpu, d, 0x7fff, 0));

// Constants rounded to the 64-bit significand by RC (SDM Vol.1 8.3.8), indexed [constant * 4 + rc]
// as sign/exponent, high and low significand words. Precision control does not apply; no PE.
const CONST_SE = new Uint16Array(28), CONST_HI = new Int32Array(28), CONST_LO = new Int32Array(28);
{
  const values: Array<BF | null> = [null, LOG2_10, LOG2E, PI, LOG10_2, LN2, null];
  for (let c = 0; c < 7; c++) {
    for (let rc = 0; rc < 4; rc++) {
      const v = values[c];
      if (v) roundBF(v, (rc << 10) | 0x3f);
      else if (c === 0) { R.se = 0x3fff; R.hi = 0x80000000 | 0; R.lo = 0; } // +1.0
      else { R.se = 0; R.hi = 0; R.lo = 0; } // +0.0
      CONST_SE[c * 4 + rc] = R.se; CONST_HI[c * 4 + rc] = R.hi; CONST_LO[c * 4 + rc] = R.lo;
    }
  }
}
for (let c = 0; c < 7; c++) {
  defineOp(`op_d9_5_r${c}`, (cpu, d) => {
    fpuWait(cpu); notePointers(cpu, d);
    const f = cpu.fpu;
    if (wouldOverflow(f)) { if (stackOverflow(f)) pushIndefinite(f); return; }
    const k = c * 4 + ((f.cw >> 10) & 3);
    f.sw &= ~0x200;
    f.push(CONST_SE[k], CONST_HI[k], CONST_LO[k]);
  });
}
