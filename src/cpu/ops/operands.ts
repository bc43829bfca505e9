// Operand access for handlers: the modrm register and r/m operands at each size.
// Register encodings for byte operands: 0-3 → AL CL DL BL, 4-7 → AH CH DH BH.

import type { Cpu } from "../cpu.js";
import { eaOffset, eaSeg, Rec } from "../decoder.js";
import { probeWrite, read16, read32, read8, write16, write32, write8 } from "../mmu.js";

export function getReg8(cpu: Cpu, r: number): number {
  return r < 4 ? cpu.regs[r] & 0xff : (cpu.regs[r - 4] >> 8) & 0xff;
}
export function setReg8(cpu: Cpu, r: number, v: number): void {
  if (r < 4) cpu.regs[r] = (cpu.regs[r] & ~0xff) | (v & 0xff);
  else cpu.regs[r - 4] = (cpu.regs[r - 4] & ~0xff00) | ((v & 0xff) << 8);
}
export function getReg16(cpu: Cpu, r: number): number {
  return cpu.regs[r] & 0xffff;
}
export function setReg16(cpu: Cpu, r: number, v: number): void {
  cpu.regs[r] = (cpu.regs[r] & ~0xffff) | (v & 0xffff);
}

/** modrm.reg of the record at d. */
export function regField(cpu: Cpu, d: number): number {
  return (cpu.dec[d + Rec.MODRM] >> 3) & 7;
}

// ---- r/m reads ----
export function readRm8(cpu: Cpu, d: number): number {
  const m = cpu.dec[d + Rec.MODRM];
  return m >= 0xc0 ? getReg8(cpu, m & 7) : read8(cpu, eaSeg(cpu, d), eaOffset(cpu, d));
}
export function readRm16(cpu: Cpu, d: number): number {
  const m = cpu.dec[d + Rec.MODRM];
  return m >= 0xc0 ? cpu.regs[m & 7] & 0xffff : read16(cpu, eaSeg(cpu, d), eaOffset(cpu, d));
}
export function readRm32(cpu: Cpu, d: number): number {
  const m = cpu.dec[d + Rec.MODRM];
  return m >= 0xc0 ? cpu.regs[m & 7] : read32(cpu, eaSeg(cpu, d), eaOffset(cpu, d));
}

// ---- r/m writes (plain stores: MOV, SETcc, POP Ev) ----
export function writeRm8(cpu: Cpu, d: number, v: number): void {
  const m = cpu.dec[d + Rec.MODRM];
  if (m >= 0xc0) setReg8(cpu, m & 7, v);
  else write8(cpu, eaSeg(cpu, d), eaOffset(cpu, d), v);
}
export function writeRm16(cpu: Cpu, d: number, v: number): void {
  const m = cpu.dec[d + Rec.MODRM];
  if (m >= 0xc0) setReg16(cpu, m & 7, v);
  else write16(cpu, eaSeg(cpu, d), eaOffset(cpu, d), v);
}
export function writeRm32(cpu: Cpu, d: number, v: number): void {
  const m = cpu.dec[d + Rec.MODRM];
  if (m >= 0xc0) cpu.regs[m & 7] = v;
  else write32(cpu, eaSeg(cpu, d), eaOffset(cpu, d), v);
}

// ---- read-modify-write: the read checks writability first, the write reuses the address ----
// The address is kept in cpu.rmwSeg/rmwOff between the two calls (no allocation).

export function readRmw8(cpu: Cpu, d: number): number {
  const m = cpu.dec[d + Rec.MODRM];
  if (m >= 0xc0) return getReg8(cpu, m & 7);
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  probeWrite(cpu, seg, off, 1);
  cpu.rmwSeg = seg; cpu.rmwOff = off;
  return read8(cpu, seg, off);
}
export function readRmw16(cpu: Cpu, d: number): number {
  const m = cpu.dec[d + Rec.MODRM];
  if (m >= 0xc0) return cpu.regs[m & 7] & 0xffff;
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  probeWrite(cpu, seg, off, 2);
  cpu.rmwSeg = seg; cpu.rmwOff = off;
  return read16(cpu, seg, off);
}
export function readRmw32(cpu: Cpu, d: number): number {
  const m = cpu.dec[d + Rec.MODRM];
  if (m >= 0xc0) return cpu.regs[m & 7];
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  probeWrite(cpu, seg, off, 4);
  cpu.rmwSeg = seg; cpu.rmwOff = off;
  return read32(cpu, seg, off);
}
export function writeRmw8(cpu: Cpu, d: number, v: number): void {
  const m = cpu.dec[d + Rec.MODRM];
  if (m >= 0xc0) setReg8(cpu, m & 7, v);
  else write8(cpu, cpu.rmwSeg, cpu.rmwOff, v);
}
export function writeRmw16(cpu: Cpu, d: number, v: number): void {
  const m = cpu.dec[d + Rec.MODRM];
  if (m >= 0xc0) setReg16(cpu, m & 7, v);
  else write16(cpu, cpu.rmwSeg, cpu.rmwOff, v);
}
export function writeRmw32(cpu: Cpu, d: number, v: number): void {
  const m = cpu.dec[d + Rec.MODRM];
  if (m >= 0xc0) cpu.regs[m & 7] = v;
  else write32(cpu, cpu.rmwSeg, cpu.rmwOff, v);
}
