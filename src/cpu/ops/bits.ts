// Bit test and scan (SDM Vol.2 BT, BTS, BTR, BTC, BSF, BSR): 0F A3 AB B3 BB (bit offset in a
// register), 0F BA /4-/7 (bit offset Ib), 0F BC/BD. The locked read-modify-write instructions
// (CMPXCHG, XADD, CMPXCHG8B) live in atomic.ts.
//
// Bit base (SDM Vol.1 3.4.1 "Bit field"; Vol.2 BT): with a register bit offset and a memory
// operand, the offset is a signed 16/32-bit value that may address outside the operand; the
// processor accesses the word/dword at EA + (operand size in bytes) * (offset SAR log2(bits))
// and tests bit (offset AND bits-1) of it. An Ib offset is only masked to the operand size.
//
// Flags the SDM leaves undefined, and what we do:
//   BT*: only CF changes (OF SF AF PF keep their values; ZF is defined as unaffected).
//   BSF/BSR: ZF = (source = 0) and, for a zero source, the destination keeps its value (what
//     Intel and AMD silicon do); CF = OF = AF = 0, SF and PF from the source.

import "./atomic.js";
import type { Cpu } from "../cpu.js";
import { Eflags } from "../constants.js";
import { eaOffset, eaSeg, Pfx, Rec } from "../decoder.js";
import { PARITY, setArith } from "../flags.js";
import { probeWrite, read16, read32, write16, write32 } from "../mmu.js";
import { readRm16, readRm32, readRmw16, readRmw32, regField, setReg16, writeRmw16, writeRmw32 } from "./operands.js";
import { defineOp } from "./registry.js";

const BT = 0, BTS = 1, BTR = 2, BTC = 3;

/** CF ← cf; every other flag (lazy or not) keeps its value. */
function setCF(cpu: Cpu, cf: number): void {
  cpu.lzMask &= ~Eflags.CF;
  cpu.flags = (cpu.flags & ~Eflags.CF) | cf;
}

/** The modified word/dword for op (BT returns v unchanged). */
function bitOp(op: number, v: number, bit: number): number {
  switch (op) {
    case BTS: return v | (1 << bit);
    case BTR: return v & ~(1 << bit);
    case BTC: return v ^ (1 << bit);
    default: return v;
  }
}

/** Offset of the word/dword holding the addressed bit: EA + bytes * (offset SAR shift). */
function bitBaseOffset(cpu: Cpu, d: number, offset: number, shift: number, bytes: number): number {
  const off = (eaOffset(cpu, d) + (offset >> shift) * bytes) | 0;
  return cpu.dec[d + Rec.LEN] & Pfx.AD32 ? off : off & 0xffff;
}

// 0F A3 bt Ev,Gv   0F AB bts   0F B3 btr   0F BB btc
function defineBtReg(name: string, op: number): void {
  defineOp(name, (cpu, d) => {
    const m = cpu.dec[d + Rec.MODRM];
    const offset = (cpu.regs[regField(cpu, d)] << 16) >> 16;
    const bit = offset & 15;
    if (m >= 0xc0) {
      const v = cpu.regs[m & 7] & 0xffff;
      if (op !== BT) setReg16(cpu, m & 7, bitOp(op, v, bit));
      setCF(cpu, (v >>> bit) & 1);
      return;
    }
    const seg = eaSeg(cpu, d), off = bitBaseOffset(cpu, d, offset, 4, 2);
    if (op !== BT) probeWrite(cpu, seg, off, 2);
    const v = read16(cpu, seg, off);
    if (op !== BT) write16(cpu, seg, off, bitOp(op, v, bit));
    setCF(cpu, (v >>> bit) & 1);
  }, (cpu, d) => {
    const m = cpu.dec[d + Rec.MODRM];
    const offset = cpu.regs[regField(cpu, d)];
    const bit = offset & 31;
    if (m >= 0xc0) {
      const v = cpu.regs[m & 7];
      if (op !== BT) cpu.regs[m & 7] = bitOp(op, v, bit);
      setCF(cpu, (v >>> bit) & 1);
      return;
    }
    const seg = eaSeg(cpu, d), off = bitBaseOffset(cpu, d, offset, 5, 4);
    if (op !== BT) probeWrite(cpu, seg, off, 4);
    const v = read32(cpu, seg, off);
    if (op !== BT) write32(cpu, seg, off, bitOp(op, v, bit));
    setCF(cpu, (v >>> bit) & 1);
  });
}
defineBtReg("op_0f_a3", BT);
defineBtReg("op_0f_ab", BTS);
defineBtReg("op_0f_b3", BTR);
defineBtReg("op_0f_bb", BTC);

// 0F BA /4 bt Ev,Ib   /5 bts   /6 btr   /7 btc
for (let op = BT; op <= BTC; op++) {
  if (op === BT) {
    defineOp("op_0f_ba_4", (cpu, d) => {
      setCF(cpu, (readRm16(cpu, d) >>> (cpu.dec[d + Rec.IMM] & 15)) & 1);
    }, (cpu, d) => {
      setCF(cpu, (readRm32(cpu, d) >>> (cpu.dec[d + Rec.IMM] & 31)) & 1);
    });
    continue;
  }
  defineOp(`op_0f_ba_${4 + op}`, (cpu, d) => {
    const bit = cpu.dec[d + Rec.IMM] & 15;
    const v = readRmw16(cpu, d);
    writeRmw16(cpu, d, bitOp(op, v, bit));
    setCF(cpu, (v >>> bit) & 1);
  }, (cpu, d) => {
    const bit = cpu.dec[d + Rec.IMM] & 31;
    const v = readRmw32(cpu, d);
    writeRmw32(cpu, d, bitOp(op, v, bit));
    setCF(cpu, (v >>> bit) & 1);
  });
}

// 0F BC bsf Gv,Ev   0F BD bsr Gv,Ev
function setScanFlags(cpu: Cpu, src: number, n: number): void {
  setArith(cpu, (src === 0 ? Eflags.ZF : 0) | PARITY[src & 0xff] | ((src >>> n) & 1 ? Eflags.SF : 0));
}
defineOp("op_0f_bc", (cpu, d) => {
  const src = readRm16(cpu, d);
  if (src !== 0) setReg16(cpu, regField(cpu, d), 31 - Math.clz32(src & -src));
  setScanFlags(cpu, src, 15);
}, (cpu, d) => {
  const src = readRm32(cpu, d);
  if (src !== 0) cpu.regs[regField(cpu, d)] = 31 - Math.clz32(src & -src);
  setScanFlags(cpu, src, 31);
});
defineOp("op_0f_bd", (cpu, d) => {
  const src = readRm16(cpu, d);
  if (src !== 0) setReg16(cpu, regField(cpu, d), 31 - Math.clz32(src));
  setScanFlags(cpu, src, 15);
}, (cpu, d) => {
  const src = readRm32(cpu, d);
  if (src !== 0) cpu.regs[regField(cpu, d)] = 31 - Math.clz32(src);
  setScanFlags(cpu, src, 31);
});
