// Stack pushes and pops through SS, honouring the stack address size (SS.B).
// A push writes before it moves ESP and a pop reads before it moves ESP, so a fault leaves
// ESP untouched (the run loop also restores ESP at a fault; this keeps helpers safe to compose).

import type { Cpu } from "./cpu.js";
import { Reg, Seg } from "./constants.js";
import { read16, read32, write16, write32 } from "./mmu.js";

function spMinus(cpu: Cpu, n: number): number {
  const sp = cpu.regs[Reg.ESP];
  return cpu.stack32 ? (sp - n) | 0 : (sp & ~0xffff) | ((sp - n) & 0xffff);
}

export function push16(cpu: Cpu, v: number): void {
  const sp = spMinus(cpu, 2);
  write16(cpu, Seg.SS, cpu.stack32 ? sp : sp & 0xffff, v & 0xffff);
  cpu.regs[Reg.ESP] = sp;
}

export function push32(cpu: Cpu, v: number): void {
  const sp = spMinus(cpu, 4);
  write32(cpu, Seg.SS, cpu.stack32 ? sp : sp & 0xffff, v);
  cpu.regs[Reg.ESP] = sp;
}

export function pop16(cpu: Cpu): number {
  const sp = cpu.regs[Reg.ESP];
  const v = read16(cpu, Seg.SS, cpu.stack32 ? sp : sp & 0xffff);
  cpu.regs[Reg.ESP] = cpu.stack32 ? (sp + 2) | 0 : (sp & ~0xffff) | ((sp + 2) & 0xffff);
  return v;
}

export function pop32(cpu: Cpu): number {
  const sp = cpu.regs[Reg.ESP];
  const v = read32(cpu, Seg.SS, cpu.stack32 ? sp : sp & 0xffff);
  cpu.regs[Reg.ESP] = cpu.stack32 ? (sp + 4) | 0 : (sp & ~0xffff) | ((sp + 4) & 0xffff);
  return v;
}

/** Reads the stack slot `offset` bytes above the top without popping. */
export function peek16(cpu: Cpu, offset: number): number {
  const sp = (cpu.regs[Reg.ESP] + offset) | 0;
  return read16(cpu, Seg.SS, cpu.stack32 ? sp : sp & 0xffff);
}
export function peek32(cpu: Cpu, offset: number): number {
  const sp = (cpu.regs[Reg.ESP] + offset) | 0;
  return read32(cpu, Seg.SS, cpu.stack32 ? sp : sp & 0xffff);
}

/** Adds `n` to the stack pointer at the stack's address size. */
export function adjustSp(cpu: Cpu, n: number): void {
  const sp = cpu.regs[Reg.ESP];
  cpu.regs[Reg.ESP] = cpu.stack32 ? (sp + n) | 0 : (sp & ~0xffff) | ((sp + n) & 0xffff);
}
