// Debug registers and breakpoints (SDM Vol.3 ch.17).
//
// DR7:  bit 2n Ln, 2n+1 Gn (n = 0..3)   8 LE   9 GE   10 reads 1   13 GD
//       bits 16+4n..17+4n RWn (00 execute, 01 write, 10 I/O with CR4.DE, 11 read/write)
//       bits 18+4n..19+4n LENn (00 1 byte, 01 2, 10 8, 11 4)
// DR6:  bits 0-3 B0-B3 (breakpoint n matched)   13 BD   14 BS   15 BT; other bits read as 1
//
// How breakpoints cost nothing while none is enabled (cpu.ts, mmu.ts):
// - cpu.dbgExecLive (some execute breakpoint enabled) makes run() take the observed step path,
//   which checks the instruction's first byte before decoding it (a fault, suppressed by RF).
// - cpu.dbgDataLive (some data breakpoint enabled): mmu.ts fill() never gives a TLB entry to a
//   page holding a data breakpoint, so every access to it takes the slow path, which calls
//   dataBreakpointAccess() after the access. Matches accumulate in cpu.dbgTrap and poke() the
//   run loop, which delivers one #DB trap after the instruction (or iteration, for REP).
// - cpu.dbgIoLive (CR4.DE and some I/O breakpoint enabled): checkIoPermission() calls
//   ioBreakpointAccess().
// A fault in the instruction discards pending matches (cpu.ts): the instruction did not complete.

import type { Cpu } from "../cpu.js";
import { Cr4 } from "../constants.js";

export const DR6_BD = 1 << 13, DR6_BS = 1 << 14, DR6_BT = 1 << 15;
/** DR6 bits that always read as 1 on P6-family processors (bits 4-11, 16-31). */
export const DR6_FIXED1 = 0xffff0ff0 | 0;
export const DR7_GD = 1 << 13;
/** DR7 bit 10 reads 1; bits 11, 12, 14, 15 read 0. */
const DR7_FIXED1 = 1 << 10;
const DR7_WRITABLE = 0xffff23ff | 0;

export const RW_EXEC = 0, RW_WRITE = 1, RW_IO = 2, RW_READWRITE = 3;

function enabled(dr7: number, n: number): boolean {
  return ((dr7 >> (2 * n)) & 3) !== 0;
}
function rwOf(dr7: number, n: number): number {
  return (dr7 >>> (16 + 4 * n)) & 3;
}
/** Breakpoint length in bytes from LENn. */
function lenOf(dr7: number, n: number): number {
  const l = (dr7 >>> (18 + 4 * n)) & 3;
  return l === 0 ? 1 : l === 1 ? 2 : l === 2 ? 8 : 4;
}

/** Recomputes the cpu.dbg*Live flags after a write to DR0-DR7 or CR4.DE; flushes the TLB when data breakpoints change. */
export function updateDebugState(cpu: Cpu): void {
  const dr7 = cpu.dr[7];
  let exec = false, data = false, io = false;
  for (let n = 0; n < 4; n++) {
    if (!enabled(dr7, n)) continue;
    const rw = rwOf(dr7, n);
    if (rw === RW_EXEC) exec = true;
    else if (rw === RW_IO) { if ((cpu.cr4 & Cr4.DE) !== 0) io = true; }
    else data = true;
  }
  cpu.dbgExecLive = exec;
  cpu.dbgIoLive = io;
  // Pages that had (or now have) a data breakpoint must lose (or regain) their fast paths.
  if (data || cpu.dbgDataLive) cpu.dropFastPaths();
  cpu.dbgDataLive = data;
  cpu.poke();
}

/** MOV to DR6: the fixed bits stay as the processor defines them. */
export function writeDr6(cpu: Cpu, v: number): void {
  cpu.dr[6] = (v & (0xf | DR6_BD | DR6_BS | DR6_BT)) | DR6_FIXED1;
}

/** MOV to DR7 (bits 11, 12, 14, 15 read 0, bit 10 reads 1). */
export function writeDr7(cpu: Cpu, v: number): void {
  cpu.dr[7] = (v & DR7_WRITABLE) | DR7_FIXED1;
  updateDebugState(cpu);
}

/**
 * Execute breakpoints matching the instruction starting at linear `lin`: a mask of B0-B3 bits
 * (0 when none). The caller raises the #DB fault (EFLAGS.RF suppresses the check).
 */
export function instructionBreakpoints(cpu: Cpu, lin: number): number {
  const dr7 = cpu.dr[7];
  let hits = 0;
  for (let n = 0; n < 4; n++) {
    if (enabled(dr7, n) && rwOf(dr7, n) === RW_EXEC && cpu.dr[n] === lin) hits |= 1 << n;
  }
  return hits;
}

function overlaps(bp: number, len: number, lin: number, size: number): boolean {
  const lo = (bp & ~(len - 1)) >>> 0;
  const a = lin >>> 0;
  // [a, a+size) and [lo, lo+len) overlap; computed on the wrapped 32-bit line.
  return ((a - lo) >>> 0) < len || ((lo - a) >>> 0) < size;
}

/** Called by the slow memory path after a data access of `size` bytes at `lin`. */
export function dataBreakpointAccess(cpu: Cpu, lin: number, size: number, write: boolean): void {
  const dr7 = cpu.dr[7];
  let hits = 0;
  for (let n = 0; n < 4; n++) {
    if (!enabled(dr7, n)) continue;
    const rw = rwOf(dr7, n);
    if (rw === RW_READWRITE || (rw === RW_WRITE && write)) {
      if (overlaps(cpu.dr[n], lenOf(dr7, n), lin, size)) hits |= 1 << n;
    }
  }
  if (hits !== 0) { cpu.dbgTrap |= hits; cpu.poke(); }
}

/** Does linear page `vpn` hold an enabled data breakpoint? (mmu.ts keeps such pages out of the TLB.) */
export function pageHasDataBreakpoint(cpu: Cpu, vpn: number): boolean {
  const dr7 = cpu.dr[7];
  for (let n = 0; n < 4; n++) {
    if (!enabled(dr7, n)) continue;
    const rw = rwOf(dr7, n);
    if (rw !== RW_WRITE && rw !== RW_READWRITE) continue;
    const lo = cpu.dr[n] & ~(lenOf(dr7, n) - 1);
    if (lo >>> 12 === vpn) return true;
  }
  return false;
}

/** I/O breakpoints (CR4.DE, RWn = 10) hit by an access to `size` ports from `port`. */
export function ioBreakpointAccess(cpu: Cpu, port: number, size: number): void {
  const dr7 = cpu.dr[7];
  let hits = 0;
  for (let n = 0; n < 4; n++) {
    if (enabled(dr7, n) && rwOf(dr7, n) === RW_IO && overlaps(cpu.dr[n] & 0xffff, lenOf(dr7, n), port, size)) hits |= 1 << n;
  }
  if (hits !== 0) { cpu.dbgTrap |= hits; cpu.poke(); }
}

/**
 * Sets DR6 for a #DB caused by breakpoint matches `hits` (B0-B3 replaced) and clears DR7.GD,
 * which the processor does on every #DB delivery (SDM Vol.3 17.2.4).
 */
export function noteDebugException(cpu: Cpu, hits: number, extra: number): void {
  if (hits !== 0) cpu.dr[6] = (cpu.dr[6] & ~0xf) | hits;
  cpu.dr[6] |= extra;
  if (cpu.dr[7] & DR7_GD) { cpu.dr[7] &= ~DR7_GD; }
}
