// Shifts and rotates (SDM Vol.2 RCL/RCR/ROL/ROR, SAL/SAR/SHL/SHR, SHLD, SHRD): Group 2
// (C0 C1 D0 D1 D2 D3 /0-/7) and the double shifts 0F A4 A5 AC AD. Flags are set eagerly.
//
// The count is masked to 5 bits. A masked count of 0 changes neither the operand nor any flag
// (a memory operand is still checked for writability, as the read is a read-for-write).
//
// Flags the SDM leaves undefined, and what we do (Intel behaviour where it is known):
//   OF: defined for a count of 1 only; we apply the count-1 formula to the final result for any
//       nonzero masked count: ROL/RCL/SHL/SHLD  OF = MSB(result) XOR CF;
//       ROR/RCR/SHR/SHRD  OF = XOR of the two most significant result bits (SHR count 1 gives
//       the original MSB, count ≥ 2 gives 0); SAR  OF = 0.
//   RCL/RCR on 8/16-bit operands rotate by (count mod 9/17); when that is 0 the operand and CF
//       stay, but OF is still recomputed from the formula above (the masked count is nonzero).
//   AF: 0 after any shift with a nonzero count (rotates leave AF, SF, ZF, PF alone).
//   CF for SHL/SHR by a count ≥ the operand width: 0 (the bits shift through a wider datapath).
//   SHLD/SHRD of 16-bit operands with count > 16 (SDM: undefined): P6-family silicon shifts the
//       48-bit concatenation dest:src:dest, so bits of dest re-enter after the source's 16 bits.

import type { Cpu } from "../cpu.js";
import { Eflags, Reg } from "../constants.js";
import { Rec } from "../decoder.js";
import { getCF, PARITY, setArith } from "../flags.js";
import { readRmw16, readRmw32, readRmw8, regField, writeRmw16, writeRmw32, writeRmw8 } from "./operands.js";
import { defineOp, type Handler } from "./registry.js";

export const SH_ROL = 0, SH_ROR = 1, SH_RCL = 2, SH_RCR = 3, SH_SHL = 4, SH_SHR = 5, SH_SAL = 6, SH_SAR = 7;

/** Rotate-only flag update: CF and OF change, SF ZF AF PF keep their values. */
function setCfOf(cpu: Cpu, cf: number, of: number): void {
  // Other lazy flags stay lazy; CF and OF become eager.
  cpu.lzMask &= ~(Eflags.CF | Eflags.OF);
  cpu.flags = (cpu.flags & ~(Eflags.CF | Eflags.OF)) | cf | (of << 11);
}

/** Shift flag update: CF, OF as given; SF ZF PF from `res` (sign bit `n`); AF = 0. */
function setShiftFlags(cpu: Cpu, n: number, res: number, cf: number, of: number): void {
  setArith(cpu, cf | PARITY[res & 0xff] | (res === 0 ? Eflags.ZF : 0) | (((res >>> n) & 1) << 7) | (of << 11));
}

/**
 * Group 2 operation `op` on `v` (zero-extended, or any int32 for 32-bit) of width `bits`,
 * with masked count `c` (1..31). Sets flags and returns the result truncated to the width.
 */
export function shift(cpu: Cpu, op: number, bits: number, v: number, c: number): number {
  const n = bits - 1;
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  v &= mask;
  let res: number, cf: number;
  switch (op) {
    case SH_ROL: {
      const r = c & n;
      res = ((v << r) | (v >>> (bits - r))) & mask;
      cf = res & 1;
      setCfOf(cpu, cf, ((res >>> n) & 1) ^ cf);
      return res;
    }
    case SH_ROR: {
      const r = c & n;
      res = ((v >>> r) | (v << (bits - r))) & mask;
      cf = (res >>> n) & 1;
      setCfOf(cpu, cf, cf ^ ((res >>> (n - 1)) & 1));
      return res;
    }
    case SH_RCL: {
      const cin = getCF(cpu);
      if (bits === 32) {
        res = (v << c) | (cin << (c - 1)) | (c > 1 ? v >>> (33 - c) : 0);
        cf = (v >>> (32 - c)) & 1;
      } else {
        const r = c % (bits + 1);
        const wmask = (mask << 1) | 1;
        const x = (cin << bits) | v;
        const y = ((x << r) | (x >>> (bits + 1 - r))) & wmask;
        res = y & mask;
        cf = y >>> bits;
      }
      setCfOf(cpu, cf, ((res >>> n) & 1) ^ cf);
      return res;
    }
    case SH_RCR: {
      const cin = getCF(cpu);
      if (bits === 32) {
        res = (v >>> c) | (cin << (32 - c)) | (c > 1 ? v << (33 - c) : 0);
        cf = (v >>> (c - 1)) & 1;
      } else {
        const r = c % (bits + 1);
        const wmask = (mask << 1) | 1;
        const x = (cin << bits) | v;
        const y = ((x >>> r) | (x << (bits + 1 - r))) & wmask;
        res = y & mask;
        cf = y >>> bits;
      }
      setCfOf(cpu, cf, ((res >>> n) ^ (res >>> (n - 1))) & 1);
      return res;
    }
    case SH_SHL: case SH_SAL:
      res = (v << c) & mask;
      cf = c <= bits ? (v >>> (bits - c)) & 1 : 0;
      setShiftFlags(cpu, n, res, cf, ((res >>> n) & 1) ^ cf);
      return res;
    case SH_SHR:
      res = v >>> c;
      cf = (v >>> (c - 1)) & 1;
      setShiftFlags(cpu, n, res, cf, c === 1 ? (v >>> n) & 1 : 0);
      return res | 0;
    default: { // SH_SAR
      const sv = (v << (32 - bits)) >> (32 - bits);
      res = (sv >> c) & mask;
      cf = (sv >> (c - 1)) & 1;
      setShiftFlags(cpu, n, res, cf, 0);
      return res;
    }
  }
}

