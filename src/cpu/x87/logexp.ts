// Logarithmic and exponential instructions (SDM Vol.1 8.3.10; Vol.2 F2XM1 FYL2X FYL2XP1).
// Computed in bigfloat.ts and rounded once to 64 bits by RC (no precision control); results that
// are exactly representable (2^±1 - 1, y * log2 of a power of two) are delivered without PE.

import type { Cpu } from "../cpu.js";
import { defineOp } from "../ops/registry.js";
import { nanResult1, nanResult2 } from "./arith.js";
import { expm1Series, LN2, ln1p, log2, LOG2E, mul } from "./bigfloat.js";
import { fpuWait, notePointers, signal, stackUnderflow } from "./common.js";
import { classify, expOf, FE_DE, FE_IE, FE_PE, FE_ZE, K_DENORMAL, K_INF, K_QNAN, K_ZERO, R, roundExt, setIndefinite, setResult, toBig, bitLen } from "./float80.js";
import { roundBF, toBF } from "./trig.js";

const INF = 0x80000000 | 0;

// D9 F0: F2XM1 — ST(0) = 2^ST(0) - 1 (defined for -1 <= x <= 1).
defineOp("op_d9_6_r0", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  if (f.isEmpty(0)) { if (stackUnderflow(f)) f.set(0, 0xffff, 0xc0000000 | 0, 0); return; }
  const x = f.phys(0);
  const se = f.signExp[x], hi = f.mantHi[x], lo = f.mantLo[x];
  const k = classify(se, hi, lo);
  R.exc = 0; R.up = false;
  if (k >= K_QNAN) nanResult1(se, hi, lo, k);
  else if (k === K_ZERO) setResult(se, 0, 0);
  else if (k === K_INF) { if (se & 0x8000) setResult(0xbfff, INF, 0); else setResult(se, hi, lo); }
  else if ((se & 0x7fff) > 0x3fff || ((se & 0x7fff) === 0x3fff && (hi !== INF || lo !== 0))) {
    // |x| > 1, outside the defined domain: silicon (AMD) leaves the operand as it is, with PE.
    R.exc = FE_PE;
    setResult(se, hi, lo);
  } else if ((se & 0x7fff) === 0x3fff) {
    // 2^1 - 1 = 1 and 2^-1 - 1 = -1/2 are exact, yet silicon reports PE (and C1 for +1).
    R.exc = FE_PE;
    if (se & 0x8000) setResult(0xbffe, INF, 0);
    else { setResult(0x3fff, INF, 0); R.up = true; }
  } else {
    if (k === K_DENORMAL) R.exc = FE_DE;
    const exc = R.exc;
    roundBF(expm1Series(mul(toBF(se, hi, lo), LN2)), f.cw);
    R.exc |= exc;
  }
  if (signal(f, R.exc, R.up)) return;
  f.set(0, R.se, R.hi, R.lo);
});

/**
 * FYL2X / FYL2XP1 on x = ST(0), y = ST(1): ST(1) = y * log2(x) (or log2(x + 1)), pop.
 * Zeros and infinities follow the SDM tables: log2(±0) = -inf with ZE (IE for y = 0), log2(+inf)
 * = +inf, a negative x (below -1 for FYL2XP1) is invalid, and 0 * inf is invalid.
 */
function ylog(cpu: Cpu, d: number, plusOne: boolean): void {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  if (f.isEmpty(0) || f.isEmpty(1)) {
    if (stackUnderflow(f)) { f.set(1, 0xffff, 0xc0000000 | 0, 0); f.pop(); }
    return;
  }
  const px = f.phys(0), py = f.phys(1);
  const xse = f.signExp[px], xhi = f.mantHi[px], xlo = f.mantLo[px];
  const yse = f.signExp[py], yhi = f.mantHi[py], ylo = f.mantLo[py];
  const kx = classify(xse, xhi, xlo), ky = classify(yse, yhi, ylo);
  R.exc = 0; R.up = false;
  if (kx >= K_QNAN || ky >= K_QNAN) nanResult2(xse, xhi, xlo, kx, yse, yhi, ylo, ky);
  else {
    const ys = yse >>> 15;
    const xneg = (xse & 0x8000) !== 0;
    // Class of L = log2(x) (log2(1 + x)): -1 / 0 / +1 sign, and whether it is infinite or zero.
    let lInf = false, lZero = false, lNeg = false, invalid = false, zdiv = false;
    if (!plusOne) {
      if (kx === K_ZERO) { lInf = true; lNeg = true; zdiv = true; }
      else if (xneg) invalid = true;
      else if (kx === K_INF) lInf = true;
      else if ((xse & 0x7fff) === 0x3fff && xhi === INF && xlo === 0) lZero = true;
      else lNeg = (xse & 0x7fff) < 0x3fff;
    } else {
      if (kx === K_ZERO) { lZero = true; lNeg = xneg; }
      else if (kx === K_INF) { if (xneg) invalid = true; else lInf = true; }
      else if (xneg && (xse & 0x7fff) >= 0x3fff) invalid = true;
      else lNeg = xneg;
    }
    const s = (ys ^ (lNeg ? 1 : 0)) << 15;
    if (!invalid && (kx === K_DENORMAL || ky === K_DENORMAL)) R.exc = FE_DE;
    if (plusOne && invalid && kx !== K_INF) {
      // x <= -1, outside the defined domain: silicon (AMD) delivers x itself with PE, or a
      // zero or infinity of the opposite sign for y = 0 or infinite.
      if (kx === K_DENORMAL || ky === K_DENORMAL) R.exc = FE_DE;
      if (ky === K_ZERO) setResult((yse & 0x8000) ^ 0x8000, 0, 0);
      else if (ky === K_INF) setResult(((yse & 0x8000) ^ 0x8000) | 0x7fff, INF, 0);
      else { R.exc |= FE_PE; setResult(xse, xhi, xlo); }
    } else if (invalid || (lInf && ky === K_ZERO) || (lZero && ky === K_INF)) { R.exc |= FE_IE; setIndefinite(); }
    else if (lInf || ky === K_INF) { if (zdiv && ky !== K_INF) R.exc |= FE_ZE; setResult(s | 0x7fff, INF, 0); }
    else if (lZero || ky === K_ZERO) setResult(s, 0, 0);
    else {
      const exc = R.exc;
      const xm = toBig(xhi, xlo), xe = expOf(xse);
      const pow2 = !plusOne && (xm & (xm - 1n)) === 0n;
      if (pow2) {
        // log2(2^k) = k exactly: y * k rounded once.
        const kk = xe + bitLen(xm) - 1;
        const ak = BigInt(kk < 0 ? -kk : kk);
        roundExt(s >>> 15, expOf(yse), toBig(yhi, ylo) * ak, false, 64, (f.cw >> 10) & 3, f.cw);
        R.exc |= FE_PE; // silicon reports PE here too
      } else {
        const xv = toBF(xse, xhi, xlo);
        const l = plusOne ? mul(ln1p(xv), LOG2E) : log2(xv);
        const yv = toBF(yse, yhi, ylo);
        roundBF(mul(yv, l), f.cw);
      }
      R.exc |= exc;
    }
  }
  if (signal(f, R.exc, R.up)) return;
  f.set(1, R.se, R.hi, R.lo);
  f.pop();
}

defineOp("op_d9_6_r1", (cpu, d) => ylog(cpu, d, false)); // FYL2X
defineOp("op_d9_7_r1", (cpu, d) => ylog(cpu, d, true)); // FYL2XP1

