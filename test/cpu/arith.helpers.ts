// Shared set-up for the shift, multiply/divide, BCD and bit-instruction tests: run a few bytes
// with given registers, flags and memory, and look at the result.

import type { Cpu } from "../../src/cpu/cpu.js";
import { Eflags, Seg } from "../../src/cpu/constants.js";
import { getEflags } from "../../src/cpu/flags.js";
import type { HostMemory } from "../../src/cpu/memory.js";
import { flat32, load, makeCpu, real16, runToHalt } from "./harness.js";

export const CF = Eflags.CF, PF = Eflags.PF, AF = Eflags.AF, ZF = Eflags.ZF, SF = Eflags.SF, OF = Eflags.OF;
export const ARITH = CF | PF | AF | ZF | SF | OF;

export interface Init {
  /** EAX ECX EDX EBX ESP EBP ESI EDI by encoding index (missing: 0; ESP: the harness default). */
  regs?: Partial<Record<number, number>>;
  /** Initial status flags (EFLAGS_* bits). */
  flags?: number;
  /** Memory contents: [physical address, bytes]. */
  mem?: Array<[number, number[]]>;
}

export interface Outcome {
  cpu: Cpu;
  mem: HostMemory;
  /** EFLAGS with every lazy flag materialized. */
  flags: number;
  /** Register by encoding index, as uint32. */
  r: (i: number) => number;
}

function finish(cpu: Cpu, mem: HostMemory): Outcome {
  return { cpu, mem, flags: getEflags(cpu), r: (i) => cpu.regs[i] >>> 0 };
}

function prepare(cpu: Cpu, mem: HostMemory, init: Init): void {
  for (const [addr, bytes] of init.mem ?? []) load(mem, addr, bytes);
  for (let i = 0; i < 8; i++) if (i !== 4) cpu.regs[i] = 0;
  for (const [k, v] of Object.entries(init.regs ?? {})) cpu.regs[Number(k)] = v as number;
  cpu.flags = Eflags.FIXED1 | (init.flags ?? 0);
  cpu.lzMask = 0;
}

/** Runs `code` at 0x1000 in flat 32-bit protected mode, then HLT. */
export function run32(code: number[], init: Init = {}): Outcome {
  const { cpu, mem } = makeCpu();
  load(mem, 0x1000, [...code, 0xf4]);
  flat32(cpu, 0x1000);
  prepare(cpu, mem, init);
  runToHalt(cpu);
  return finish(cpu, mem);
}

/**
 * One CPU for many runs of the same `code` (flat 32-bit, at 0x1000, then HLT): each call resets
 * EIP and ESP, applies `init` and runs. For loops over many inputs.
 */
export function runner32(code: number[]): (init: Init) => Outcome {
  const { cpu, mem } = makeCpu(1 << 20);
  load(mem, 0x1000, [...code, 0xf4]);
  return (init) => {
    flat32(cpu, 0x1000);
    cpu.halted = false;
    prepare(cpu, mem, init);
    runToHalt(cpu);
    return finish(cpu, mem);
  };
}

/** The real-mode exception handler address every IVT entry of runReal points at (a HLT). */
export const HANDLER = 0x2000;

/**
 * Runs `code` at 0000:1000 in real mode, then HLT. Every IVT vector points at a HLT at
 * 0000:2000, so a fault stops there with FLAGS, CS, IP pushed at SS:SP.
 */
export function runReal(code: number[], init: Init = {}): Outcome & { pushedIp: () => number } {
  const { cpu, mem } = makeCpu();
  for (let v = 0; v < 32; v++) load(mem, v * 4, [HANDLER & 0xff, HANDLER >> 8, 0, 0]);
  load(mem, HANDLER, [0xf4]);
  load(mem, 0x1000, [...code, 0xf4]);
  real16(cpu, 0, 0x1000, 0x8000);
  prepare(cpu, mem, init);
  runToHalt(cpu);
  const out = finish(cpu, mem);
  return {
    ...out,
    pushedIp: () => {
      const sp = (cpu.segBase[Seg.SS] + (cpu.regs[4] & 0xffff)) >>> 0;
      return mem.bytes[sp] | (mem.bytes[sp + 1] << 8);
    },
  };
}

/** Little-endian bytes of a 32-bit value. */
export function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Reads a little-endian 32-bit value from physical memory. */
export function peek32(mem: HostMemory, addr: number): number {
  return (mem.bytes[addr] | (mem.bytes[addr + 1] << 8) | (mem.bytes[addr + 2] << 16) | (mem.bytes[addr + 3] << 24)) >>> 0;
}
