// The eight classic ALU operations (ADD OR ADC SBB AND SUB XOR CMP) in all their forms,
// plus TEST, INC and DEC. Flags are lazy (flags.ts).

import type { Cpu } from "../cpu.js";
import { Reg } from "../constants.js";
import { Rec } from "../decoder.js";
import { getCF, setLazy, setLazyKeepCF, Lz } from "../flags.js";
import { getReg8, readRm16, readRm32, readRm8, readRmw16, readRmw32, readRmw8, regField, setReg16, setReg8, writeRmw16, writeRmw32, writeRmw8 } from "./operands.js";
import { defineOp, defineRegForm } from "./registry.js";

export const ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7;

/**
 * a OP b at operand size with sign bit `sz` (7, 15, 31) and value mask `mask`; sets the lazy flags
 * and returns the truncated result (CMP returns it too; callers do not store it).
 */
export function alu(cpu: Cpu, op: number, sz: number, mask: number, a: number, b: number): number {
  a &= mask; b &= mask;
  let r: number;
  switch (op) {
    case ALU_ADD: r = (a + b) & mask; setLazy(cpu, Lz.ADD, sz, a, b, r); return r;
    case ALU_OR: r = (a | b) & mask; setLazy(cpu, Lz.LOGIC, sz, a, b, r); return r;
    case ALU_ADC: {
      const c = getCF(cpu);
      r = (a + b + c) & mask; setLazy(cpu, c ? Lz.ADC : Lz.ADD, sz, a, b, r); return r;
    }
    case ALU_SBB: {
      const c = getCF(cpu);
      r = (a - b - c) & mask; setLazy(cpu, c ? Lz.SBB : Lz.SUB, sz, a, b, r); return r;
    }
    case ALU_AND: r = a & b & mask; setLazy(cpu, Lz.LOGIC, sz, a, b, r); return r;
    case ALU_XOR: r = (a ^ b) & mask; setLazy(cpu, Lz.LOGIC, sz, a, b, r); return r;
    default: r = (a - b) & mask; setLazy(cpu, Lz.SUB, sz, a, b, r); return r; // SUB, CMP
  }
}

type AluFn = (cpu: Cpu, sz: number, mask: number, a: number, b: number) => number;

// One function per operation: each handler closure captures its own, so the call site is
// monomorphic and V8 inlines it (a shared alu() switch on `op` is not folded per handler).
const aluAdd: AluFn = (cpu, sz, mask, a, b) => { a &= mask; b &= mask; const r = (a + b) & mask; setLazy(cpu, Lz.ADD, sz, a, b, r); return r; };
const aluOr: AluFn = (cpu, sz, mask, a, b) => { a &= mask; b &= mask; const r = a | b; setLazy(cpu, Lz.LOGIC, sz, a, b, r); return r; };
const aluAdc: AluFn = (cpu, sz, mask, a, b) => alu(cpu, ALU_ADC, sz, mask, a, b);
const aluSbb: AluFn = (cpu, sz, mask, a, b) => alu(cpu, ALU_SBB, sz, mask, a, b);
const aluAnd: AluFn = (cpu, sz, mask, a, b) => { a &= mask; b &= mask; const r = a & b; setLazy(cpu, Lz.LOGIC, sz, a, b, r); return r; };
const aluSub: AluFn = (cpu, sz, mask, a, b) => { a &= mask; b &= mask; const r = (a - b) & mask; setLazy(cpu, Lz.SUB, sz, a, b, r); return r; };
const aluXor: AluFn = (cpu, sz, mask, a, b) => { a &= mask; b &= mask; const r = a ^ b; setLazy(cpu, Lz.LOGIC, sz, a, b, r); return r; };
const ALU_FNS: AluFn[] = [aluAdd, aluOr, aluAdc, aluSbb, aluAnd, aluSub, aluXor, aluSub];

