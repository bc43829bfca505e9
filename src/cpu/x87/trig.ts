// Trigonometric instructions (SDM Vol.1 8.3.9; Vol.2 FSIN FCOS FSINCOS FPTAN FPATAN).
// Arguments are reduced modulo pi/2 exactly enough (pi to 640 bits, so |x| < 2^63 keeps ~500
// bits after reduction), the series run in bigfloat.ts, and the result is rounded once to the
// 64-bit significand by RC (precision control does not apply). |x| >= 2^63 sets C2 and leaves the
// operand unchanged; otherwise C2 is cleared.

import type { Cpu } from "../cpu.js";
import { defineOp } from "../ops/registry.js";
import { nanResult1, nanResult2 } from "./arith.js";
import { BF, BF_ONE, PI, atan, cosSeries, div, ilog2, ldexp, norm, sinSeries, sub } from "./bigfloat.js";
import { fpuWait, notePointers, pushIndefinite, signal, stackOverflow, stackUnderflow, wouldOverflow } from "./common.js";
import { classify, expOf, FE_DE, FE_IE, K_DENORMAL, K_INF, K_QNAN, K_ZERO, R, roundExt, setIndefinite, setResult, toBig } from "./float80.js";
import { type Fpu, SW_C2 } from "./fpu.js";

/** pi * 2^640, truncated (Machin's formula in fixed point). */
const PI_FIX = (() => {
  const F = 660n;
  const one = 1n << F;
  const atanInv = (n: bigint): bigint => {
    let sum = 0n, pow = one / n, k = 0n;
    const n2 = n * n;
    while (pow !== 0n) {
      const t = pow / (2n * k + 1n);
      sum += k & 1n ? -t : t;
      pow /= n2;
      k++;
    }
    return sum;
  };
  return (16n * atanInv(5n) - 4n * atanInv(239n)) >> 20n;
})();
const PIO2_FIX = PI_FIX >> 1n;

/** Value of a register operand as a bigfloat. */
export function toBF(se: number, hi: number, lo: number): BF {
  const m = toBig(hi, lo);
  return norm(se & 0x8000 ? -m : m, expOf(se));
}

/** Rounds an approximation of an irrational value into R (64-bit significand, RC), flags in R.exc. */
export function roundBF(x: BF, cw: number): void {
  if (x.m === 0n) { setResult(0, 0, 0); return; }
  const neg = x.m < 0n;
  roundExt(neg ? 1 : 0, x.e, neg ? -x.m : x.m, true, 64, (cw >> 10) & 3, cw);
}

// Reduced argument of the last reduce(): |x| = k*pi/2 + r, quadrant = k mod 4.
let rArg: BF = BF_ONE;
let quadrant = 0;

function reduce(hi: number, lo: number, se: number): void {
  const m = toBig(hi, lo);
  const e = expOf(se);
  const ax = norm(m, e);
  if (ilog2(ax) < -1) { rArg = ax; quadrant = 0; return; } // |x| < 1/2 < pi/4
  const X = m << BigInt(640 + e);
  const k = (X + (PIO2_FIX >> 1n)) / PIO2_FIX;
  rArg = norm(X - k * PIO2_FIX, -640);
  quadrant = Number(k & 3n);
}

/** sin(x) (cos when `cosine`) of the reduced argument into a bigfloat, sign of x applied for sin. */
function sinCos(neg: boolean, cosine: boolean): BF {
  const q = cosine ? (quadrant + 1) & 3 : quadrant;
  let v = q & 1 ? cosSeries(rArg) : sinSeries(rArg);
  if (q & 2) v = new BF(-v.m, v.e);
  if (neg && !cosine) v = new BF(-v.m, v.e);
  return v;
}

/**
 * Common checks for FSIN/FCOS/FSINCOS/FPTAN on ST(0). Returns 0 when the argument is finite,
 * nonzero and in range (R.exc holds DE if denormal); otherwise the instruction is finished or
 * a special result was left in R: 1 = special result in R (deliver it), 2 = done.
 */
function trigPrologue(f: Fpu): number {
  if (f.isEmpty(0)) {
    if (stackUnderflow(f)) { f.sw &= ~SW_C2; f.set(0, 0xffff, 0xc0000000 | 0, 0); }
    return 2;
  }
  const x = f.phys(0);
  const se = f.signExp[x], hi = f.mantHi[x], lo = f.mantLo[x];
  const k = classify(se, hi, lo);
  R.exc = 0; R.up = false;
  if (k >= K_QNAN) { nanResult1(se, hi, lo, k); return 1; }
  if (k === K_INF) { R.exc = FE_IE; setIndefinite(); return 1; }
  if (k === K_ZERO) { setResult(se, 0, 0); return 1; }
  if ((se & 0x7fff) >= 16383 + 63) { f.sw |= SW_C2; return 2; }
  if (k === K_DENORMAL) R.exc = FE_DE;
  reduce(hi, lo, se);
  return 0;
}

