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
import {
  EFLAGS_AF, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF,
} from "./constants.js";

export const LZ_ADD = 0, LZ_ADC = 1, LZ_SUB = 2, LZ_SBB = 3, LZ_LOGIC = 4;

/** PARITY[b] = EFLAGS_PF if b has an even number of set bits. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, p = 1;
  while (b) { p ^= b & 1; b >>= 1; }
  PARITY[i] = p ? EFLAGS_PF : 0;
}

export function setLazy(cpu: Cpu, op: number, sz: number, a: number, b: number, res: number): void {
  cpu.lzOp = op;
  cpu.lzSz = sz;
  cpu.lzA = a;
  cpu.lzB = b;
  cpu.lzRes = res;
  cpu.lzMask = EFLAGS_ARITH;
}

/** Like setLazy but CF keeps its current value (INC, DEC). */
export function setLazyKeepCF(cpu: Cpu, op: number, sz: number, a: number, b: number, res: number): void {
  const cf = getCF(cpu);
  cpu.flags = (cpu.flags & ~EFLAGS_CF) | cf;
  cpu.lzOp = op;
  cpu.lzSz = sz;
  cpu.lzA = a;
  cpu.lzB = b;
  cpu.lzRes = res;
  cpu.lzMask = EFLAGS_ARITH & ~EFLAGS_CF;
}

/** Sets the six status flags eagerly from `bits` (other bits of `bits` are ignored). */
export function setArith(cpu: Cpu, bits: number): void {
  cpu.flags = (cpu.flags & ~EFLAGS_ARITH) | (bits & EFLAGS_ARITH);
  cpu.lzMask = 0;
}

function lazyCF(cpu: Cpu): number {
  const a = cpu.lzA >>> 0, b = cpu.lzB >>> 0, r = cpu.lzRes >>> 0;
  switch (cpu.lzOp) {
    case LZ_ADD: return r < a ? 1 : 0;
    case LZ_ADC: return r <= a ? 1 : 0;
    case LZ_SUB: return a < b ? 1 : 0;
    case LZ_SBB: return a <= b ? 1 : 0;
    default: return 0;
  }
}

function lazyOF(cpu: Cpu): number {
  const a = cpu.lzA, b = cpu.lzB, r = cpu.lzRes, n = cpu.lzSz;
  switch (cpu.lzOp) {
    case LZ_ADD: case LZ_ADC: return (((a ^ r) & (b ^ r)) >>> n) & 1;
    case LZ_SUB: case LZ_SBB: return (((a ^ b) & (a ^ r)) >>> n) & 1;
    default: return 0;
  }
}

export function getCF(cpu: Cpu): number {
  return cpu.lzMask & EFLAGS_CF ? lazyCF(cpu) : cpu.flags & EFLAGS_CF;
}
export function getZF(cpu: Cpu): boolean {
  return cpu.lzMask & EFLAGS_ZF ? cpu.lzRes === 0 : (cpu.flags & EFLAGS_ZF) !== 0;
}
export function getSF(cpu: Cpu): boolean {
  return cpu.lzMask & EFLAGS_SF ? ((cpu.lzRes >>> cpu.lzSz) & 1) !== 0 : (cpu.flags & EFLAGS_SF) !== 0;
}
export function getOF(cpu: Cpu): boolean {
  return cpu.lzMask & EFLAGS_OF ? lazyOF(cpu) !== 0 : (cpu.flags & EFLAGS_OF) !== 0;
}
export function getPF(cpu: Cpu): boolean {
  return cpu.lzMask & EFLAGS_PF ? PARITY[cpu.lzRes & 0xff] !== 0 : (cpu.flags & EFLAGS_PF) !== 0;
}
export function getAF(cpu: Cpu): boolean {
  if (cpu.lzMask & EFLAGS_AF) return cpu.lzOp !== LZ_LOGIC && ((cpu.lzA ^ cpu.lzB ^ cpu.lzRes) & 0x10) !== 0;
  return (cpu.flags & EFLAGS_AF) !== 0;
}

/** The full EFLAGS value with every lazy flag materialized. */
export function getEflags(cpu: Cpu): number {
  const m = cpu.lzMask;
  if (m === 0) return cpu.flags;
  let f = cpu.flags & ~m;
  if (m & EFLAGS_CF) f |= lazyCF(cpu);
  if (m & EFLAGS_PF) f |= PARITY[cpu.lzRes & 0xff];
  if ((m & EFLAGS_AF) && cpu.lzOp !== LZ_LOGIC) f |= (cpu.lzA ^ cpu.lzB ^ cpu.lzRes) & EFLAGS_AF;
  if ((m & EFLAGS_ZF) && cpu.lzRes === 0) f |= EFLAGS_ZF;
  if (m & EFLAGS_SF) f |= ((cpu.lzRes >>> cpu.lzSz) & 1) << 7;
  if (m & EFLAGS_OF) f |= lazyOF(cpu) << 11;
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
