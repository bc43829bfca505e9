// Group 3 unary operations (F6/F7 /2-/7: NOT NEG MUL IMUL DIV IDIV) and the two- and
// three-operand IMUL forms (0F AF, 69, 6B). SDM Vol.2 NOT, NEG, MUL, IMUL, DIV, IDIV.
//
// Flags the SDM leaves undefined, and what we do:
//   MUL/IMUL: CF = OF = (the high half is significant); SF ZF PF from the low half of the
//     product (the register written last: AL, AX, EAX, or the destination), AF = 0 —
//     the P6-family behaviour.
//   DIV/IDIV: all six status flags keep their values.
// #DE (divide error) is raised for a zero divisor and for a quotient that does not fit, before
// any register changes.

import type { Cpu } from "../cpu.js";
import { Eflags, Exc, Reg } from "../constants.js";
import { Rec } from "../decoder.js";
import { raise } from "../fault.js";
import { PARITY, setArith, setLazy, Lz } from "../flags.js";
import { readRm16, readRm32, readRm8, readRmw16, readRmw32, readRmw8, regField, setReg16, writeRmw16, writeRmw32, writeRmw8 } from "./operands.js";
import { defineOp } from "./registry.js";

const TWO32 = 4294967296;
const TWO53 = 9007199254740992;

// ---- NOT (F6/F7 /2), NEG (F6/F7 /3: the lazy SUB 0 - x, so CF = (x != 0)) ----
defineOp("op_f6_2", (cpu, d) => { writeRmw8(cpu, d, ~readRmw8(cpu, d)); });
defineOp("op_f7_2",
  (cpu, d) => { writeRmw16(cpu, d, ~readRmw16(cpu, d)); },
  (cpu, d) => { writeRmw32(cpu, d, ~readRmw32(cpu, d)); });
defineOp("op_f6_3", (cpu, d) => {
  const a = readRmw8(cpu, d);
  const r = -a & 0xff;
  setLazy(cpu, Lz.SUB, 7, 0, a, r);
  writeRmw8(cpu, d, r);
});
defineOp("op_f7_3", (cpu, d) => {
  const a = readRmw16(cpu, d);
  const r = -a & 0xffff;
  setLazy(cpu, Lz.SUB, 15, 0, a, r);
  writeRmw16(cpu, d, r);
}, (cpu, d) => {
  const a = readRmw32(cpu, d);
  const r = -a | 0;
  setLazy(cpu, Lz.SUB, 31, 0, a, r);
  writeRmw32(cpu, d, r);
});

// ---- multiplication ----

/** MUL/IMUL flags: CF = OF = `wide`; SF ZF PF from `lo` (sign bit n); AF = 0. */
function setMulFlags(cpu: Cpu, n: number, lo: number, wide: boolean): void {
  setArith(cpu, (wide ? Eflags.CF | Eflags.OF : 0) | PARITY[lo & 0xff] | (lo === 0 ? Eflags.ZF : 0) |
    ((lo >>> n) & 1 ? Eflags.SF : 0));
}

/** High 32 bits of the unsigned 64-bit product of uint32 a and b (exact, 16-bit pieces). */
export function mulHighU32(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lohi = al * bh, hilo = ah * bl; // each < 2^32
  const mid = ((al * bl) >>> 16) + (lohi & 0xffff) + (hilo & 0xffff);
  return (ah * bh + Math.floor(lohi / 65536) + Math.floor(hilo / 65536) + Math.floor(mid / 65536)) | 0;
}