function deliver(f: Fpu): boolean {
  if (signal(f, R.exc, R.up)) return false;
  f.sw &= ~SW_C2;
  f.set(0, R.se, R.hi, R.lo);
  return true;
}

// D9 FE: FSIN
defineOp("op_d9_7_r6", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  const st = trigPrologue(f);
  if (st === 2) return;
  if (st === 0) {
    const exc = R.exc;
    roundBF(sinCos((f.signExp[f.phys(0)] & 0x8000) !== 0, false), f.cw);
    R.exc |= exc;
  }
  deliver(f);
});

// D9 FF: FCOS (cos(±0) = +1)
defineOp("op_d9_7_r7", (cpu, d) => {
  fpuWait(cpu); notePointers(cpu, d);
  const f = cpu.fpu;
  const st = trigPrologue(f);
  if (st === 2) return;
  if (st === 1 && (R.se & 0x7fff) === 0 && R.hi === 0) setResult(0x3fff, 0x80000000 | 0, 0);
  else if (st === 0) {
    const exc = R.exc;
    roundBF(sinCos(false, true), f.cw);
    R.exc |= exc;
  }
  deliver(f);
});

function pushTwo(cpu: Cpu, which: "sincos" | "tan"): void {
  const f = cpu.fpu;
  if (!f.isEmpty(0) && wouldOverflow(f)) {
    // Masked stack overflow: both results are the indefinite.
    if (stackOverflow(f)) { f.set(0, 0xffff, 0xc0000000 | 0, 0); pushIndefinite(f); }
    return;
  }
  const x = f.phys(0);
  const xse = f.signExp[x];
  const st = trigPrologue(f);
  if (st === 2) return;
  let exc = R.exc;
  // First result (replaces ST(0)) and second (pushed): FSINCOS sin / cos, FPTAN tan / 1.0.
  let aSe = R.se, aHi = R.hi, aLo = R.lo, aUp = R.up;
  let bSe = 0x3fff, bHi = 0x80000000 | 0, bLo = 0, bUp = false;
  if (st === 0) {
    const neg = (xse & 0x8000) !== 0;
    const s = sinCos(neg, false);
    const c = sinCos(neg, true);
    R.exc = 0;
    roundBF(which === "tan" ? div(s, c) : s, f.cw);
    aSe = R.se; aHi = R.hi; aLo = R.lo; aUp = R.up; exc |= R.exc;
    if (which === "sincos") {
      R.exc = 0;
      roundBF(c, f.cw);
      bSe = R.se; bHi = R.hi; bLo = R.lo; bUp = R.up; exc |= R.exc;
    }
  } else if ((aSe & 0x7fff) === 0x7fff) {
    // NaN operand or invalid (infinity): the NaN is delivered twice. Zero: tan 0 / 1, sin 0 / cos 1.
    bSe = aSe; bHi = aHi; bLo = aLo;
  }
  if (signal(f, exc, which === "sincos" ? bUp : aUp)) return;
  f.sw &= ~SW_C2;
  f.set(0, aSe, aHi, aLo);
  f.push(bSe, bHi, bLo);
}

defineOp("op_d9_7_r3", (cpu, d) => { fpuWait(cpu); notePointers(cpu, d); pushTwo(cpu, "sincos"); }); // FSINCOS
defineOp("op_d9_6_r2", (cpu, d) => { fpuWait(cpu); notePointers(cpu, d); pushTwo(cpu, "tan"); }); // FPTAN

// D9 F3: FPATAN — ST(1) = arctan(ST(1)/ST(0)) with the quadrant of (ST(0), ST(1)), pop
// (SDM Vol.2 FPATAN Table 3-29 for zeros and infinities).
defineOp("op_d9_6_r3", (cpu, d) => {
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
    if (kx === K_DENORMAL || ky === K_DENORMAL) R.exc = FE_DE;
    const exc = R.exc;
    const ys = yse & 0x8000, xneg = (xse & 0x8000) !== 0;
    let a: BF;
    if (ky === K_ZERO) {
      if (!xneg) { setResult(ys, 0, 0); a = BF_ONE; }
      else a = PI;
    } else if (kx === K_ZERO) a = ldexp(PI, -1);
    else if (ky === K_INF) {
      if (kx === K_INF) a = xneg ? sub(PI, ldexp(PI, -2)) : ldexp(PI, -2);
      else a = ldexp(PI, -1);
    } else if (kx === K_INF) {
      if (!xneg) { setResult(ys, 0, 0); a = BF_ONE; }
      else a = PI;
    } else {
      const t = atan(div(toBF(yse & 0x7fff, yhi, ylo), toBF(xse & 0x7fff, xhi, xlo)));
      a = xneg ? sub(PI, t) : t;
    }
    if (a !== BF_ONE) {
      roundBF(ys ? new BF(-a.m, a.e) : a, f.cw);
      R.exc |= exc;
    }
  }
  if (signal(f, R.exc, R.up)) return;
  f.set(1, R.se, R.hi, R.lo);
  f.pop();
});
