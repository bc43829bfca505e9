// Remainders, rounding to integer, scaling and exponent extraction (SDM Vol.1 8.3.5;
// Vol.2 FPREM FPREM1 FRNDINT FSCALE FXTRACT). All computed exactly with BigInt significands.

import type { Cpu } from "../cpu.js";
import { defineOp } from "../ops/registry.js";
import { nanResult1, nanResult2 } from "./arith.js";
import { fpuWait, notePointers, pushIndefinite, signal, stackOverflow, stackUnderflow, wouldOverflow } from "./common.js";
import { bitLen, classify, expOf, FE_DE, FE_IE, FE_ZE, fromInt32, K_DENORMAL, K_INF, K_QNAN, K_ZERO, R, roundExt, roundToInt, setIndefinite, setMant, setResult, toBig } from "./float80.js";
import { SW_C0, SW_C1, SW_C2, SW_C3, SW_CC } from "./fpu.js";

const INF = 0x80000000 | 0;

/**
 * FPREM (round=false: quotient truncated) / FPREM1 (quotient rounded to nearest even):
 * ST(0) = ST(0) - Q * ST(1). When the exponent difference d is 64 or more only a partial
 * remainder is produced (C2=1): ST(0) is reduced by N = 32 + (d mod 32) exponent steps, as
 * silicon does (SDM: "an amount in the range 32 to 63"). A complete remainder sets C2=0 and
 * Q2 Q1 Q0 in C0 C3 C1.
 */
function fprem(cpu: Cpu, round: boolean): void {
  const f = cpu.fpu;
  if (f.isEmpty(0) || f.isEmpty(1)) { if (stackUnderflow(f)) { f.sw &= ~SW_CC; f.set(0, 0xffff, INF | 0x40000000, 0); } return; }
  const px = f.phys(0), py = f.phys(1);
  const xse = f.signExp[px], xhi = f.mantHi[px], xlo = f.mantLo[px];
  const yse = f.signExp[py], yhi = f.mantHi[py], ylo = f.mantLo[py];
  const kx = classify(xse, xhi, xlo), ky = classify(yse, yhi, ylo);
  R.exc = 0; R.up = false;
  let cc = 0;
  if (kx >= K_QNAN || ky >= K_QNAN) nanResult2(xse, xhi, xlo, kx, yse, yhi, ylo, ky);
  else if (kx === K_INF || ky === K_ZERO) { R.exc = FE_IE; setIndefinite(); }
  else {
    if (kx === K_DENORMAL || ky === K_DENORMAL) R.exc = FE_DE;
    if (kx === K_ZERO || ky === K_INF) setResult(xse, xhi, xlo);
    else {
      const mx = toBig(xhi, xlo), my = toBig(yhi, ylo);
      const ex = expOf(xse), ey0 = expOf(yse);
      const d = (ex + bitLen(mx)) - (ey0 + bitLen(my));
      const sx = xse >>> 15;
      if (d < -1 || (d === -1 && !round)) {
        // Q = 0: the result is x (a tiny x still signals underflow).
        const saveExc = R.exc;
        roundExt(sx, ex, mx, false, 64, 0, f.cw);
        R.exc |= saveExc;
      } else {
        const partial = d >= 64;
        const ey = partial ? ey0 + d - (32 + (d & 31)) : ey0;
        const e0 = ex < ey ? ex : ey;
        const A = mx << BigInt(ex - e0), B = my << BigInt(ey - e0);
        let q = A / B;
        let r = A - q * B;
        let sign = sx;
        if (round && !partial) {
          const r2 = r << 1n;
          if (r2 > B || (r2 === B && (q & 1n) === 1n)) { q += 1n; r = B - r; sign ^= 1; }
        }
        if (partial) cc = SW_C2;
        else {
          const qi = Number(q & 7n);
          cc = (qi & 4 ? SW_C0 : 0) | (qi & 2 ? SW_C3 : 0) | (qi & 1 ? SW_C1 : 0);
        }
        if (r === 0n) setResult(sx << 15, 0, 0);
        else {
          const saveExc = R.exc;
          roundExt(sign, e0, r, false, 64, 0, f.cw);
          R.exc |= saveExc;
        }
      }
    }
  }
  if (signal(f, R.exc, false)) return;
  f.sw = (f.sw & ~SW_CC) | cc;
  f.set(0, R.se, R.hi, R.lo);
}

defineOp("op_d9_7_r0", (cpu, d) => { fpuWait(cpu); notePointers(cpu, d); fprem(cpu, false); }); // FPREM
defineOp("op_d9_6_r5", (cpu, d) => { fpuWait(cpu); notePointers(cpu, d); fprem(cpu, true); }); // FPREM1

