// Building a stack frame before committing to it: far calls through gates and event delivery
// push onto a stack that may not be SS yet. Pushes are checked against the target stack's
// descriptor values and written linearly; registers change only after every push succeeded.

import type { Cpu } from "../cpu.js";
import { Desc, Exc, Seg } from "../constants.js";
import { raise } from "../fault.js";
import { writeLinSlow } from "../mmu.js";

export class Frame {
  base = 0;
  limit = 0;
  attr = 0;
  /** Stack pointer after the pushes so far (16 bits when the stack is 16-bit). */
  sp = 0;
  /** ESP before the first push (its high half survives on a 16-bit stack). */
  esp0 = 0;
  b32 = false;
  /** XL_USER for a CPL 3 stack, else 0. */
  kind = 0;
  /** Error code of the #SS raised when a push does not fit. */
  err = 0;
}

/** Starts a frame on a stack described by cache values (base, byte limit, attribute word). */
export function frameOn(f: Frame, base: number, limit: number, attr: number, esp: number, kind: number, err: number): void {
  f.base = base; f.limit = limit; f.attr = attr; f.esp0 = esp;
  f.b32 = (attr & Desc.DB) !== 0;
  f.sp = f.b32 ? esp : esp & 0xffff;
  f.kind = kind; f.err = err;
}

/** Starts a frame on the current SS:ESP. */
export function frameOnSS(cpu: Cpu, f: Frame, kind: number, err: number): void {
  frameOn(f, cpu.segBase[Seg.SS], cpu.segLimit[Seg.SS], cpu.segAttr[Seg.SS], cpu.regs[4], kind, err);
}

/** Pushes `size` (2 or 4) bytes; #SS(f.err) when outside the stack segment (SDM Vol.3 5.3). */
export function framePush(cpu: Cpu, f: Frame, size: number, v: number): void {
  const sp = f.b32 ? (f.sp - size) | 0 : (f.sp - size) & 0xffff;
  const lo = sp >>> 0, hi = lo + size - 1;
  const limit = f.limit >>> 0;
  if (f.attr & Desc.DC) {
    // Expand-down data segment: offsets above the limit, up to 64 KiB or 4 GiB (by B).
    if (lo <= limit || hi > (f.b32 ? 0xffffffff : 0xffff)) raise(Exc.SS, f.err);
  } else if (hi > limit) {
    raise(Exc.SS, f.err);
  }
  writeLinSlow(cpu, (f.base + sp) | 0, size, size === 2 ? v & 0xffff : v, f.kind);
  f.sp = sp;
}

/** The ESP value once the frame is committed. */
export function frameEsp(f: Frame): number {
  return f.b32 ? f.sp : (f.esp0 & ~0xffff) | f.sp;
}