// ---- Group 2 handlers: count from Ib (C0 C1), 1 (D0 D1) or CL (D2 D3) ----
const CNT_IB = 0, CNT_ONE = 1, CNT_CL = 2;

function count(cpu: Cpu, d: number, src: number): number {
  return (src === CNT_IB ? cpu.dec[d + Rec.IMM] : src === CNT_ONE ? 1 : cpu.regs[Reg.ECX]) & 0x1f;
}

function defineGroup2(opByte: number, byteForm: boolean, src: number): void {
  for (let op = 0; op < 8; op++) {
    const name = `op_${opByte.toString(16)}_${op}`;
    if (byteForm) {
      defineOp(name, (cpu, d) => {
        const c = count(cpu, d, src);
        const v = readRmw8(cpu, d);
        if (c !== 0) writeRmw8(cpu, d, shift(cpu, op, 8, v, c));
      });
    } else {
      const f16: Handler = (cpu, d) => {
        const c = count(cpu, d, src);
        const v = readRmw16(cpu, d);
        if (c !== 0) writeRmw16(cpu, d, shift(cpu, op, 16, v, c));
      };
      const f32: Handler = (cpu, d) => {
        const c = count(cpu, d, src);
        const v = readRmw32(cpu, d);
        if (c !== 0) writeRmw32(cpu, d, shift(cpu, op, 32, v, c));
      };
      defineOp(name, f16, f32);
    }
  }
}
defineGroup2(0xc0, true, CNT_IB);
defineGroup2(0xc1, false, CNT_IB);
defineGroup2(0xd0, true, CNT_ONE);
defineGroup2(0xd1, false, CNT_ONE);
defineGroup2(0xd2, true, CNT_CL);
defineGroup2(0xd3, false, CNT_CL);

// ---- SHLD / SHRD (0F A4 Ib, 0F A5 CL, 0F AC Ib, 0F AD CL) ----

/** SHLD dest,src by masked count c (1..31) at 16 or 32 bits; sets flags, returns the result. */
export function shld(cpu: Cpu, bits: number, dst: number, src: number, c: number): number {
  let res: number, cf: number;
  if (bits === 32) {
    res = (dst << c) | (src >>> (32 - c));
    cf = (dst >>> (32 - c)) & 1;
  } else {
    dst &= 0xffff; src &= 0xffff;
    if (c <= 16) {
      const t = (dst << 16) | src;
      res = ((t << c) >>> 16) & 0xffff;
      cf = (t >>> (32 - c)) & 1;
    } else {
      // Low 32 bits of the 48-bit dest:src:dest, shifted by the remaining c - 16.
      const u = (src << 16) | dst;
      res = ((u << (c - 16)) >>> 16) & 0xffff;
      cf = (u >>> (48 - c)) & 1;
    }
  }
  const n = bits - 1;
  setShiftFlags(cpu, n, res, cf, ((res >>> n) & 1) ^ cf);
  return res;
}

/** SHRD dest,src by masked count c (1..31) at 16 or 32 bits; sets flags, returns the result. */
export function shrd(cpu: Cpu, bits: number, dst: number, src: number, c: number): number {
  let res: number, cf: number;
  if (bits === 32) {
    res = (dst >>> c) | (src << (32 - c));
    cf = (dst >>> (c - 1)) & 1;
  } else {
    dst &= 0xffff; src &= 0xffff;
    if (c <= 16) {
      const u = (src << 16) | dst;
      res = (u >>> c) & 0xffff;
      cf = (u >>> (c - 1)) & 1;
    } else {
      // High 32 bits of the 48-bit dest:src:dest, shifted by the remaining c - 16.
      const w = (dst << 16) | src;
      res = (w >>> (c - 16)) & 0xffff;
      cf = (w >>> (c - 17)) & 1;
    }
  }
  const n = bits - 1;
  setShiftFlags(cpu, n, res, cf, ((res >>> n) ^ (res >>> (n - 1))) & 1);
  return res;
}

function defineDouble(opName: string, left: boolean, src: number): void {
  defineOp(opName, (cpu, d) => {
    const c = count(cpu, d, src);
    const v = readRmw16(cpu, d);
    if (c === 0) return;
    const s = cpu.regs[regField(cpu, d)];
    writeRmw16(cpu, d, left ? shld(cpu, 16, v, s, c) : shrd(cpu, 16, v, s, c));
  }, (cpu, d) => {
    const c = count(cpu, d, src);
    const v = readRmw32(cpu, d);
    if (c === 0) return;
    const s = cpu.regs[regField(cpu, d)];
    writeRmw32(cpu, d, left ? shld(cpu, 32, v, s, c) : shrd(cpu, 32, v, s, c));
  });
}
defineDouble("op_0f_a4", true, CNT_IB);
defineDouble("op_0f_a5", true, CNT_CL);
defineDouble("op_0f_ac", false, CNT_IB);
defineDouble("op_0f_ad", false, CNT_CL);