function defineAluBlock(op: number): void {
  const f = ALU_FNS[op];
  const base = op << 3;
  const h = (n: number) => `op_${(base + n).toString(16).padStart(2, "0")}`;
  const store = op !== ALU_CMP;
  // CMP only reads its destination: no write probe, so a read-only page does not fault.
  const rd8 = store ? readRmw8 : readRm8, rd16 = store ? readRmw16 : readRm16, rd32 = store ? readRmw32 : readRm32;
  // op Eb,Gb
  defineOp(h(0), (cpu, d) => {
    const a = rd8(cpu, d);
    const r = f(cpu, 7, 0xff, a, getReg8(cpu, regField(cpu, d)));
    if (store) writeRmw8(cpu, d, r);
  });
  // op Ev,Gv
  defineOp(h(1), (cpu, d) => {
    const a = rd16(cpu, d);
    const r = f(cpu, 15, 0xffff, a, cpu.regs[regField(cpu, d)]);
    if (store) writeRmw16(cpu, d, r);
  }, (cpu, d) => {
    const a = rd32(cpu, d);
    const r = f(cpu, 31, -1, a, cpu.regs[regField(cpu, d)]);
    if (store) writeRmw32(cpu, d, r);
  });
  // op Gb,Eb
  defineOp(h(2), (cpu, d) => {
    const g = regField(cpu, d);
    const r = f(cpu, 7, 0xff, getReg8(cpu, g), readRm8(cpu, d));
    if (store) setReg8(cpu, g, r);
  });
  // op Gv,Ev
  defineOp(h(3), (cpu, d) => {
    const g = regField(cpu, d);
    const r = f(cpu, 15, 0xffff, cpu.regs[g], readRm16(cpu, d));
    if (store) setReg16(cpu, g, r);
  }, (cpu, d) => {
    const g = regField(cpu, d);
    const r = f(cpu, 31, -1, cpu.regs[g], readRm32(cpu, d));
    if (store) cpu.regs[g] = r;
  });
  // op AL,Ib
  defineOp(h(4), (cpu, d) => {
    const r = f(cpu, 7, 0xff, cpu.regs[Reg.EAX], cpu.dec[d + Rec.IMM]);
    if (store) setReg8(cpu, Reg.EAX, r);
  });
  // op eAX,Iz
  defineOp(h(5), (cpu, d) => {
    const r = f(cpu, 15, 0xffff, cpu.regs[Reg.EAX], cpu.dec[d + Rec.IMM]);
    if (store) setReg16(cpu, Reg.EAX, r);
  }, (cpu, d) => {
    const r = f(cpu, 31, -1, cpu.regs[Reg.EAX], cpu.dec[d + Rec.IMM]);
    if (store) cpu.regs[Reg.EAX] = r;
  });
  // Group 1: 80 /op Eb,Ib   81 /op Ev,Iz   82 /op Eb,Ib   83 /op Ev,Ibs
  const eb = (cpu: Cpu, d: number) => {
    const a = rd8(cpu, d);
    const r = f(cpu, 7, 0xff, a, cpu.dec[d + Rec.IMM]);
    if (store) writeRmw8(cpu, d, r);
  };
  const ev16 = (cpu: Cpu, d: number) => {
    const a = rd16(cpu, d);
    const r = f(cpu, 15, 0xffff, a, cpu.dec[d + Rec.IMM]);
    if (store) writeRmw16(cpu, d, r);
  };
  const ev32 = (cpu: Cpu, d: number) => {
    const a = rd32(cpu, d);
    const r = f(cpu, 31, -1, a, cpu.dec[d + Rec.IMM]);
    if (store) writeRmw32(cpu, d, r);
  };
  // Register forms (mod = 3): operands straight from the register file.
  defineRegForm(h(1), (cpu, d) => {
    const m = cpu.dec[d + Rec.MODRM], rm = m & 7;
    const r = f(cpu, 15, 0xffff, cpu.regs[rm], cpu.regs[(m >> 3) & 7]);
    if (store) cpu.regs[rm] = (cpu.regs[rm] & ~0xffff) | r;
  }, (cpu, d) => {
    const m = cpu.dec[d + Rec.MODRM], rm = m & 7;
    const r = f(cpu, 31, -1, cpu.regs[rm], cpu.regs[(m >> 3) & 7]);
    if (store) cpu.regs[rm] = r;
  });
  defineRegForm(h(3), (cpu, d) => {
    const m = cpu.dec[d + Rec.MODRM], g = (m >> 3) & 7;
    const r = f(cpu, 15, 0xffff, cpu.regs[g], cpu.regs[m & 7]);
    if (store) cpu.regs[g] = (cpu.regs[g] & ~0xffff) | r;
  }, (cpu, d) => {
    const m = cpu.dec[d + Rec.MODRM], g = (m >> 3) & 7;
    const r = f(cpu, 31, -1, cpu.regs[g], cpu.regs[m & 7]);
    if (store) cpu.regs[g] = r;
  });
  const evReg16 = (cpu: Cpu, d: number) => {
    const rm = cpu.dec[d + Rec.MODRM] & 7;
    const r = f(cpu, 15, 0xffff, cpu.regs[rm], cpu.dec[d + Rec.IMM]);
    if (store) cpu.regs[rm] = (cpu.regs[rm] & ~0xffff) | r;
  };
  const evReg32 = (cpu: Cpu, d: number) => {
    const rm = cpu.dec[d + Rec.MODRM] & 7;
    const r = f(cpu, 31, -1, cpu.regs[rm], cpu.dec[d + Rec.IMM]);
    if (store) cpu.regs[rm] = r;
  };
  defineOp(`op_80_${op}`, eb);
  defineOp(`op_82_${op}`, eb);
  defineOp(`op_81_${op}`, ev16, ev32);
  defineOp(`op_83_${op}`, ev16, ev32);
  defineRegForm(`op_81_${op}`, evReg16, evReg32);
  defineRegForm(`op_83_${op}`, evReg16, evReg32);
}
for (let op = 0; op < 8; op++) defineAluBlock(op);

