// Multi-precision binary floating point for the transcendental instructions and the constants.
// A value is m * 2^e (m a signed BigInt) kept to P = 200 significant bits by truncation, so the
// relative error of a few hundred operations stays far below 2^-64: results rounded once to the
// 64-bit significand are the correctly rounded value except within ~2^-180 of a rounding boundary
// (and always within 1 ulp). Allocation is fine here: these are the slow instructions.

import { isqrt } from "./arith.js";
import { bitLen } from "./float80.js";

const P = 200;

export class BF {
  constructor(readonly m: bigint, readonly e: number) {}
}

export const BF_ZERO = new BF(0n, 0);
export const BF_ONE = new BF(1n, 0);

function abs(x: bigint): bigint { return x < 0n ? -x : x; }

export function norm(m: bigint, e: number): BF {
  const n = bitLen(abs(m));
  if (n > P) {
    const sh = n - P;
    return new BF(m < 0n ? -((-m) >> BigInt(sh)) : m >> BigInt(sh), e + sh);
  }
  return new BF(m, e);
}

export function bf(m: bigint, e: number): BF { return norm(m, e); }
export function bfInt(v: number): BF { return new BF(BigInt(v), 0); }

export function mul(a: BF, b: BF): BF { return norm(a.m * b.m, a.e + b.e); }

