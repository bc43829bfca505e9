// The read-modify-write exchange instructions usually used with LOCK (SDM Vol.2 CMPXCHG, XADD,
// CMPXCHG8B): 0F B0/B1, 0F C0/C1, 0F C7 /1. One guest CPU, so LOCK needs no extra work.
//
// CMPXCHG and CMPXCHG8B always write the destination (with its old value when the comparison
// fails), so a read-only destination faults either way, as the SDM states. Writability is
// checked before anything changes.

import type { Cpu } from "../cpu.js";
import { Eflags, Exc, Reg } from "../constants.js";
import { CPUID_CX8 } from "../cpuid.js";
import { raise } from "../fault.js";
import { eaOffset, eaSeg } from "../decoder.js";
import { setLazy, Lz } from "../flags.js";
import { probeWrite, read32, write32 } from "../mmu.js";
import { getReg8, readRmw16, readRmw32, readRmw8, regField, setReg16, setReg8, writeRmw16, writeRmw32, writeRmw8 } from "./operands.js";
import { defineOp } from "./registry.js";

// 0F B0 cmpxchg Eb,Gb   0F B1 cmpxchg Ev,Gv: flags of CMP accumulator, dest.
defineOp("op_0f_b0", (cpu, d) => {
  const dst = readRmw8(cpu, d);
  const acc = cpu.regs[Reg.EAX] & 0xff;
  const r = (acc - dst) & 0xff;
  setLazy(cpu, Lz.SUB, 7, acc, dst, r);
  if (r === 0) {
    writeRmw8(cpu, d, getReg8(cpu, regField(cpu, d)));
  } else {
    writeRmw8(cpu, d, dst);
    setReg8(cpu, Reg.EAX, dst);
  }
});
defineOp("op_0f_b1", (cpu, d) => {
  const dst = readRmw16(cpu, d);
  const acc = cpu.regs[Reg.EAX] & 0xffff;
  const r = (acc - dst) & 0xffff;
  setLazy(cpu, Lz.SUB, 15, acc, dst, r);
  if (r === 0) {
    writeRmw16(cpu, d, cpu.regs[regField(cpu, d)]);
  } else {
    writeRmw16(cpu, d, dst);
    setReg16(cpu, Reg.EAX, dst);
  }
}, (cpu, d) => {
  const dst = readRmw32(cpu, d);
  const acc = cpu.regs[Reg.EAX];
  const r = (acc - dst) | 0;
  setLazy(cpu, Lz.SUB, 31, acc, dst, r);
  if (r === 0) {
    writeRmw32(cpu, d, cpu.regs[regField(cpu, d)]);
  } else {
    writeRmw32(cpu, d, dst);
    cpu.regs[Reg.EAX] = dst;
  }
});

// 0F C0 xadd Eb,Gb   0F C1 xadd Ev,Gv: TEMP ← SRC + DEST; SRC ← DEST; DEST ← TEMP (so with
// the same register as both operands the sum wins). Flags of the ADD.
defineOp("op_0f_c0", (cpu, d) => {
  const g = regField(cpu, d);
  const dst = readRmw8(cpu, d);
  const src = getReg8(cpu, g);
  const sum = (dst + src) & 0xff;
  setLazy(cpu, Lz.ADD, 7, dst, src, sum);
  setReg8(cpu, g, dst);
  writeRmw8(cpu, d, sum);
});
defineOp("op_0f_c1", (cpu, d) => {
  const g = regField(cpu, d);
  const dst = readRmw16(cpu, d);
  const src = cpu.regs[g] & 0xffff;
  const sum = (dst + src) & 0xffff;
  setLazy(cpu, Lz.ADD, 15, dst, src, sum);
  setReg16(cpu, g, dst);
  writeRmw16(cpu, d, sum);
}, (cpu, d) => {
  const g = regField(cpu, d);
  const dst = readRmw32(cpu, d);
  const src = cpu.regs[g];
  const sum = (dst + src) | 0;
  setLazy(cpu, Lz.ADD, 31, dst, src, sum);
  cpu.regs[g] = dst;
  writeRmw32(cpu, d, sum);
});

// 0F C7 /1 cmpxchg8b Mq: IF EDX:EAX = m64 THEN ZF ← 1, m64 ← ECX:EBX
// ELSE ZF ← 0, EDX:EAX ← m64, m64 ← m64. Only ZF changes.
defineOp("op_0f_c7_1_mem", (cpu, d) => {
  if ((cpu.cpuidEdx1 & CPUID_CX8) === 0) raise(Exc.UD); // no CX8: an undefined opcode
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  const off4 = (off + 4) | 0;
  probeWrite(cpu, seg, off, 8);
  const lo = read32(cpu, seg, off), hi = read32(cpu, seg, off4);
  const regs = cpu.regs;
  const equal = lo === regs[Reg.EAX] && hi === regs[Reg.EDX];
  if (equal) {
    write32(cpu, seg, off, regs[Reg.EBX]);
    write32(cpu, seg, off4, regs[Reg.ECX]);
  } else {
    write32(cpu, seg, off, lo);
    write32(cpu, seg, off4, hi);
    regs[Reg.EAX] = lo;
    regs[Reg.EDX] = hi;
  }
  cpu.lzMask &= ~Eflags.ZF;
  cpu.flags = (cpu.flags & ~Eflags.ZF) | (equal ? Eflags.ZF : 0);
});
