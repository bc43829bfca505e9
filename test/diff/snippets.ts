// Snippets for the differential tests: instruction sequences in nasm syntax with the register
// and memory state they start from, batch-assembled by nasm (the independent encoder) and
// disassembled by objdump for counterexamples.
//
// Guest layout (see hostcpu.ts): code at CODE_ADDR, scratch page at SCRATCH_ADDR, stack page at
// STACK_ADDR. By convention EBX and EBP start as pointers into the scratch page (generators use
// them as memory-operand bases) and ESP points into the middle of the stack page.

import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CODE_ADDR, DEFAULT_ESP, DiffCase, PAGE, SCRATCH_ADDR } from "./hostcpu.js";
import { ARITH, COMPARED } from "./masks.js";

/** One generated instruction (or a short fixed sequence) and its flag behaviour. */
export interface Insn {
  /**
   * nasm source, lines separated by "\n"; "%L" becomes a label prefix unique in the snippet, "%S"
   * the label of the snippet's first byte (so `CODE_ADDR + (%Lx - %S)` is the runtime address of %Lx).
   */
  asm: string;
  /** Flags it reads (a read of an undefined flag gets a flag-defining CMP inserted before it). */
  reads: number;
  /** Flags it writes, defined or not. */
  writes: number;
  /** Flags it leaves undefined (SDM), a subset of writes. */
  undef: number;
}

export interface Snippet {
  insns: Insn[];
  /** EAX..EDI initial values (uint32). */
  regs: number[];
  eflags: number;
  /** Seed of the scratch and stack page contents. */
  fill: number;
}

export const insn = (asm: string, reads: number, writes: number, undef = 0): Insn => ({ asm, reads, writes, undef });

/** Inserted before an instruction that would read a flag an earlier one left undefined. */
const FLAG_FIX = "cmp eax, ecx";

/**
 * nasm source of the snippet (labels made unique with `id`), the EFLAGS bits defined at its end,
 * and the bits compared when it faults part-way (those no instruction of it leaves undefined).
 */
export function render(s: Snippet, id: number): { lines: string[]; mask: number; faultMask: number } {
  let undef = 0, any = 0;
  const lines: string[] = [];
  s.insns.forEach((ins, k) => {
    if (ins.reads & undef) {
      lines.push(FLAG_FIX);
      undef = 0;
    }
    lines.push(...ins.asm.replaceAll("%L", `.L${id}_${k}`).replaceAll("%S", `s${id}`).split("\n"));
    undef = (undef & ~ins.writes) | ins.undef;
    any |= ins.undef;
  });
  return { lines, mask: COMPARED & ~undef, faultMask: COMPARED & ~any };
}

function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) & 0xff;
  };
}

/** The scratch and stack page images for a fill seed. */
export function pages(fill: number): { scratch: Uint8Array; stack: Uint8Array } {
  const next = mulberry32(fill);
  const scratch = new Uint8Array(PAGE), stack = new Uint8Array(PAGE);
  for (let i = 0; i < PAGE; i++) scratch[i] = next();
  for (let i = 0; i < PAGE; i++) stack[i] = next();
  return { scratch, stack };
}