// D9 FC: FRNDINT — ST(0) rounded to an integer by RC (PE when inexact, C1 = rounded up).
defineOp("op_d9_7_r4", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  if (f.isEmpty(0)) { if (stackUnderflow(f)) f.set(0, 0xffff, INF | 0x40000000, 0); return; }
  const x = f.phys(0);
  const se = f.signExp[x], hi = f.mantHi[x], lo = f.mantLo[x];
  const k = classify(se, hi, lo);
  R.exc = 0; R.up = false;
  if (k >= K_QNAN) nanResult1(se, hi, lo, k);
  else if (k === K_ZERO || k === K_INF) setResult(se, hi, lo);
  else {
    if (k === K_DENORMAL) R.exc = FE_DE;
    const e = expOf(se);
    if (e >= 0) setResult(se, hi, lo);
    else {
      const mag = roundToInt(se >>> 15, e, toBig(hi, lo), (f.cw >> 10) & 3);
      if (mag === 0n) setResult(se & 0x8000, 0, 0);
      else {
        const n = bitLen(mag);
        R.se = (se & 0x8000) | (16383 + n - 1);
        setMant(mag << BigInt(64 - n));
      }
    }
  }
  if (signal(f, R.exc, R.up)) return;
  f.set(0, R.se, R.hi, R.lo);
});

// D9 FD: FSCALE — ST(0) = ST(0) * 2^trunc(ST(1)) (SDM Vol.2 FSCALE Table 3-45 for specials).
defineOp("op_d9_7_r5", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  if (f.isEmpty(0) || f.isEmpty(1)) { if (stackUnderflow(f)) f.set(0, 0xffff, INF | 0x40000000, 0); return; }
  const px = f.phys(0), py = f.phys(1);
  const xse = f.signExp[px], xhi = f.mantHi[px], xlo = f.mantLo[px];
  const sse = f.signExp[py], shi = f.mantHi[py], slo = f.mantLo[py];
  const kx = classify(xse, xhi, xlo), ks = classify(sse, shi, slo);
  R.exc = 0; R.up = false;
  if (kx >= K_QNAN || ks >= K_QNAN) nanResult2(xse, xhi, xlo, kx, sse, shi, slo, ks);
  else {
    if (kx === K_DENORMAL || ks === K_DENORMAL) R.exc = FE_DE;
    const sneg = (sse & 0x8000) !== 0;
    if (ks === K_INF) {
      if ((kx === K_ZERO && !sneg) || (kx === K_INF && sneg)) { R.exc = FE_IE; setIndefinite(); }
      else if (kx === K_ZERO || kx === K_INF) setResult(xse, xhi, xlo);
      else if (sneg) setResult(xse & 0x8000, 0, 0);
      else setResult((xse & 0x8000) | 0x7fff, INF, 0);
    } else if (kx === K_ZERO || kx === K_INF) setResult(xse, xhi, xlo);
    else {
      let n: number;
      if ((sse & 0x7fff) >= 16383 + 20) n = sneg ? -(1 << 20) : 1 << 20;
      else {
        const es = expOf(sse);
        const m = toBig(shi, slo);
        n = es >= 0 ? Number(m << BigInt(es)) : Number(m >> BigInt(-es));
        if (sneg) n = -n;
      }
      const exc = R.exc;
      roundExt(xse >>> 15, expOf(xse) + n, toBig(xhi, xlo), false, 64, (f.cw >> 10) & 3, f.cw);
      R.exc |= exc;
    }
  }
  if (signal(f, R.exc, R.up)) return;
  f.set(0, R.se, R.hi, R.lo);
});

// D9 F4: FXTRACT — ST(0) = significand (exponent 0), pushed over the unbiased exponent as a real.
defineOp("op_d9_6_r4", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  if (f.isEmpty(0)) {
    if (stackUnderflow(f)) { f.set(0, 0xffff, INF | 0x40000000, 0); if (!wouldOverflow(f)) pushIndefinite(f); }
    return;
  }
  if (wouldOverflow(f)) { if (stackOverflow(f)) { f.set(0, 0xffff, INF | 0x40000000, 0); pushIndefinite(f); } return; }
  const x = f.phys(0);
  const se = f.signExp[x], hi = f.mantHi[x], lo = f.mantLo[x];
  const k = classify(se, hi, lo);
  R.exc = 0; R.up = false;
  let eSe: number, eHi: number, eLo: number;
  if (k >= K_QNAN) { nanResult1(se, hi, lo, k); eSe = R.se; eHi = R.hi; eLo = R.lo; }
  else if (k === K_ZERO) { R.exc = FE_ZE; eSe = 0xffff; eHi = INF; eLo = 0; setResult(se, 0, 0); }
  else if (k === K_INF) { eSe = 0x7fff; eHi = INF; eLo = 0; setResult(se, hi, lo); }
  else {
    if (k === K_DENORMAL) R.exc = FE_DE;
    const m = toBig(hi, lo);
    const n = bitLen(m);
    fromInt32(expOf(se) + n - 1);
    eSe = R.se; eHi = R.hi; eLo = R.lo;
    R.se = (se & 0x8000) | 0x3fff;
    setMant(m << BigInt(64 - n));
  }
  if (signal(f, R.exc, false)) return;
  f.set(0, eSe, eHi, eLo);
  f.push(R.se, R.hi, R.lo);
});
