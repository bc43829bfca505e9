// Data transfer (SDM Vol.1 8.3.3; Vol.2 FLD FST/FSTP FILD FIST/FISTP FBLD FBSTP): conversions
// between the register format and the memory formats — single (m32), double (m64) and extended
// (m80) real, 16/32/64-bit integers and 18-digit packed BCD (SDM Vol.1 4.2, 4.7).

import type { Cpu } from "../cpu.js";
import { Rec } from "../decoder.js";
import { write16, write32 } from "../mmu.js";
import { defineOp } from "../ops/registry.js";
import { fpuWait, M, memOff, memSeg, notePointers, notePointersMem, pushIndefinite, readM16, readM32, readM64, readM80, signal, stackOverflow, stackUnderflow, wouldOverflow, writeM64, writeM80 } from "./common.js";
import { classify, DBL, expOf, FE_DE, FE_IE, fromF32, fromF64, fromInt, fromInt32, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO, R, rExp, rNoStore, roundPack, roundToInt, rSig, SGL, toBig } from "./float80.js";
import type { Fpu } from "./fpu.js";

// ---- loads ----

/** Pushes R (a converted memory operand of source class k) with FLD's checks. */
function pushLoaded(f: Fpu, k: number): void {
  if (wouldOverflow(f)) { if (stackOverflow(f)) pushIndefinite(f); return; }
  let exc = 0;
  if (k === K_SNAN) { exc = FE_IE; R.hi |= 0x40000000; }
  else if (k === K_DENORMAL) exc = FE_DE;
  // Silicon loads a denormal even with DE unmasked.
  if (signal(f, exc, false) && k === K_SNAN) return;
  f.push(R.se, R.hi, R.lo);
}

/** Pushes an exactly converted value (integers, BCD, m80): only stack overflow can occur. */
function pushExact(f: Fpu, se: number, hi: number, lo: number): void {
  if (wouldOverflow(f)) { if (stackOverflow(f)) pushIndefinite(f); return; }
  f.sw &= ~0x200;
  f.push(se, hi, lo);
}

defineOp("op_d9_0_mem", (cpu, d) => {
  fpuWait(cpu);
  const k = fromF32(readM32(cpu, d));
  notePointersMem(cpu, d);
  pushLoaded(cpu.fpu, k);
});
defineOp("op_dd_0_mem", (cpu, d) => {
  fpuWait(cpu);
  readM64(cpu, d);
  const k = fromF64(M.hi, M.lo);
  notePointersMem(cpu, d);
  pushLoaded(cpu.fpu, k);
});
defineOp("op_db_5_mem", (cpu, d) => {
  fpuWait(cpu);
  readM80(cpu, d);
  notePointersMem(cpu, d);
  pushExact(cpu.fpu, M.se, M.hi, M.lo);
});
defineOp("op_df_0_mem", (cpu, d) => {
  fpuWait(cpu);
  fromInt32((readM16(cpu, d) << 16) >> 16);
  notePointersMem(cpu, d);
  pushExact(cpu.fpu, R.se, R.hi, R.lo);
});
defineOp("op_db_0_mem", (cpu, d) => {
  fpuWait(cpu);
  fromInt32(readM32(cpu, d));
  notePointersMem(cpu, d);
  pushExact(cpu.fpu, R.se, R.hi, R.lo);
});
defineOp("op_df_5_mem", (cpu, d) => {
  fpuWait(cpu);
  readM64(cpu, d);
  fromInt(BigInt.asIntN(64, toBig(M.hi, M.lo)));
  notePointersMem(cpu, d);
  pushExact(cpu.fpu, R.se, R.hi, R.lo);
});

// DF /4: FBLD m80bcd — bytes 0..8 hold 18 digits (two per byte, low digit in the low nibble),
// byte 9 bit 7 the sign. Invalid digits give an undefined result; here they weigh as their value.
defineOp("op_df_4_mem", (cpu, d) => {
  fpuWait(cpu);
  readM80(cpu, d);
  notePointersMem(cpu, d);
  let v = 0n;
  const bytes = [M.lo, M.lo >>> 8, M.lo >>> 16, M.lo >>> 24, M.hi, M.hi >>> 8, M.hi >>> 16, M.hi >>> 24, M.se];
  for (let i = 8; i >= 0; i--) {
    const b = bytes[i] & 0xff;
    v = v * 100n + BigInt((b >> 4) * 10 + (b & 15));
  }
  const neg = (M.se & 0x8000) !== 0;
  fromInt(neg ? -v : v);
  if (neg && v === 0n) R.se = 0x8000;
  pushExact(cpu.fpu, R.se, R.hi, R.lo);
});

// D9 C0+i: FLD ST(i)
defineOp("op_d9_0_reg", (cpu, d) => {
  fpuWait(cpu);
  notePointers(cpu, d);
  const f = cpu.fpu;
  const i = cpu.dec[d + Rec.MODRM] & 7;
  if (f.isEmpty(i)) { if (stackUnderflow(f)) { if (!wouldOverflow(f)) pushIndefinite(f); } return; }
  const r = f.phys(i);
  pushExact(f, f.signExp[r], f.mantHi[r], f.mantLo[r]);
});

