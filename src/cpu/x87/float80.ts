// Exact floating-point core: classification, rounding and packing of x87 values (SDM Vol.1 4.2,
// 4.8, 4.9, 8.1.5). A finite value is handled as sign, exponent e and integer significand sig (a
// BigInt), value = (-1)^sign * sig * 2^e, computed exactly by the callers; roundPack() rounds it once,
// per rounding control and precision, into a destination format and reports the exceptions.
//
// Double extended register/memory layout: bit 79 sign, 78..64 biased exponent (bias 16383),
// 63 explicit integer bit J, 62..0 fraction. Exponent field 0 means exponent -16382 (denormals,
// and pseudo-denormals when J=1).

// Status-word exception bits (SDM Vol.1 8.1.3.1).
export const FE_IE = 0x01, FE_DE = 0x02, FE_ZE = 0x04, FE_OE = 0x08, FE_UE = 0x10, FE_PE = 0x20;

// Operand classes.
export const K_ZERO = 0, K_NORMAL = 1, K_DENORMAL = 2, K_INF = 3, K_QNAN = 4, K_SNAN = 5, K_UNSUPPORTED = 6;

/** Class of the double extended value (se = sign/exponent word, hi:lo = significand). */
export function classify(se: number, hi: number, lo: number): number {
  const exp = se & 0x7fff;
  const j = hi < 0;
  if (exp === 0) {
    if (hi === 0 && lo === 0) return K_ZERO;
    return K_DENORMAL; // denormal (J=0) or pseudo-denormal (J=1)
  }
  if (!j) return K_UNSUPPORTED; // unnormal, pseudo-infinity, pseudo-NaN
  if (exp === 0x7fff) {
    if ((hi & 0x7fffffff) === 0 && lo === 0) return K_INF;
    return (hi & 0x40000000) !== 0 ? K_QNAN : K_SNAN;
  }
  return K_NORMAL;
}

