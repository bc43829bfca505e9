// Lazy arithmetic flags.
//
// The hot ALU ops (ADD ADC SUB SBB CMP NEG INC DEC AND OR XOR TEST) do not compute flags; they
// record (op, size, a, b, result) and mark which of the six status flags are lazy in lzMask.
// A flag is computed only when read. Everything else (shifts, MUL, BCD, POPF...) sets flags
// eagerly with setArith(), which clears lzMask.
//
//   lzOp   LZ_ADD/ADC/SUB/SBB/LOGIC (ADC/SBB only when the carry-in was 1)
//   lzSz   index of the sign bit: 7, 15 or 31
//   lzA, lzB, lzRes   operands and result, already truncated to the operand size
//
// Formulas (n = sign bit):   CF add: res < a   adc: res <= a   sub: a < b   sbb: a <= b (unsigned)
//   OF add: ((a^res)&(b^res))>>n   sub: ((a^b)&(a^res))>>n   AF: (a^b^res)&0x10   LOGIC: CF=OF=AF=0

import type { Cpu } from "./cpu.js";
import { Eflags } from "./constants.js";

export const enum Lz {
  ADD = 0,
  ADC = 1,
  SUB = 2,
  SBB = 3,
  LOGIC = 4,
}
// Plain-name aliases kept while older code migrates: imported numbers are NOT inlined by
// V8 (they cost a load and a hole check each), so new code uses the enum members above.
/** @deprecated use Lz.ADD */
export const LZ_ADD = Lz.ADD;
/** @deprecated use Lz.ADC */
export const LZ_ADC = Lz.ADC;
/** @deprecated use Lz.SUB */
export const LZ_SUB = Lz.SUB;
/** @deprecated use Lz.SBB */
export const LZ_SBB = Lz.SBB;
/** @deprecated use Lz.LOGIC */
export const LZ_LOGIC = Lz.LOGIC;

/** PARITY[b] = EFLAGS_PF if b has an even number of set bits. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, p = 1;
  while (b) { p ^= b & 1; b >>= 1; }
  PARITY[i] = p ? Eflags.PF : 0;
}

export function setLazy(cpu: Cpu, op: number, sz: number, a: number, b: number, res: number): void {
  cpu.lzOp = op;
  cpu.lzSz = sz;
  cpu.lzA = a;
  cpu.lzB = b;
  cpu.lzRes = res;
  cpu.lzMask = Eflags.ARITH;
}

/** Like setLazy but CF keeps its current value (INC, DEC). */
export function setLazyKeepCF(cpu: Cpu, op: number, sz: number, a: number, b: number, res: number): void {
  const cf = getCF(cpu);
  cpu.flags = (cpu.flags & ~Eflags.CF) | cf;
  cpu.lzOp = op;
  cpu.lzSz = sz;
  cpu.lzA = a;
  cpu.lzB = b;
  cpu.lzRes = res;
  cpu.lzMask = Eflags.ARITH & ~Eflags.CF;
}

/** Sets the six status flags eagerly from `bits` (other bits of `bits` are ignored). */
export function setArith(cpu: Cpu, bits: number): void {
  cpu.flags = (cpu.flags & ~Eflags.ARITH) | (bits & Eflags.ARITH);
  cpu.lzMask = 0;
}

function lazyCF(cpu: Cpu): number {
  const a = cpu.lzA >>> 0, b = cpu.lzB >>> 0, r = cpu.lzRes >>> 0;
  switch (cpu.lzOp) {
    case Lz.ADD: return r < a ? 1 : 0;
    case Lz.ADC: return r <= a ? 1 : 0;
    case Lz.SUB: return a < b ? 1 : 0;
    case Lz.SBB: return a <= b ? 1 : 0;
    default: return 0;
  }
}

function lazyOF(cpu: Cpu): number {
  const a = cpu.lzA, b = cpu.lzB, r = cpu.lzRes, n = cpu.lzSz;
  switch (cpu.lzOp) {
    case Lz.ADD: case Lz.ADC: return (((a ^ r) & (b ^ r)) >>> n) & 1;
    case Lz.SUB: case Lz.SBB: return (((a ^ b) & (a ^ r)) >>> n) & 1;
    default: return 0;
  }
}

export function getCF(cpu: Cpu): number {
  return cpu.lzMask & Eflags.CF ? lazyCF(cpu) : cpu.flags & Eflags.CF;
}
export function getZF(cpu: Cpu): boolean {
  return cpu.lzMask & Eflags.ZF ? cpu.lzRes === 0 : (cpu.flags & Eflags.ZF) !== 0;
}
export function getSF(cpu: Cpu): boolean {
  return cpu.lzMask & Eflags.SF ? ((cpu.lzRes >>> cpu.lzSz) & 1) !== 0 : (cpu.flags & Eflags.SF) !== 0;
}
export function getOF(cpu: Cpu): boolean {
  return cpu.lzMask & Eflags.OF ? lazyOF(cpu) !== 0 : (cpu.flags & Eflags.OF) !== 0;
}
export function getPF(cpu: Cpu): boolean {
  return cpu.lzMask & Eflags.PF ? PARITY[cpu.lzRes & 0xff] !== 0 : (cpu.flags & Eflags.PF) !== 0;
}
export function getAF(cpu: Cpu): boolean {
  if (cpu.lzMask & Eflags.AF) return cpu.lzOp !== Lz.LOGIC && ((cpu.lzA ^ cpu.lzB ^ cpu.lzRes) & 0x10) !== 0;
  return (cpu.flags & Eflags.AF) !== 0;
}

/** The full EFLAGS value with every lazy flag materialized. */
export function getEflags(cpu: Cpu): number {
  const m = cpu.lzMask;
  if (m === 0) return cpu.flags;
  let f = cpu.flags & ~m;
  if (m & Eflags.CF) f |= lazyCF(cpu);
  if (m & Eflags.PF) f |= PARITY[cpu.lzRes & 0xff];
  if ((m & Eflags.AF) && cpu.lzOp !== Lz.LOGIC) f |= (cpu.lzA ^ cpu.lzB ^ cpu.lzRes) & Eflags.AF;
  if ((m & Eflags.ZF) && cpu.lzRes === 0) f |= Eflags.ZF;
  if (m & Eflags.SF) f |= ((cpu.lzRes >>> cpu.lzSz) & 1) << 7;
  if (m & Eflags.OF) f |= lazyOF(cpu) << 11;
  return f;
}

/** Freezes lazy flags into cpu.flags (before code that edits individual flag bits). */
export function materialize(cpu: Cpu): void {
  cpu.flags = getEflags(cpu);
  cpu.lzMask = 0;
}

/** Evaluates condition code cc (0..15, the low nibble of Jcc/SETcc/CMOVcc; SDM Vol.1 B.1). */
export function testCC(cpu: Cpu, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = getOF(cpu); break;
    case 1: r = getCF(cpu) !== 0; break;
    case 2: r = getZF(cpu); break;
    case 3: r = getCF(cpu) !== 0 || getZF(cpu); break;
    case 4: r = getSF(cpu); break;
    case 5: r = getPF(cpu); break;
    case 6: r = getSF(cpu) !== getOF(cpu); break;
    default: r = getZF(cpu) || getSF(cpu) !== getOF(cpu); break;
  }
  return (cc & 1) === 0 ? r : !r;
}