// ---- stores ----

// Converted store operands.
let sLo = 0, sHi = 0;

/** ST(0) → single precision bits in sLo; R.exc/R.up set; false when nothing may be stored. */
function toF32(f: Fpu, se: number, hi: number, lo: number): boolean {
  const sign = (se & 0x8000) << 16;
  R.exc = 0; R.up = false;
  switch (classify(se, hi, lo)) {
    case K_ZERO: sLo = sign; return true;
    case K_INF: sLo = sign | 0x7f800000; return true;
    case K_SNAN: case K_QNAN:
      if ((hi & 0x40000000) === 0) R.exc = FE_IE;
      sLo = sign | 0x7fc00000 | ((hi >>> 8) & 0x3fffff); return true;
    case K_UNSUPPORTED: R.exc = FE_IE; sLo = 0xffc00000 | 0; return true;
  }
  roundPack(se >>> 15, expOf(se), toBig(hi, lo), false, 24, SGL, (f.cw >> 10) & 3, f.cw);
  if (rNoStore) return false;
  sLo = sign | (rExp << 23) | (Number(rSig) & 0x7fffff);
  return true;
}

/** ST(0) → double precision bits in sHi:sLo. */
function toF64(f: Fpu, se: number, hi: number, lo: number): boolean {
  const sign = (se & 0x8000) << 16;
  R.exc = 0; R.up = false;
  sLo = 0;
  switch (classify(se, hi, lo)) {
    case K_ZERO: sHi = sign; return true;
    case K_INF: sHi = sign | 0x7ff00000; return true;
    case K_SNAN: case K_QNAN:
      if ((hi & 0x40000000) === 0) R.exc = FE_IE;
      sHi = sign | 0x7ff80000 | ((hi >>> 11) & 0x7ffff); sLo = (hi << 21) | (lo >>> 11); return true;
    case K_UNSUPPORTED: R.exc = FE_IE; sHi = 0xfff80000 | 0; return true;
  }
  roundPack(se >>> 15, expOf(se), toBig(hi, lo), false, 53, DBL, (f.cw >> 10) & 3, f.cw);
  if (rNoStore) return false;
  sHi = sign | (rExp << 20) | (Number(rSig >> 32n) & 0xfffff);
  sLo = Number(rSig & 0xffffffffn) | 0;
  return true;
}

/** ST(0) → integer of `bits` bits in sHi:sLo (integer indefinite on IE). */
function toInt(f: Fpu, se: number, hi: number, lo: number, bits: number): void {
  R.exc = 0; R.up = false;
  const k = classify(se, hi, lo);
  let v = 0n;
  if (k === K_ZERO) v = 0n;
  else if (k >= K_INF) { R.exc = FE_IE; v = -(1n << BigInt(bits - 1)); }
  else {
    const sign = se >>> 15;
    const mag = roundToInt(sign, expOf(se), toBig(hi, lo), (f.cw >> 10) & 3);
    v = sign ? -mag : mag;
    const lim = 1n << BigInt(bits - 1);
    if (v >= lim || v < -lim) { R.exc = FE_IE; R.up = false; v = -lim; }
  }
  sLo = Number(BigInt.asIntN(32, v));
  sHi = Number(BigInt.asIntN(32, v >> 32n));
}

/** Common tail of a store from ST(0): underflowed stack, conversion, memory write, flags, pop. */
function storeSt0(cpu: Cpu, d: number, kind: number, pop: boolean): void {
  fpuWait(cpu);
  const f = cpu.fpu;
  const seg = memSeg(cpu, d), off = memOff(cpu, d);
  let ok: boolean;
  let exc: number;
  if (f.isEmpty(0)) {
    // Masked stack underflow stores the indefinite of the destination format.
    ok = (f.cw & 1) !== 0;
    exc = FE_IE | 0x40;
    R.up = false;
    sLo = kind === 0 ? 0xffc00000 | 0 : 0; sHi = kind === 1 ? 0xfff80000 | 0 : 0;
    if (kind === 3) { sLo = 0x8000; } else if (kind === 4) { sLo = 0x80000000 | 0; } else if (kind === 5) { sHi = 0x80000000 | 0; }
  } else {
    const r = f.phys(0);
    const se = f.signExp[r], hi = f.mantHi[r], lo = f.mantLo[r];
    if (kind === 0) ok = toF32(f, se, hi, lo);
    else if (kind === 1) ok = toF64(f, se, hi, lo);
    else { toInt(f, se, hi, lo, kind === 3 ? 16 : kind === 4 ? 32 : 64); ok = true; }
    exc = R.exc;
    // Unmasked IE: nothing is stored.
    if (exc & ~f.cw & FE_IE) ok = false;
  }
  if (ok) {
    switch (kind) {
      case 0: case 4: write32(cpu, seg, off, sLo); break;
      case 1: case 5: writeM64(cpu, d, sLo, sHi); break;
      case 3: write16(cpu, seg, off, sLo); break;
    }
  }
  notePointersMem(cpu, d);
  signal(f, exc, R.up);
  if (pop && ok) f.pop();
}