export function toBig(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Bit length of a non-negative BigInt (0 for 0). */
export function bitLen(x: bigint): number {
  if (x === 0n) return 0;
  if (x < 0x20000000000000n) {
    const n = Number(x);
    return n < 0x100000000 ? 32 - Math.clz32(n) : 32 + (32 - Math.clz32(Math.floor(n / 0x100000000)));
  }
  const s = x.toString(16);
  return (s.length - 1) * 4 + (32 - Math.clz32(parseInt(s[0], 16)));
}

/** Result of the last roundPack/packing call (a double extended value unless stated). */
export const R = { se: 0, hi: 0, lo: 0, exc: 0, up: false };

/** Writes a 64-bit significand BigInt into R.hi/R.lo. */
export function setMant(m: bigint): void {
  R.hi = Number(m >> 32n) | 0;
  R.lo = Number(m & 0xffffffffn) | 0;
}

export function setResult(se: number, hi: number, lo: number): void {
  R.se = se; R.hi = hi; R.lo = lo;
}

/** The QNaN floating-point indefinite (SDM Vol.1 Table 4-3). */
export function setIndefinite(): void {
  R.se = 0xffff; R.hi = 0xc0000000 | 0; R.lo = 0;
}

// Destination formats for roundPack.
export interface Format { p: number; emin: number; emax: number; bias: number }
export const EXT: Format = { p: 64, emin: -16382, emax: 16383, bias: 16383 };
export const DBL: Format = { p: 53, emin: -1022, emax: 1023, bias: 1023 };
export const SGL: Format = { p: 24, emin: -126, emax: 127, bias: 127 };
/** Precision control (CW bits 8-9) → significand bits: 00 single, 01 reserved (acts as 64), 10 double, 11 extended. */
export const PC_BITS = [24, 64, 53, 64];

/** Bias adjust for unmasked overflow/underflow with a register destination (SDM Vol.1 4.9.1.4). */
const WRAP = 24576;

// Output of roundPack besides R: biased exponent and significand for non-extended formats.
export let rExp = 0;
export let rSig = 0n;
/** Set by roundPack when an unmasked overflow/underflow means a memory destination is not written. */
export let rNoStore = false;

/**
 * Rounds (-1)^sign * (sig + sticky) * 2^e to `p` significand bits in format `f` (sticky: nonzero
 * bits exist below sig's last bit; callers then supply at least p+2 significant bits), using
 * rounding control rc (0 nearest-even, 1 down, 2 up, 3 chop). Sets rExp (biased; 0 for
 * zero/denormal; emax+bias+1 for infinity) and rSig, ORs PE/UE/OE into R.exc and sets R.up.
 * `cw` supplies the masks: for the extended format an unmasked OE/UE wraps the exponent by 24576;
 * for the others it sets rNoStore. When f is EXT the packed value is also left in R.se/hi/lo.
 */
export function roundPack(sign: number, e: number, sig: bigint, sticky: boolean, p: number, f: Format, rc: number, cw: number): void {
  rNoStore = false;
  R.up = false;
  if (sig === 0n && !sticky) { rExp = 0; rSig = 0n; packExt(f, sign, p); return; }
  const n = bitLen(sig);
  const E = e + n - 1;
  // Tininess is detected after rounding (as AMD and Intel silicon do): the value rounded to p bits
  // with an unbounded exponent is below 2^emin.
  let tiny = E < f.emin;
  if (E === f.emin - 1) {
    const k = rnd(sign, sig, n - p, sticky, rc);
    if (k === 1n << BigInt(p)) tiny = false;
  }
  if (tiny && (cw & FE_UE) === 0) {
    // Unmasked underflow: deliver the result with the exponent biased up (register) or nothing (memory).
    R.exc |= FE_UE;
    if (f !== EXT) { rNoStore = true; return; }
    if (E + WRAP < f.emin) {
      // Still tiny after the bias adjust: silicon delivers a signed zero.
      R.exc |= FE_PE;
      rExp = 0; rSig = 0n;
      packExt(f, sign, p);
      return;
    }
    roundPack(sign, e + WRAP, sig, sticky, p, f, rc, cw | FE_UE);
    return;
  }
  let q = (E > f.emin ? E : f.emin) - (p - 1);
  let kept = rnd(sign, sig, q - e, sticky, rc);
  const inexact = rInexact, up = rUp;
  if (kept === 1n << BigInt(p)) { kept >>= 1n; q++; }
  const normal = kept >= 1n << BigInt(p - 1);
  const Er = q + p - 1;
  if (normal && Er > f.emax) {
    R.exc |= FE_OE;
    if ((cw & FE_OE) === 0) {
      if (f !== EXT) { rNoStore = true; return; }
      if (Er - WRAP > f.emax) {
        // Still too large after the bias adjust: silicon delivers infinity (C1 = 1).
        R.exc |= FE_PE;
        R.up = true;
        rExp = 0x7fff; rSig = 0n;
        packExt(f, sign, p);
        return;
      }
      roundPack(sign, e - WRAP, sig, sticky, p, f, rc, cw | FE_OE);
      return;
    }
    // Masked overflow (SDM Vol.1 4.9.1.4): infinity or the largest finite value, by rounding mode.
    R.exc |= FE_PE;
    const toInf = rc === 0 || (rc === 1 && sign !== 0) || (rc === 2 && sign === 0);
    R.up = toInf;
    if (toInf) { rExp = f.emax + f.bias + 1; rSig = f === EXT ? 1n << 63n : 0n; }
    else { rExp = f.emax + f.bias; rSig = (1n << BigInt(p)) - 1n; }
    packExt(f, sign, p);
    return;
  }
  if (tiny && inexact) R.exc |= FE_UE;
  if (inexact) R.exc |= FE_PE;
  R.up = up;
  rExp = normal ? Er + f.bias : 0;
  rSig = kept;
  packExt(f, sign, p);
}

let rInexact = false, rUp = false;
/** sig (+ sticky) shifted right by sh bits, rounded by rc; sets rInexact and rUp. */
function rnd(sign: number, sig: bigint, sh: number, sticky: boolean, rc: number): bigint {
  let kept: bigint;
  let inexact = sticky, up = false;
  if (sh <= 0) {
    kept = sig << BigInt(-sh);
    if (sticky) up = rc === 1 ? sign !== 0 : rc === 2 ? sign === 0 : false;
  } else {
    const bsh = BigInt(sh);
    kept = sig >> bsh;
    const rem = sig & ((1n << bsh) - 1n);
    if (rem !== 0n) inexact = true;
    if (inexact) {
      if (rc === 0) {
        const half = 1n << (bsh - 1n);
        up = rem > half || (rem === half && (sticky || (kept & 1n) === 1n));
      } else if (rc === 1) up = sign !== 0;
      else if (rc === 2) up = sign === 0;
    }
  }
  rInexact = inexact;
  rUp = up;
  return up ? kept + 1n : kept;
}

function packExt(f: Format, sign: number, p: number): void {
  if (f !== EXT) { R.se = sign; return; }
  R.se = (sign << 15) | rExp;
  if (rExp === 0x7fff) { R.hi = 0x80000000 | 0; R.lo = 0; return; }
  setMant(rSig << BigInt(64 - p));
}

/** roundPack into the double extended format at precision p (24, 53 or 64); result in R. */
export function roundExt(sign: number, e: number, sig: bigint, sticky: boolean, p: number, rc: number, cw: number): void {
  roundPack(sign, e, sig, sticky, p, EXT, rc, cw);
}

/**
 * Rounds |value| = (sig + sticky) * 2^e to an integer by rc (sign gives the direction for
 * directed modes). Returns the magnitude; sets R.up and ORs PE into R.exc when inexact.
 */
export function roundToInt(sign: number, e: number, sig: bigint, rc: number): bigint {
  R.up = false;
  if (e >= 0) return sig << BigInt(e);
  const sh = BigInt(-e);
  if (-e > 80) {
    // |value| < 2^(bitLen - e) <= 2^-16: only the direction matters.
    if (sig === 0n) return 0n;
    R.exc |= FE_PE;
    const up = rc === 1 ? sign !== 0 : rc === 2 ? sign === 0 : false;
    R.up = up;
    return up ? 1n : 0n;
  }
  let kept = sig >> sh;
  const rem = sig & ((1n << sh) - 1n);
  if (rem === 0n) return kept;
  R.exc |= FE_PE;
  let up = false;
  if (rc === 0) {
    const half = 1n << (sh - 1n);
    up = rem > half || (rem === half && (kept & 1n) === 1n);
  } else if (rc === 1) up = sign !== 0;
  else if (rc === 2) up = sign === 0;
  if (up) kept += 1n;
  R.up = up;
  return kept;
}

/** Unpacked finite operand: exponent of the significand's last bit (value = sig * 2^e). */
export function expOf(se: number): number {
  const exp = se & 0x7fff;
  return (exp === 0 ? 1 : exp) - 16383 - 63;
}

/** Packs an exactly representable value (-1)^sign * sig * 2^e (no rounding needed) into R. */
export function packExact(sign: number, e: number, sig: bigint): void {
  const save = R.exc;
  roundExt(sign, e, sig, false, 64, 0, 0x3f);
  R.exc = save;
}

// ---- memory formats (SDM Vol.1 4.2.2) ----

/** Single precision bits → R as double extended, exactly (an SNaN stays signaling). Returns the source class (K_*). */
export function fromF32(bits: number): number {
  const sign = bits >>> 31, exp = (bits >>> 23) & 0xff, frac = bits & 0x7fffff;
  if (exp === 0xff) {
    R.se = (sign << 15) | 0x7fff;
    R.hi = (0x80000000 | (frac << 8)) | 0; R.lo = 0;
    if (frac === 0) return K_INF;
    if ((frac & 0x400000) === 0) return K_SNAN;
    return K_QNAN;
  }
  if (exp === 0) {
    if (frac === 0) { R.se = sign << 15; R.hi = 0; R.lo = 0; return K_ZERO; }
    const lz = Math.clz32(frac); // value = frac * 2^-149, leading bit at 31 - lz
    R.se = (sign << 15) | (16383 - 149 + 31 - lz);
    R.hi = (frac << lz) | 0; R.lo = 0;
    return K_DENORMAL;
  }
  R.se = (sign << 15) | (exp - 127 + 16383);
  R.hi = (0x80000000 | (frac << 8)) | 0; R.lo = 0;
  return K_NORMAL;
}

/** Double precision bits (hi:lo words) → R as double extended. Returns the class of the source. */
export function fromF64(whi: number, wlo: number): number {
  const sign = whi >>> 31, exp = (whi >>> 20) & 0x7ff;
  let fhi = whi & 0xfffff, flo = wlo;
  if (exp === 0x7ff) {
    R.se = (sign << 15) | 0x7fff;
    R.hi = (0x80000000 | (fhi << 11) | (flo >>> 21)) | 0; R.lo = flo << 11;
    if (fhi === 0 && flo === 0) return K_INF;
    if ((fhi & 0x80000) === 0) return K_SNAN;
    return K_QNAN;
  }
  if (exp === 0) {
    if (fhi === 0 && flo === 0) { R.se = sign << 15; R.hi = 0; R.lo = 0; return K_ZERO; }
    const m = (BigInt(fhi) << 32n) | BigInt(flo >>> 0);
    const n = bitLen(m); // value = m * 2^-1074, leading bit at n-1
    R.se = (sign << 15) | (-1074 + n - 1 + 16383);
    setMant(m << BigInt(64 - n));
    return K_DENORMAL;
  }
  R.se = (sign << 15) | (exp - 1023 + 16383);
  R.hi = (0x80000000 | (fhi << 11) | (flo >>> 21)) | 0; R.lo = flo << 11;
  return K_NORMAL;
}

/** Integer (|v| < 2^63 or -2^63, as BigInt) → R, exact. */
export function fromInt(v: bigint): void {
  if (v === 0n) { setResult(0, 0, 0); return; }
  const sign = v < 0n ? 1 : 0;
  const m = sign ? -v : v;
  const n = bitLen(m);
  R.se = (sign << 15) | (16383 + n - 1);
  setMant(m << BigInt(64 - n));
}

/** 32-bit integer → R, exact (fast path without BigInt). */
export function fromInt32(v: number): void {
  if (v === 0) { setResult(0, 0, 0); return; }
  const sign = v < 0 ? 1 : 0;
  const m = sign ? (-v) >>> 0 : v;
  const lz = Math.clz32(m);
  R.se = (sign << 15) | (16383 + 31 - lz);
  R.hi = (m << lz) | 0;
  R.lo = 0;
}
