// Basic arithmetic on double extended values, exact then rounded once (SDM Vol.1 4.8, 8.3.5;
// Vol.2 FADD FSUB FMUL FDIV FSQRT): special operands per SDM Vol.1 Tables 4-7 (NaN propagation)
// and the instruction pages' result tables. Results go to R (float80.ts) with the exception bits
// in R.exc; precision p (24/53/64) and rounding control rc come from the control word.

import { bitLen, classify, expOf, FE_DE, FE_IE, FE_ZE, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO, R, roundExt, setIndefinite, setResult, toBig } from "./float80.js";

export const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3;

export function isNanKind(k: number): boolean {
  return k === K_QNAN || k === K_SNAN;
}

/**
 * NaN or unsupported operand(s) of a two-operand operation (SDM Vol.1 Table 4-7): IE for an SNaN
 * or unsupported format; the result is the QNaN operand, the quieted SNaN, of two NaNs the one
 * with the larger significand, or the indefinite for an unsupported operand.
 */
export function nanResult2(aSe: number, aHi: number, aLo: number, ka: number, bSe: number, bHi: number, bLo: number, kb: number): void {
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) { R.exc |= FE_IE; setIndefinite(); return; }
  if (ka === K_SNAN || kb === K_SNAN) R.exc |= FE_IE;
  let useA: boolean;
  if (isNanKind(ka) && isNanKind(kb)) {
    if (ka !== kb) useA = ka === K_QNAN;
    else {
      const ah = (aHi & 0x3fffffff) >>> 0, bh = (bHi & 0x3fffffff) >>> 0;
      useA = ah !== bh ? ah > bh : (aLo >>> 0) !== (bLo >>> 0) ? (aLo >>> 0) > (bLo >>> 0) : (aSe & 0x8000) === 0 || (bSe & 0x8000) !== 0;
    }
  } else useA = isNanKind(ka);
  if (useA) setResult(aSe, aHi | 0x40000000, aLo);
  else setResult(bSe, bHi | 0x40000000, bLo);
}

/** One NaN/unsupported operand of a one-operand operation: quiets an SNaN (IE), indefinite for unsupported. */
export function nanResult1(se: number, hi: number, lo: number, k: number): void {
  if (k === K_UNSUPPORTED) { R.exc |= FE_IE; setIndefinite(); return; }
  if (k === K_SNAN) R.exc |= FE_IE;
  setResult(se, hi | 0x40000000, lo);
}

/** a OP b (OP_ADD/SUB/MUL/DIV) → R, exceptions in R.exc (cleared first). */
export function arith(op: number, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, cw: number): void {
  R.exc = 0;
  R.up = false;
  const ka = classify(aSe, aHi, aLo), kb = classify(bSe, bHi, bLo);
  if (ka >= K_QNAN || kb >= K_QNAN) { nanResult2(aSe, aHi, aLo, ka, bSe, bHi, bLo, kb); return; }
  const sa = aSe >>> 15;
  let sb = bSe >>> 15;
  if (op === OP_SUB) { sb ^= 1; op = OP_ADD; }
  if (op === OP_ADD) {
    if (ka === K_INF || kb === K_INF) {
      if (ka === K_INF && kb === K_INF && sa !== sb) { R.exc |= FE_IE; setIndefinite(); return; }
      if (ka === K_DENORMAL || kb === K_DENORMAL) R.exc |= FE_DE;
      setResult(((ka === K_INF ? sa : sb) << 15) | 0x7fff, 0x80000000 | 0, 0);
      return;
    }
  } else if (op === OP_MUL) {
    if (ka === K_INF || kb === K_INF) {
      if (ka === K_ZERO || kb === K_ZERO) { R.exc |= FE_IE; setIndefinite(); return; }
      if (ka === K_DENORMAL || kb === K_DENORMAL) R.exc |= FE_DE;
      setResult(((sa ^ sb) << 15) | 0x7fff, 0x80000000 | 0, 0);
      return;
    }
  } else {
    const s = (sa ^ sb) << 15;
    if (ka === K_INF) {
      if (kb === K_INF) { R.exc |= FE_IE; setIndefinite(); return; }
      if (kb === K_DENORMAL) R.exc |= FE_DE;
      setResult(s | 0x7fff, 0x80000000 | 0, 0);
      return;
    }
    if (kb === K_INF) {
      if (ka === K_DENORMAL) R.exc |= FE_DE;
      setResult(s, 0, 0);
      return;
    }
    if (kb === K_ZERO) {
      // Division by zero reports ZE alone, even for a denormal dividend.
      if (ka === K_ZERO) { R.exc |= FE_IE; setIndefinite(); return; }
      R.exc |= FE_ZE;
      setResult(s | 0x7fff, 0x80000000 | 0, 0);
      return;
    }
  }
  if (ka === K_DENORMAL || kb === K_DENORMAL) {
    R.exc |= FE_DE;
    if ((cw & FE_DE) === 0) return;
  }
  const rc = (cw >> 10) & 3;
  const p = PC_P[(cw >> 8) & 3];
  const ma = toBig(aHi, aLo), mb = toBig(bHi, bLo);
  const ea = expOf(aSe), eb = expOf(bSe);
  if (op === OP_ADD) { addExact(sa, ea, ma, sb, eb, mb, p, rc, cw); return; }
  if (op === OP_MUL) {
    if (ka === K_ZERO || kb === K_ZERO) { setResult((sa ^ sb) << 15, 0, 0); return; }
    roundExt(sa ^ sb, ea + eb, ma * mb, false, p, rc, cw);
    return;
  }
  if (ka === K_ZERO) { setResult((sa ^ sb) << 15, 0, 0); return; }
  divExact(sa ^ sb, ea, ma, eb, mb, p, rc, cw);
}

