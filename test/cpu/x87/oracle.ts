// Independent oracle for the x87 tests: exact rational arithmetic on BigInt (value = num/den),
// rounded to a 64/53/24-bit significand by plain long division — a different method from the
// emulator's sticky-bit rounding in src/cpu/x87/float80.ts.

export interface Q { num: bigint; den: bigint }

/** The 80-bit value "seee:mmmm" as an exact rational (finite values only). */
export function ratOf(se: number, m: bigint): Q {
  const e = ((se & 0x7fff) || 1) - 16383 - 63;
  const n = se & 0x8000 ? -m : m;
  return e >= 0 ? { num: n << BigInt(e), den: 1n } : { num: n, den: 1n << BigInt(-e) };
}

/**
 * Rounds q (nonzero, normal-range result) to p significant bits with rounding control rc, and
 * returns it as "seee:mmmmmmmmmmmmmmmm" (double extended, significand left-aligned).
 */
export function roundRat(q: Q, p = 64, rc = 0): string {
  let { num, den } = q;
  if (den < 0n) { num = -num; den = -den; }
  const neg = num < 0n;
  if (neg) num = -num;
  // Find E with 2^E <= num/den < 2^(E+1).
  let E = num.toString(2).length - den.toString(2).length;
  if ((E >= 0 ? num : num << BigInt(-E)) < (E >= 0 ? den << BigInt(E) : den)) E--;
  // Significand: floor(num/den * 2^(p-1-E)) with the remainder deciding the rounding.
  const sh = p - 1 - E;
  const N = sh >= 0 ? num << BigInt(sh) : num;
  const D = sh >= 0 ? den : den << BigInt(-sh);
  let m = N / D;
  const r = N - m * D;
  let up = false;
  if (r !== 0n) {
    if (rc === 0) up = 2n * r > D || (2n * r === D && (m & 1n) === 1n);
    else if (rc === 1) up = neg;
    else if (rc === 2) up = !neg;
  }
  if (up) m += 1n;
  if (m === 1n << BigInt(p)) { m >>= 1n; E++; }
  const se = (neg ? 0x8000 : 0) | (E + 16383);
  return `${se.toString(16).padStart(4, "0")}:${(m << BigInt(64 - p)).toString(16).padStart(16, "0")}`;
}

/** floor(sqrt(n)). */
export function isqrtRef(n: bigint): bigint {
  if (n < 2n) return n;
  let lo = 1n, hi = 1n << BigInt(Math.ceil(n.toString(2).length / 2) + 1);
  while (lo < hi) {
    const mid = (lo + hi + 1n) >> 1n;
    if (mid * mid <= n) lo = mid; else hi = mid - 1n;
  }
  return lo;
}

/** pi * 2^bits by Machin's formula, truncated. */
export function piFixed(bits: number): bigint {
  const one = 1n << BigInt(bits + 20);
  const at = (x: bigint) => {
    let s = 0n, t = one / x, k = 1n, sign = 1n;
    while (t !== 0n) { s += sign * (t / k); t /= x * x; k += 2n; sign = -sign; }
    return s;
  };
  return (16n * at(5n) - 4n * at(239n)) >> 20n;
}