// TEST: 84 Eb,Gb  85 Ev,Gv  A8 AL,Ib  A9 eAX,Iz  F6/0,1 Eb,Ib  F7/0,1 Ev,Iz
defineOp("op_84", (cpu, d) => { alu(cpu, ALU_AND, 7, 0xff, readRm8(cpu, d), getReg8(cpu, regField(cpu, d))); });
defineOp("op_85",
  (cpu, d) => { alu(cpu, ALU_AND, 15, 0xffff, readRm16(cpu, d), cpu.regs[regField(cpu, d)]); },
  (cpu, d) => { alu(cpu, ALU_AND, 31, -1, readRm32(cpu, d), cpu.regs[regField(cpu, d)]); });
defineOp("op_a8", (cpu, d) => { alu(cpu, ALU_AND, 7, 0xff, cpu.regs[Reg.EAX], cpu.dec[d + Rec.IMM]); });
defineOp("op_a9",
  (cpu, d) => { alu(cpu, ALU_AND, 15, 0xffff, cpu.regs[Reg.EAX], cpu.dec[d + Rec.IMM]); },
  (cpu, d) => { alu(cpu, ALU_AND, 31, -1, cpu.regs[Reg.EAX], cpu.dec[d + Rec.IMM]); });
for (const r of [0, 1]) {
  defineOp(`op_f6_${r}`, (cpu, d) => { alu(cpu, ALU_AND, 7, 0xff, readRm8(cpu, d), cpu.dec[d + Rec.IMM]); });
  defineOp(`op_f7_${r}`,
    (cpu, d) => { alu(cpu, ALU_AND, 15, 0xffff, readRm16(cpu, d), cpu.dec[d + Rec.IMM]); },
    (cpu, d) => { alu(cpu, ALU_AND, 31, -1, readRm32(cpu, d), cpu.dec[d + Rec.IMM]); });
}

// INC/DEC: CF is preserved.
function inc(cpu: Cpu, sz: number, mask: number, a: number): number {
  a &= mask;
  const r = (a + 1) & mask;
  setLazyKeepCF(cpu, Lz.ADD, sz, a, 1, r);
  return r;
}
function dec(cpu: Cpu, sz: number, mask: number, a: number): number {
  a &= mask;
  const r = (a - 1) & mask;
  setLazyKeepCF(cpu, Lz.SUB, sz, a, 1, r);
  return r;
}
for (let reg = 0; reg < 8; reg++) {
  defineOp(`op_${(0x40 + reg).toString(16)}`,
    (cpu) => { setReg16(cpu, reg, inc(cpu, 15, 0xffff, cpu.regs[reg])); },
    (cpu) => { cpu.regs[reg] = inc(cpu, 31, -1, cpu.regs[reg]); });
  defineOp(`op_${(0x48 + reg).toString(16)}`,
    (cpu) => { setReg16(cpu, reg, dec(cpu, 15, 0xffff, cpu.regs[reg])); },
    (cpu) => { cpu.regs[reg] = dec(cpu, 31, -1, cpu.regs[reg]); });
}
defineOp("op_fe_0", (cpu, d) => { writeRmw8(cpu, d, inc(cpu, 7, 0xff, readRmw8(cpu, d))); });
defineOp("op_fe_1", (cpu, d) => { writeRmw8(cpu, d, dec(cpu, 7, 0xff, readRmw8(cpu, d))); });
defineOp("op_ff_0",
  (cpu, d) => { writeRmw16(cpu, d, inc(cpu, 15, 0xffff, readRmw16(cpu, d))); },
  (cpu, d) => { writeRmw32(cpu, d, inc(cpu, 31, -1, readRmw32(cpu, d))); });
defineOp("op_ff_1",
  (cpu, d) => { writeRmw16(cpu, d, dec(cpu, 15, 0xffff, readRmw16(cpu, d))); },
  (cpu, d) => { writeRmw32(cpu, d, dec(cpu, 31, -1, readRmw32(cpu, d))); });