/** Assembles many snippets in one nasm run; returns each one's machine code. */
export function assembleBatch(sources: string[][]): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-diff-"));
  try {
    const src: string[] = ["bits 32", "org 0"];
    sources.forEach((lines, i) => {
      src.push(`s${i}:`, ...lines.map((l) => `  ${l}`), `e${i}:`);
    });
    src.push("tbl:", ...sources.map((_, i) => `dd s${i}, e${i}`));
    const asmPath = join(dir, "batch.asm"), binPath = join(dir, "batch.bin");
    writeFileSync(asmPath, src.join("\n") + "\n");
    const r = spawnSync("nasm", ["-f", "bin", "-O0", asmPath, "-o", binPath], { encoding: "utf8" });
    if (r.error) throw new Error(`nasm not runnable: ${r.error.message}`);
    if (r.status !== 0) {
      const msgs = r.stderr.split("\n").slice(0, 10).map((m) => {
        const line = /:(\d+): /.exec(m);
        return line ? `${m}\n    ${src[Number(line[1]) - 1]}` : m;
      });
      throw new Error(`nasm failed:\n${msgs.join("\n")}`);
    }
    const bin = readFileSync(binPath);
    const tbl = bin.length - sources.length * 8;
    return sources.map((_, i) => {
      const start = bin.readUInt32LE(tbl + i * 8), end = bin.readUInt32LE(tbl + i * 8 + 4);
      return new Uint8Array(bin.subarray(start, end));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** objdump's Intel-syntax disassembly of a snippet placed at CODE_ADDR. */
export function disassemble(code: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-dis-"));
  try {
    const p = join(dir, "code.bin");
    writeFileSync(p, code);
    const r = spawnSync("objdump", ["-D", "-b", "binary", "-m", "i386", "-M", "intel", `--adjust-vma=${CODE_ADDR}`, p], { encoding: "utf8" });
    if (r.status !== 0) return `(objdump failed: ${r.stderr})`;
    return r.stdout.split("\n").filter((l) => /^\s+[0-9a-f]+:/.test(l)).join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The host/emulator case for an assembled snippet. */
export function toCase(s: Snippet, code: Uint8Array): DiffCase {
  const { scratch, stack } = pages(s.fill);
  // Bytes past the code page are unmapped on both sides: an instruction reaching them faults.
  return { code: code.subarray(0, PAGE), regs: s.regs, eflags: s.eflags, scratch, stack };
}

// ---- arbitraries ----

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x80000001];

/** A register value: edge values, small numbers, or any 32-bit value. */
export const value32 = fc.oneof(
  fc.constantFrom(...INTERESTING),
  fc.integer({ min: 0, max: 0x1ff }),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 0xffffffff }),
);

/** A pointer into the scratch page, leaving room for ±0x100 displacements and 8-byte accesses. */
export const scratchPtr = fc.integer({ min: 0x100, max: 0x700 }).map((o) => SCRATCH_ADDR + o);

export interface StateOpts {
  /** Override the arbitrary of particular registers (index EAX=0..EDI=7). */
  regs?: Partial<Record<number, fc.Arbitrary<number>>>;
}

/** Snippets of 1..maxLen instructions drawn from `insn`, with a random starting state. */
export function snippetArb(ins: fc.Arbitrary<Insn>, maxLen = 4, opts: StateOpts = {}): fc.Arbitrary<Snippet> {
  const r = (i: number, def: fc.Arbitrary<number>) => opts.regs?.[i] ?? def;
  return fc.record({
    insns: fc.array(ins, { minLength: 1, maxLength: maxLen }),
    regs: fc.tuple(
      r(0, value32), r(1, value32), r(2, value32), r(3, scratchPtr),
      fc.constant(DEFAULT_ESP), r(5, scratchPtr), r(6, value32), r(7, value32),
    ),
    eflags: fc.integer({ min: 0, max: 0xfff }).map((f) => f & (ARITH | 0x400)),
    fill: fc.integer({ min: 0, max: 0xffff }),
  });
}

// Operand helpers for generators.
export const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
export const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
export const R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
/** Destinations that keep EBX/EBP usable as scratch pointers and ESP as the stack. */
export const DST32 = ["eax", "ecx", "edx", "esi", "edi"];
export const DST16 = ["ax", "cx", "dx", "si", "di"];
export const DST8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh"];

/** A memory operand address expression inside the scratch page (or the stack page via ESP). */
export const memAddr = fc.oneof(
  fc.constant("ebx"),
  fc.integer({ min: -0x80, max: 0x7f }).map((d) => `ebx${d < 0 ? "-" : "+"}${Math.abs(d)}`),
  fc.integer({ min: -0x80, max: 0x7f }).map((d) => `ebp${d < 0 ? "-" : "+"}${Math.abs(d)}`),
  fc.integer({ min: -0x100, max: 0x100 }).map((d) => `dword ebx${d < 0 ? "-" : "+"}${Math.abs(d)}`),
  fc.integer({ min: 0, max: 0xff8 }).map((o) => `dword ${SCRATCH_ADDR + o}`),
  fc.integer({ min: -0x40, max: 0x40 }).map((d) => `esp${d < 0 ? "-" : "+"}${Math.abs(d)}`),
  fc.constantFrom(1, 2, 4, 8).map((s) => `ebx+ebp*${s}-${s * SCRATCH_ADDR}`),
);

export const SIZE_KW: Record<number, string> = { 8: "byte", 16: "word", 32: "dword" };
export const regsOf = (w: number) => (w === 8 ? R8 : w === 16 ? R16 : R32);
export const dstOf = (w: number) => (w === 8 ? DST8 : w === 16 ? DST16 : DST32);
export const width = fc.constantFrom(8, 16, 32);
export const imm = (w: number) => fc.integer({ min: 0, max: w === 32 ? 0xffffffff : (1 << w) - 1 }).map((v) => `0x${v.toString(16)}`);