const PC_P = [24, 64, 53, 64];

/** Precision (significand bits) selected by control word cw. */
export function precisionOf(cw: number): number {
  return PC_P[(cw >> 8) & 3];
}

/** Exact (-1)^sa*ma*2^ea + (-1)^sb*mb*2^eb, rounded once. */
export function addExact(sa: number, ea: number, ma: bigint, sb: number, eb: number, mb: bigint, p: number, rc: number, cw: number): void {
  if (ma === 0n && mb === 0n) {
    // SDM Vol.1 4.8.3.3 / FADD table: zeros of equal sign keep it; opposite signs give +0 (-0 rounding down).
    setResult((sa === sb ? sa : rc === 1 ? 1 : 0) << 15, 0, 0);
    return;
  }
  if (ma === 0n) { roundExt(sb, eb, mb, false, p, rc, cw); return; }
  if (mb === 0n) { roundExt(sa, ea, ma, false, p, rc, cw); return; }
  // A far smaller operand only decides rounding direction: replace it by a one-bit value far below
  // the larger operand's last bit (the rounded result is the same), so the alignment shift stays small.
  const ta = ea + bitLen(ma), tb = eb + bitLen(mb);
  if (ta - tb > 140) { mb = 1n; eb = ta - 200; }
  else if (tb - ta > 140) { ma = 1n; ea = tb - 200; }
  const e = ea < eb ? ea : eb;
  const A = ma << BigInt(ea - e), B = mb << BigInt(eb - e);
  let sum: bigint;
  let sign: number;
  if (sa === sb) { sum = A + B; sign = sa; }
  else if (A >= B) { sum = A - B; sign = sa; }
  else { sum = B - A; sign = sb; }
  if (sum === 0n) { setResult((rc === 1 ? 1 : 0) << 15, 0, 0); return; }
  roundExt(sign, e, sum, false, p, rc, cw);
}

/** Exact quotient (ma*2^ea)/(mb*2^eb) with sign, rounded once (mb nonzero). */
export function divExact(sign: number, ea: number, ma: bigint, eb: number, mb: bigint, p: number, rc: number, cw: number): void {
  const k = Math.max(0, p + 3 + bitLen(mb) - bitLen(ma));
  const num = ma << BigInt(k);
  const q = num / mb;
  roundExt(sign, ea - eb - k, q, q * mb !== num, p, rc, cw);
}

/** floor(sqrt(n)) for n >= 0. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  const L = bitLen(n);
  const s = L > 52 ? (L - 52 + 1) & ~1 : 0;
  let x = (BigInt(Math.ceil(Math.sqrt(Number(n >> BigInt(s))))) + 1n) << BigInt(s >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** FSQRT: sqrt(a) → R (SDM Vol.2 FSQRT table). */
export function sqrtExt(aSe: number, aHi: number, aLo: number, cw: number): void {
  R.exc = 0;
  R.up = false;
  const k = classify(aSe, aHi, aLo);
  if (k >= K_QNAN) { nanResult1(aSe, aHi, aLo, k); return; }
  if (k === K_ZERO) { setResult(aSe, 0, 0); return; }
  if (aSe & 0x8000) { R.exc |= FE_IE; setIndefinite(); return; }
  if (k === K_INF) { setResult(aSe, aHi, aLo); return; }
  if (k === K_DENORMAL) {
    R.exc |= FE_DE;
    if ((cw & FE_DE) === 0) return;
  }
  let m = toBig(aHi, aLo), e = expOf(aSe);
  if (e & 1) { m <<= 1n; e -= 1; }
  const p = precisionOf(cw);
  let sh = 2 * (p + 3) - bitLen(m);
  if (sh < 0) sh = 0;
  sh = (sh + 1) & ~1;
  const n = m << BigInt(sh);
  const r = isqrt(n);
  roundExt(0, (e - sh) / 2, r, r * r !== n, p, (cw >> 10) & 3, cw);
}