/** High 32 bits of the signed 64-bit product of int32 a and b (exact). */
export function mulHighS32(a: number, b: number): number {
  const p = a * b;
  // Below 2^53 the double product is exact; dividing by 2^32 and flooring is then exact too.
  if (p > -TWO53 && p < TWO53) return Math.floor(p / TWO32) | 0;
  return (mulHighU32(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

// F6 /4 mul Eb: AX ← AL * r/m8
defineOp("op_f6_4", (cpu, d) => {
  const p = (cpu.regs[Reg.EAX] & 0xff) * readRm8(cpu, d);
  setReg16(cpu, Reg.EAX, p);
  setMulFlags(cpu, 7, p & 0xff, p > 0xff);
});
// F7 /4 mul Ev: DX:AX ← AX * r/m16   EDX:EAX ← EAX * r/m32
defineOp("op_f7_4", (cpu, d) => {
  const p = Math.imul(cpu.regs[Reg.EAX] & 0xffff, readRm16(cpu, d));
  setReg16(cpu, Reg.EAX, p);
  setReg16(cpu, Reg.EDX, p >>> 16);
  setMulFlags(cpu, 15, p & 0xffff, (p >>> 16) !== 0);
}, (cpu, d) => {
  const a = cpu.regs[Reg.EAX], b = readRm32(cpu, d);
  const p = (a >>> 0) * (b >>> 0);
  const hi = p < TWO53 ? Math.floor(p / TWO32) | 0 : mulHighU32(a, b);
  const lo = Math.imul(a, b);
  cpu.regs[Reg.EAX] = lo;
  cpu.regs[Reg.EDX] = hi;
  setMulFlags(cpu, 31, lo, hi !== 0);
});
// F6 /5 imul Eb: AX ← AL * r/m8 (signed)
defineOp("op_f6_5", (cpu, d) => {
  const p = ((cpu.regs[Reg.EAX] << 24) >> 24) * ((readRm8(cpu, d) << 24) >> 24);
  setReg16(cpu, Reg.EAX, p);
  setMulFlags(cpu, 7, p & 0xff, p !== (p << 24) >> 24);
});
// F7 /5 imul Ev: DX:AX ← AX * r/m16   EDX:EAX ← EAX * r/m32 (signed)
defineOp("op_f7_5", (cpu, d) => {
  const p = ((cpu.regs[Reg.EAX] << 16) >> 16) * ((readRm16(cpu, d) << 16) >> 16);
  setReg16(cpu, Reg.EAX, p);
  setReg16(cpu, Reg.EDX, p >> 16);
  setMulFlags(cpu, 15, p & 0xffff, p !== (p << 16) >> 16);
}, (cpu, d) => {
  const a = cpu.regs[Reg.EAX], b = readRm32(cpu, d);
  const lo = Math.imul(a, b);
  const hi = mulHighS32(a, b);
  cpu.regs[Reg.EAX] = lo;
  cpu.regs[Reg.EDX] = hi;
  setMulFlags(cpu, 31, lo, hi !== lo >> 31);
});

// IMUL Gv,Ev(,imm): the product truncated to the operand size; CF = OF = the truncation lost
// significant bits. For 32 bits: the double product is exact whenever it fits in int32 and
// out of range otherwise, so comparing it with Math.imul decides the overflow exactly.
function imul16(cpu: Cpu, d: number, a: number, b: number): void {
  const p = ((a << 16) >> 16) * ((b << 16) >> 16);
  setReg16(cpu, regField(cpu, d), p);
  setMulFlags(cpu, 15, p & 0xffff, p !== (p << 16) >> 16);
}
function imul32(cpu: Cpu, d: number, a: number, b: number): void {
  const lo = Math.imul(a, b);
  cpu.regs[regField(cpu, d)] = lo;
  setMulFlags(cpu, 31, lo, a * b !== lo);
}
// 0F AF imul Gv,Ev
defineOp("op_0f_af",
  (cpu, d) => { imul16(cpu, d, cpu.regs[regField(cpu, d)], readRm16(cpu, d)); },
  (cpu, d) => { imul32(cpu, d, cpu.regs[regField(cpu, d)], readRm32(cpu, d)); });
// 69 imul Gv,Ev,Iz   6B imul Gv,Ev,Ibs (D_IMM: Iz zero-extended at 16 bits, Ibs sign-extended)
for (const op of ["op_69", "op_6b"]) {
  defineOp(op,
    (cpu, d) => { imul16(cpu, d, readRm16(cpu, d), cpu.dec[d + Rec.IMM]); },
    (cpu, d) => { imul32(cpu, d, readRm32(cpu, d), cpu.dec[d + Rec.IMM]); });
}

// ---- division ----

// Quotient and remainder of udiv64 (module scratch: no allocation per instruction).
let divQ = 0, divR = 0;

/**
 * Exact unsigned (hi:lo) / d for uint32 hi < d (so the quotient fits in 32 bits): long division
 * in two 16-bit digits, each partial dividend below 2^48 so every double operation is exact,
 * with a one-step correction of the floating quotient digit. Result in divQ, divR.
 */
function udiv64(hi: number, lo: number, d: number): void {
  let t = hi * 65536 + (lo >>> 16);
  let q1 = Math.floor(t / d);
  let r = t - q1 * d;
  if (r < 0) { q1--; r += d; } else if (r >= d) { q1++; r -= d; }
  t = r * 65536 + (lo & 0xffff);
  let q0 = Math.floor(t / d);
  r = t - q0 * d;
  if (r < 0) { q0--; r += d; } else if (r >= d) { q0++; r -= d; }
  divQ = q1 * 65536 + q0;
  divR = r;
}

// F6 /6 div Eb: AL ← AX / r/m8, AH ← remainder
defineOp("op_f6_6", (cpu, d) => {
  const s = readRm8(cpu, d);
  if (s === 0) raise(Exc.DE);
  const n = cpu.regs[Reg.EAX] & 0xffff;
  const q = (n / s) >>> 0;
  if (q > 0xff) raise(Exc.DE);
  setReg16(cpu, Reg.EAX, ((n - q * s) << 8) | q);
});
// F7 /6 div Ev: AX ← DX:AX / r/m16, DX ← remainder   EAX ← EDX:EAX / r/m32, EDX ← remainder
defineOp("op_f7_6", (cpu, d) => {
  const s = readRm16(cpu, d);
  if (s === 0) raise(Exc.DE);
  const n = (cpu.regs[Reg.EDX] & 0xffff) * 65536 + (cpu.regs[Reg.EAX] & 0xffff);
  const q = Math.floor(n / s);
  if (q > 0xffff) raise(Exc.DE);
  setReg16(cpu, Reg.EAX, q);
  setReg16(cpu, Reg.EDX, n - q * s);
}, (cpu, d) => {
  const s = readRm32(cpu, d) >>> 0;
  if (s === 0) raise(Exc.DE);
  const hi = cpu.regs[Reg.EDX] >>> 0, lo = cpu.regs[Reg.EAX] >>> 0;
  if (hi === 0) {
    const q = Math.floor(lo / s);
    cpu.regs[Reg.EAX] = q;
    cpu.regs[Reg.EDX] = lo - q * s;
    return;
  }
  if (hi >= s) raise(Exc.DE);
  udiv64(hi, lo, s);
  cpu.regs[Reg.EAX] = divQ;
  cpu.regs[Reg.EDX] = divR;
});
// F6 /7 idiv Eb: AL ← AX / r/m8 (signed, truncating), AH ← remainder (sign of the dividend)
defineOp("op_f6_7", (cpu, d) => {
  const s = (readRm8(cpu, d) << 24) >> 24;
  if (s === 0) raise(Exc.DE);
  const n = (cpu.regs[Reg.EAX] << 16) >> 16;
  const q = Math.trunc(n / s);
  if (q > 127 || q < -128) raise(Exc.DE);
  setReg16(cpu, Reg.EAX, ((n - q * s) << 8) | (q & 0xff));
});
// F7 /7 idiv Ev: signed DX:AX / r/m16, EDX:EAX / r/m32
defineOp("op_f7_7", (cpu, d) => {
  const s = (readRm16(cpu, d) << 16) >> 16;
  if (s === 0) raise(Exc.DE);
  const n = (cpu.regs[Reg.EDX] << 16) | (cpu.regs[Reg.EAX] & 0xffff);
  const q = Math.trunc(n / s);
  if (q > 32767 || q < -32768) raise(Exc.DE);
  setReg16(cpu, Reg.EAX, q);
  setReg16(cpu, Reg.EDX, n - q * s);
}, (cpu, d) => {
  const s = readRm32(cpu, d);
  if (s === 0) raise(Exc.DE);
  const hi = cpu.regs[Reg.EDX], lo = cpu.regs[Reg.EAX];
  if (hi === lo >> 31) {
    // The dividend is a sign-extended int32: one exact double division.
    const q = Math.trunc(lo / s);
    if (q > 0x7fffffff) raise(Exc.DE); // -2^31 / -1
    cpu.regs[Reg.EAX] = q;
    cpu.regs[Reg.EDX] = lo - q * s;
    return;
  }
  // Magnitudes, unsigned division, then signs: quotient negative when the signs differ,
  // remainder takes the dividend's sign.
  const negN = hi < 0, negS = s < 0;
  let mhi = hi >>> 0, mlo = lo >>> 0;
  if (negN) {
    mlo = (-lo) >>> 0;
    mhi = (~hi + (mlo === 0 ? 1 : 0)) >>> 0;
  }
  const ms = negS ? (-s) >>> 0 : s;
  if (mhi >= ms) raise(Exc.DE);
  udiv64(mhi, mlo, ms);
  if (negN !== negS ? divQ > 0x80000000 : divQ > 0x7fffffff) raise(Exc.DE);
  cpu.regs[Reg.EAX] = negN !== negS ? -divQ : divQ;
  cpu.regs[Reg.EDX] = negN ? -divR : divR;
});
