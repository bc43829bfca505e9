// What every x87 instruction shares: the CR0 checks (#NM), delivery of a pending unmasked
// exception (#MF or FERR#), the last-instruction/operand pointers, exception signalling into the
// status word, stack faults, and memory operand access.

import type { Cpu } from "../cpu.js";
import { Cr0, Exc, Seg } from "../constants.js";
import { eaOffset, eaSeg, Rec } from "../decoder.js";
import { raise } from "../fault.js";
import { read16, read32, write16, write32 } from "../mmu.js";
import { FE_DE, FE_IE, FE_ZE } from "./float80.js";
import { type Fpu, SW_B, SW_C1, SW_ES, SW_SF } from "./fpu.js";

/**
 * Start of a waiting x87 instruction (SDM Vol.1 8.7, Vol.3 2.5 CR0.EM/TS): #NM when CR0.EM or
 * CR0.TS, then a pending unmasked exception (SW.ES) is delivered: #MF when CR0.NE=1, else the
 * FERR# output is asserted (the machine turns it into IRQ 13) and the instruction proceeds, as
 * with IGNNE# asserted.
 */
export function fpuWait(cpu: Cpu): void {
  if (cpu.cr0 & (Cr0.EM | Cr0.TS)) raise(Exc.NM);
  if (cpu.fpu.sw & SW_ES) pending(cpu);
}

function pending(cpu: Cpu): void {
  if (cpu.cr0 & Cr0.NE) raise(Exc.MF);
  cpu.host.ferr(cpu, true);
}

/** Start of a non-waiting control instruction (FNINIT FNCLEX FNSTCW FNSTSW FNSTENV FNSAVE): #NM only. */
export function fpuNoWait(cpu: Cpu): void {
  if (cpu.cr0 & (Cr0.EM | Cr0.TS)) raise(Exc.NM);
}

/** FWAIT (SDM Vol.2 WAIT): #NM only when CR0.MP and CR0.TS are both set, then pending exceptions. */
export function fwait(cpu: Cpu): void {
  if ((cpu.cr0 & 0xa) === 0xa) raise(Exc.NM);
  if (cpu.fpu.sw & SW_ES) pending(cpu);
}

/** FIP/FCS/FOP for a non-control instruction (SDM Vol.1 8.1.8, 8.1.9). */
export function notePointers(cpu: Cpu, d: number): void {
  const f = cpu.fpu;
  f.fip = cpu.startEip;
  f.fcs = cpu.segSel[Seg.CS];
  f.fop = ((cpu.dec[d + Rec.OPCODE] & 7) << 8) | cpu.dec[d + Rec.MODRM];
}

/** FIP/FCS/FOP plus FDP/FDS for a non-control instruction with a memory operand. */
export function notePointersMem(cpu: Cpu, d: number): void {
  notePointers(cpu, d);
  const f = cpu.fpu;
  f.fdp = eaOffset(cpu, d);
  f.fds = cpu.segSel[eaSeg(cpu, d)];
}

/**
 * Records exceptions `exc` (FE_* bits) and C1 (`c1`: rounded up / stack overflow) in the status
 * word. Returns true when an unmasked IE, DE or ZE means the result must not be delivered
 * (SDM Vol.1 4.9.2: pre-computation exceptions leave the destination unchanged).
 */
export function signal(f: Fpu, exc: number, c1: boolean): boolean {
  // An unmasked denormal-operand exception stops the operation before it computes anything.
  if (exc & FE_DE & ~f.cw) { exc &= FE_IE | FE_DE | FE_ZE | SW_SF; c1 = false; }
  f.sw = (f.sw & ~SW_C1) | (c1 ? SW_C1 : 0) | exc;
  const unmasked = exc & ~f.cw & 0x3f;
  if (unmasked === 0) return false;
  f.sw |= SW_ES | SW_B;
  return (unmasked & (FE_IE | FE_DE | FE_ZE)) !== 0;
}

/** Stack underflow (SDM Vol.1 8.5.1.1): IE+SF, C1=0. Returns true when masked (deliver the indefinite). */
export function stackUnderflow(f: Fpu): boolean {
  return !signal(f, FE_IE | SW_SF, false);
}

/** Stack overflow: IE+SF, C1=1. Returns true when masked (push the indefinite). */
export function stackOverflow(f: Fpu): boolean {
  return !signal(f, FE_IE | SW_SF, true);
}

/** Pushes the QNaN indefinite (masked stack overflow / underflow response). */
export function pushIndefinite(f: Fpu): void {
  f.push(0xffff, 0xc0000000 | 0, 0);
}

/** True when the push target ST(7) is in use (a push would overflow the stack). */
export function wouldOverflow(f: Fpu): boolean {
  return (f.ftw & (1 << ((f.top - 1) & 7))) !== 0;
}

// ---- memory operands ----
// Results of reads: M_LO / M_HI (two dwords) and M_SE (the 16-bit top of an 80-bit operand).
export const M = { lo: 0, hi: 0, se: 0 };

export function memSeg(cpu: Cpu, d: number): number { return eaSeg(cpu, d); }
export function memOff(cpu: Cpu, d: number): number { return eaOffset(cpu, d); }

export function readM32(cpu: Cpu, d: number): number {
  return read32(cpu, eaSeg(cpu, d), eaOffset(cpu, d));
}
export function readM16(cpu: Cpu, d: number): number {
  return read16(cpu, eaSeg(cpu, d), eaOffset(cpu, d));
}
/** 64-bit operand into M.lo/M.hi. */
export function readM64(cpu: Cpu, d: number): void {
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  M.lo = read32(cpu, seg, off);
  M.hi = read32(cpu, seg, (off + 4) | 0);
}
/** 80-bit operand into M.lo/M.hi/M.se. */
export function readM80(cpu: Cpu, d: number): void {
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  M.lo = read32(cpu, seg, off);
  M.hi = read32(cpu, seg, (off + 4) | 0);
  M.se = read16(cpu, seg, (off + 8) | 0);
}
export function writeM64(cpu: Cpu, d: number, lo: number, hi: number): void {
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  write32(cpu, seg, off, lo);
  write32(cpu, seg, (off + 4) | 0, hi);
}
export function writeM80(cpu: Cpu, d: number, lo: number, hi: number, se: number): void {
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  write32(cpu, seg, off, lo);
  write32(cpu, seg, (off + 4) | 0, hi);
  write16(cpu, seg, (off + 8) | 0, se);
}
