// Runs x87 code on the emulator the way test/diff/x87-runner runs it on silicon: FRSTOR an FSAVE
// image, set EFLAGS, point ESI at a 32-byte memory area, run the snippet, FNSAVE the result.

import { getEflags } from "../../../src/cpu/flags.js";
import { flat32, load, makeCpu, runToHalt } from "../harness.js";

export interface X87Case { fsave: Uint8Array; eflags?: number; mem?: Uint8Array; code: number[] }
export interface X87Result { fsave: Uint8Array; eflags: number; mem: Uint8Array; eax: number }

const CODE = 0x1000, IMAGE = 0x3000, MEM = 0x4000, OUT = 0x5000, STACK = 0x8000;

/** Encodes an 80-bit value (sign/exponent word, 64-bit significand) as 10 little-endian bytes. */
export function f80(se: number, mant: bigint): Uint8Array {
  const b = new Uint8Array(10);
  let m = mant;
  for (let i = 0; i < 8; i++) { b[i] = Number(m & 0xffn); m >>= 8n; }
  b[8] = se & 0xff; b[9] = (se >> 8) & 0xff;
  return b;
}

/** Reads an 80-bit value back as "seee:mmmmmmmmmmmmmmmm" hex. */
export function hex80(b: Uint8Array, off = 0): string {
  let m = 0n;
  for (let i = 7; i >= 0; i--) m = (m << 8n) | BigInt(b[off + i]);
  const se = b[off + 8] | (b[off + 9] << 8);
  return `${se.toString(16).padStart(4, "0")}:${m.toString(16).padStart(16, "0")}`;
}

/** A 108-byte FSAVE image (32-bit protected layout) with TOP=0 and ST(0..) = regs, the rest empty. */
export function image(cw: number, regs: Uint8Array[], sw = 0): Uint8Array {
  const im = new Uint8Array(108);
  const dv = new DataView(im.buffer);
  dv.setUint32(0, cw | 0xffff0000, true);
  dv.setUint32(4, sw | 0xffff0000, true);
  let tw = 0xffff;
  regs.forEach((_, i) => { tw &= ~(3 << (2 * i)); });
  dv.setUint32(8, tw | 0xffff0000, true);
  regs.forEach((r, i) => im.set(r, 28 + 10 * i));
  return im;
}

let shared: ReturnType<typeof makeCpu> | undefined;

export function runEmu(c: X87Case): X87Result {
  shared ??= makeCpu(1 << 20);
  const { cpu, mem } = shared;
  cpu.reset();
  mem.bytes.fill(0, 0, 0x10000);
  // frstor [IMAGE]; <snippet>; fnsave [OUT]; hlt — EFLAGS, ESI and EAX are set directly.
  const le = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
  const code = [0xdd, 0x25, ...le(IMAGE), ...c.code, 0xdd, 0x35, ...le(OUT), 0xf4];
  load(mem, CODE, code);
  load(mem, IMAGE, c.fsave);
  if (c.mem) load(mem, MEM, c.mem);
  mem.invalidateCode(0, 0x10000);
  flat32(cpu, CODE, STACK);
  cpu.flags = ((c.eflags ?? 0) & 0x8d5) | 2;
  cpu.lzMask = 0;
  cpu.regs[6] = MEM;
  cpu.regs[0] = 0;
  runToHalt(cpu, 1000);
  const b = mem.bytes;
  return { fsave: b.slice(OUT, OUT + 108), eflags: getEflags(cpu) >>> 0, mem: b.slice(MEM, MEM + 32), eax: cpu.regs[0] >>> 0 };
}

/** Status word of a result image. */
export const swOf = (r: X87Result) => r.fsave[4] | (r.fsave[5] << 8);
/** Tag word of a result image. */
export const twOf = (r: X87Result) => r.fsave[8] | (r.fsave[9] << 8);
/** ST(i) of a result image as hex. */
export const stOf = (r: X87Result, i: number) => hex80(r.fsave, 28 + 10 * i);