defineOp("op_d9_2_mem", (cpu, d) => storeSt0(cpu, d, 0, false));
defineOp("op_d9_3_mem", (cpu, d) => storeSt0(cpu, d, 0, true));
defineOp("op_dd_2_mem", (cpu, d) => storeSt0(cpu, d, 1, false));
defineOp("op_dd_3_mem", (cpu, d) => storeSt0(cpu, d, 1, true));
defineOp("op_df_2_mem", (cpu, d) => storeSt0(cpu, d, 3, false));
defineOp("op_df_3_mem", (cpu, d) => storeSt0(cpu, d, 3, true));
defineOp("op_db_2_mem", (cpu, d) => storeSt0(cpu, d, 4, false));
defineOp("op_db_3_mem", (cpu, d) => storeSt0(cpu, d, 4, true));
defineOp("op_df_7_mem", (cpu, d) => storeSt0(cpu, d, 5, true));

// DB /7: FSTP m80 — the register image as it is; empty → indefinite (masked underflow).
defineOp("op_db_7_mem", (cpu, d) => {
  fpuWait(cpu);
  const f = cpu.fpu;
  if (f.isEmpty(0)) {
    if ((f.cw & 1) === 0) { notePointersMem(cpu, d); stackUnderflow(f); return; }
    writeM80(cpu, d, 0, 0xc0000000 | 0, 0xffff);
    notePointersMem(cpu, d);
    stackUnderflow(f);
    f.pop();
    return;
  }
  const r = f.phys(0);
  writeM80(cpu, d, f.mantLo[r], f.mantHi[r], f.signExp[r]);
  notePointersMem(cpu, d);
  f.sw &= ~0x200;
  f.pop();
});

// DF /6: FBSTP m80bcd — round by RC; |value| >= 10^18, NaN, infinity → IE, BCD indefinite
// (FFFF C000 0000 0000 0000).
defineOp("op_df_6_mem", (cpu, d) => {
  fpuWait(cpu);
  const f = cpu.fpu;
  let exc = 0;
  let v = 0n, neg = false, indef = false;
  R.up = false;
  if (f.isEmpty(0)) { exc = FE_IE | 0x40; indef = true; }
  else {
    const r = f.phys(0);
    const se = f.signExp[r], hi = f.mantHi[r], lo = f.mantLo[r];
    const k = classify(se, hi, lo);
    neg = (se & 0x8000) !== 0;
    R.exc = 0;
    if (k >= K_INF) { exc = FE_IE; indef = true; }
    else if (k !== K_ZERO) {
      v = roundToInt(se >>> 15, expOf(se), toBig(hi, lo), (f.cw >> 10) & 3);
      exc = R.exc;
      if (v >= 1000000000000000000n) { exc = FE_IE; indef = true; R.up = false; }
    }
  }
  const store = !(indef && (f.cw & 1) === 0);
  if (store) {
    let lo32 = 0, hi32 = 0, top = 0;
    if (indef) { hi32 = 0xc0000000 | 0; top = 0xffff; }
    else {
      const s = v.toString().padStart(18, "0");
      const nib = (i: number) => s.charCodeAt(17 - i) - 48; // digit i (0 = least significant)
      for (let b = 0; b < 4; b++) lo32 |= (nib(2 * b) | (nib(2 * b + 1) << 4)) << (8 * b);
      for (let b = 0; b < 4; b++) hi32 |= (nib(8 + 2 * b) | (nib(9 + 2 * b) << 4)) << (8 * b);
      top = nib(16) | (nib(17) << 4) | (neg ? 0x8000 : 0);
    }
    writeM80(cpu, d, lo32, hi32, top);
  }
  notePointersMem(cpu, d);
  signal(f, exc, R.up);
  if (store) f.pop();
});

// DD D0+i FST ST(i), DD D8+i FSTP ST(i), and the aliases D9 D8+i (FSTP1), DF D0+i / D8+i (FSTP8/9).
function fstReg(cpu: Cpu, d: number, pop: boolean): void {
  fpuWait(cpu);
  notePointers(cpu, d);
  const f = cpu.fpu;
  const i = cpu.dec[d + Rec.MODRM] & 7;
  if (f.isEmpty(0)) {
    if (stackUnderflow(f)) { f.set(i, 0xffff, 0xc0000000 | 0, 0); if (pop) f.pop(); }
    return;
  }
  const r = f.phys(0);
  f.set(i, f.signExp[r], f.mantHi[r], f.mantLo[r]);
  f.sw &= ~0x200;
  if (pop) f.pop();
}
defineOp("op_dd_2_reg", (cpu, d) => fstReg(cpu, d, false));
defineOp("op_dd_3_reg", (cpu, d) => fstReg(cpu, d, true));
defineOp("op_d9_3_reg", (cpu, d) => fstReg(cpu, d, true));
defineOp("op_df_2_reg", (cpu, d) => fstReg(cpu, d, true));
defineOp("op_df_3_reg", (cpu, d) => fstReg(cpu, d, true));

export { toF32, toF64 };