export function add(a: BF, b: BF): BF {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  // Drop what lies entirely below P+8 bits of the larger operand.
  const ta = a.e + bitLen(abs(a.m)), tb = b.e + bitLen(abs(b.m));
  if (ta - tb > P + 8) return a;
  if (tb - ta > P + 8) return b;
  const e = a.e < b.e ? a.e : b.e;
  return norm((a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e);
}

export function neg(a: BF): BF { return new BF(-a.m, a.e); }
export function sub(a: BF, b: BF): BF { return add(a, neg(b)); }

export function div(a: BF, b: BF): BF {
  if (a.m === 0n) return BF_ZERO;
  const k = P + 8 + bitLen(abs(b.m)) - bitLen(abs(a.m));
  const sh = k > 0 ? k : 0;
  return norm((a.m << BigInt(sh)) / b.m, a.e - b.e - sh);
}

export function sqrt(a: BF): BF {
  if (a.m <= 0n) return BF_ZERO;
  let m = a.m, e = a.e;
  let sh = 2 * (P + 8) - bitLen(m);
  if (sh < 0) sh = 0;
  if ((e - sh) & 1) sh++;
  m <<= BigInt(sh); e -= sh;
  return norm(isqrt(m), e / 2);
}

export function ldexp(a: BF, k: number): BF { return new BF(a.m, a.e + k); }

/** Exponent of the leading bit (value in [2^t, 2^(t+1))); -Infinity for zero. */
export function ilog2(a: BF): number { return a.m === 0n ? -Infinity : a.e + bitLen(abs(a.m)) - 1; }

export function sign(a: BF): number { return a.m < 0n ? -1 : a.m > 0n ? 1 : 0; }

export function cmpAbs(a: BF, b: BF): number {
  return sign(sub(new BF(abs(a.m), a.e), new BF(abs(b.m), b.e)));
}

/** Sum of a series: term(k) gives the k-th term from the previous one; stops when negligible. */
function series(first: BF, next: (t: BF, k: number) => BF): BF {
  let sum = first, t = first;
  for (let k = 1; k < 2000; k++) {
    t = next(t, k);
    if (t.m === 0n || ilog2(t) < ilog2(sum) - P - 4) break;
    sum = add(sum, t);
  }
  return sum;
}

/** atanh(s) for |s| < 1: s + s^3/3 + s^5/5 + ... */
function atanhSeries(s: BF): BF {
  const s2 = mul(s, s);
  let pow = s;
  let sum = s;
  for (let k = 1; k < 4000; k++) {
    pow = mul(pow, s2);
    const t = div(pow, bfInt(2 * k + 1));
    if (t.m === 0n || ilog2(t) < ilog2(sum) - P - 4) break;
    sum = add(sum, t);
  }
  return sum;
}

/** atan(t) for |t| <= 1/8 by its Taylor series. */
function atanSeries(t: BF): BF {
  const t2 = neg(mul(t, t));
  let pow = t, sum = t;
  for (let k = 1; k < 2000; k++) {
    pow = mul(pow, t2);
    const term = div(pow, bfInt(2 * k + 1));
    if (term.m === 0n || ilog2(term) < ilog2(sum) - P - 4) break;
    sum = add(sum, term);
  }
  return sum;
}

// ---- constants ----
function atanInv(n: number): BF {
  return atanSeries(div(BF_ONE, bfInt(n)));
}
/** pi (Machin: 16 atan(1/5) - 4 atan(1/239); atan(1/5) converges by reduction below). */
export const PI: BF = sub(ldexp(atanGeneral(div(BF_ONE, bfInt(5))), 4), ldexp(atanInv(239), 2));
export const LN2: BF = ldexp(atanhSeries(div(BF_ONE, bfInt(3))), 1);
export const LN10: BF = add(mul(bfInt(3), LN2), ldexp(atanhSeries(div(BF_ONE, bfInt(9))), 1));
export const LOG2E: BF = div(BF_ONE, LN2);
export const LOG2_10: BF = div(LN10, LN2);
export const LOG10_2: BF = div(LN2, LN10);

/** atan(t) for any t >= 0 by halving the angle until t <= 1/8: atan t = 2 atan(t / (1 + sqrt(1 + t^2))). */
function atanGeneral(t: BF): BF {
  let k = 0;
  while (ilog2(t) >= -3) {
    t = div(t, add(BF_ONE, sqrt(add(BF_ONE, mul(t, t)))));
    k++;
  }
  return ldexp(atanSeries(t), k);
}

/** atan(t), t >= 0 (any magnitude). */
export function atan(t: BF): BF {
  if (ilog2(t) >= 0) {
    // t >= 1: pi/2 - atan(1/t)
    return sub(ldexp(PI, -1), atanGeneral(div(BF_ONE, t)));
  }
  return atanGeneral(t);
}

/** sin and cos of r, |r| <= pi/4. */
export function sinSeries(r: BF): BF {
  const r2 = neg(mul(r, r));
  return series(r, (t, k) => div(mul(t, r2), bfInt((2 * k) * (2 * k + 1))));
}
export function cosSeries(r: BF): BF {
  const r2 = neg(mul(r, r));
  return series(BF_ONE, (t, k) => div(mul(t, r2), bfInt((2 * k - 1) * (2 * k))));
}

/** e^z - 1 for |z| <= 1. */
export function expm1Series(z: BF): BF {
  return series(z, (t, k) => div(mul(t, z), bfInt(k + 1)));
}

/** ln(x) for x > 0. */
export function ln(x: BF): BF {
  // x = m * 2^k with m in [sqrt(1/2), sqrt(2)).
  let k = ilog2(x);
  let m = ldexp(x, -k);
  if (cmpAbs(mul(m, m), bfInt(2)) >= 0) { m = ldexp(m, -1); k++; }
  const s = div(sub(m, BF_ONE), add(m, BF_ONE));
  const lnm = ldexp(atanhSeries(s), 1);
  return k === 0 ? lnm : add(mul(bfInt(k), LN2), lnm);
}

/** ln(1 + x) for x > -1, accurate for small x. */
export function ln1p(x: BF): BF {
  if (ilog2(x) >= -2) return ln(add(BF_ONE, x));
  return ldexp(atanhSeries(div(x, add(bfInt(2), x))), 1);
}

/** log2(x) for x > 0, with the exact integer part kept separate so x near 1 keeps its relative accuracy. */
export function log2(x: BF): BF {
  let k = ilog2(x);
  let m = ldexp(x, -k);
  if (cmpAbs(mul(m, m), bfInt(2)) >= 0) { m = ldexp(m, -1); k++; }
  const s = div(sub(m, BF_ONE), add(m, BF_ONE));
  const l = div(ldexp(atanhSeries(s), 1), LN2);
  return k === 0 ? l : add(bfInt(k), l);
}
