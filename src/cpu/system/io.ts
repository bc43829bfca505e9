// I/O permission (SDM Vol.1 19.5): IOPL, and the TSS I/O bitmap when CPL > IOPL or in V86 mode.

import type { Cpu } from "../cpu.js";
import { Cr0, Eflags, Exc, Seg, SysType } from "../constants.js";
import { raise } from "../fault.js";
import { readLinSlow } from "../mmu.js";
import { ioBreakpointAccess } from "./debug.js";

/**
 * Raises #GP(0) unless the current privilege may access `size` ports starting at `port`.
 * Called by IN/OUT/INS/OUTS before any other effect. Also records I/O breakpoint matches
 * (a #DB trap once the instruction completes; discarded if it faults).
 */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if (cpu.dbgIoLive) ioBreakpointAccess(cpu, port, size);
  if ((cpu.cr0 & Cr0.PE) === 0) return;
  const iopl = (cpu.flags & Eflags.IOPL) >> 12;
  if ((cpu.flags & Eflags.VM) === 0 && cpu.cpl <= iopl) return;
  checkIoBitmap(cpu, port, size);
}

/** Offset of the 16-bit I/O map base field in a 32-bit TSS (SDM Vol.3 Figure 8-2). */
const TSS_IOMAP_BASE = 0x66;

/**
 * The TSS I/O-permission bitmap check (SDM Vol.1 19.5.2): every bit for ports
 * port .. port+size-1 must be 0. Only a 32-bit TSS has a bitmap; the two bytes holding the
 * bits are read as a word, and both must lie within the TSS limit. #GP(0) otherwise.
 */
export function checkIoBitmap(cpu: Cpu, port: number, size: number): void {
  const type = cpu.segAttr[Seg.TR] & 0xf;
  if (type !== SysType.TSS32_AVAIL && type !== SysType.TSS32_BUSY) raise(Exc.GP, 0);
  const limit = cpu.segLimit[Seg.TR] >>> 0;
  const base = cpu.segBase[Seg.TR];
  if (limit < TSS_IOMAP_BASE + 1) raise(Exc.GP, 0);
  const mapBase = readLinSlow(cpu, (base + TSS_IOMAP_BASE) | 0, 2, 0);
  const at = mapBase + (port >>> 3);
  if (at + 1 > limit) raise(Exc.GP, 0);
  const bits = readLinSlow(cpu, (base + at) | 0, 2, 0);
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) raise(Exc.GP, 0);
}
