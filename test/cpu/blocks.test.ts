// Compiled basic blocks (src/cpu/blocks.ts) must be invisible: the same instructions retire at
// the same icounts with the same effects as when every instruction is interpreted. Checked on
// generated loops (hot enough to be compiled) run in random slices, on self-modifying code
// inside a block, and on a fault in the middle of a block.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Cpu } from "../../src/cpu/cpu.js";
import { getEflags } from "../../src/cpu/flags.js";
import { flat32, load, makeCpu } from "./harness.js";

const CODE = 0x1000, SCRATCH = 0x8000, COUNTER = 0x7000;

/** One straight-line instruction, register operands drawn from EAX, ECX, EDX, EBX, ESI, EDI; EBP points at scratch memory. */
const regArb = fc.constantFrom(0, 1, 2, 3, 6, 7);
const insnArb: fc.Arbitrary<number[]> = fc.oneof(
  fc.tuple(fc.constantFrom(0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39, 0x85, 0x89), regArb, regArb).map(([op, s, d]) => [op, 0xc0 | (s << 3) | d]),
  fc.tuple(regArb, regArb).map(([d, s]) => [0x0f, 0xaf, 0xc0 | (d << 3) | s]),
  fc.tuple(fc.integer({ min: 0, max: 7 }), regArb, fc.integer({ min: 0, max: 31 })).map(([g, r, n]) => [0xc1, 0xc0 | (g << 3) | r, n]),
  fc.tuple(fc.integer({ min: 0, max: 15 }), regArb, regArb).map(([cc, d, s]) => [0x0f, 0x40 | cc, 0xc0 | (d << 3) | s]),
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.constantFrom(0, 1, 2, 3)).map(([cc, r]) => [0x0f, 0x90 | cc, 0xc0 | r]),
  fc.tuple(fc.constantFrom(0x40, 0x48), regArb).map(([op, r]) => [op | r]),
  fc.tuple(regArb, fc.integer()).map(([r, v]) => [0xb8 | r, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]),
  fc.tuple(regArb, regArb, fc.integer({ min: 0, max: 3 }), fc.integer({ min: -128, max: 127 })).map(([d, i, s, disp]) => [0x8d, 0x44 | (d << 3), (s << 6) | (i << 3) | d, disp & 0xff]),
  fc.tuple(fc.constantFrom(0x01, 0x29, 0x31, 0x89, 0x8b, 0x03, 0x2b), regArb, fc.integer({ min: 0, max: 15 })).map(([op, r, k]) => [op, 0x45 | (r << 3), k * 4]),
  fc.tuple(regArb, regArb).map(([a, b]) => [0x50 | a, 0x58 | b]),
  fc.constantFrom([0xf8], [0xf9], [0xf5], [0x99], [0x98], [0x9f], [0x0f, 0xc8]),
  // mov [ebp+k],r8 / mov r8,[ebp+k] / mov byte [ebp+k],imm / movzx r32,byte [ebp+k] (k may be unaligned)
  fc.tuple(fc.constantFrom([0x88], [0x8a], [0xc6], [0x0f, 0xb6]), regArb, fc.integer({ min: -64, max: 63 }), fc.integer({ min: 0, max: 255 }))
    .map(([op, r, k, imm]) => (op[0] === 0xc6 ? [0xc6, 0x45, k & 0xff, imm] : [...op, 0x45 | (r << 3), k & 0xff])),
  // mov r32,[ebp+idx*4+k] / mov [ebp+idx*4+k],r32 with an index register holding anything (often outside RAM)
  fc.tuple(fc.constantFrom(0x89, 0x8b), regArb, regArb, fc.integer({ min: -64, max: 63 })).map(([op, r, i, k]) => [op, 0x44 | (r << 3), 0x85 | (i << 3), k & 0xff]),
  // lea esi,[ebp+a]; lea edi,[ebp+b]; [mov ecx,n; rep] MOVS/CMPS/STOS/LODS/SCAS, either direction
  fc.tuple(fc.integer({ min: -32, max: 32 }), fc.integer({ min: -32, max: 32 }), fc.constantFrom(0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf),
    fc.constantFrom([], [0xf3], [0xf2]), fc.integer({ min: 0, max: 5 }), fc.boolean())
    .map(([a, b, op, rep, n, down]) => [0x8d, 0x75, a & 0xff, 0x8d, 0x7d, b & 0xff, ...(rep.length ? [0xb9, n, 0, 0, 0] : []), down ? 0xfd : 0xfc, ...rep, op, 0xfc]),
);

/** An instruction, optionally behind a Jcc that jumps over it (so blocks see taken and not-taken branches). */
const guardedArb: fc.Arbitrary<number[]> = fc.tuple(insnArb, fc.option(fc.integer({ min: 0, max: 15 }), { freq: 3 }))
  .map(([insn, cc]) => (cc === null ? insn : [0x70 | cc, insn.length, ...insn]));

/** body; dec dword [COUNTER]; jnz body; hlt */
function loopProgram(body: number[][]): number[] {
  const b = body.flat();
  const dec = [0xff, 0x0d, COUNTER & 0xff, (COUNTER >> 8) & 0xff, 0, 0];
  const back = -(b.length + dec.length + 6);
  return [...b, ...dec, 0x0f, 0x85, back & 0xff, (back >> 8) & 0xff, (back >> 16) & 0xff, (back >>> 24) & 0xff, 0xf4];
}

/** `program` at CODE in flat 32-bit mode with ECX = `ecx`, run to its HLT with or without blocks. */
function runFlat(program: number[], ecx: number, useBlocks: boolean): Cpu {
  const { cpu, mem } = makeCpu();
  load(mem, CODE, program);
  flat32(cpu, CODE, 0x6000);
  cpu.regs[1] = ecx;
  cpu.useBlocks = useBlocks;
  cpu.run(100_000);
  return cpu;
}

function state(cpu: Cpu) {
  return {
    regs: Array.from(cpu.regs), eip: cpu.eip, eflags: getEflags(cpu), icount: cpu.icount,
    scratch: Array.from(cpu.mem.bytes.subarray(SCRATCH - 64, SCRATCH + 64)),
  };
}

function setup(program: number[], regs: number[], iterations: number, useBlocks: boolean) {
  const { cpu, mem } = makeCpu();
  load(mem, CODE, program);
  mem.bytes.set([iterations & 0xff, iterations >> 8, 0, 0], COUNTER);
  flat32(cpu, CODE, 0x6000);
  for (let r = 0; r < 8; r++) if (r !== 4 && r !== 5) cpu.regs[r] = regs[r];
  cpu.regs[5] = SCRATCH;
  cpu.useBlocks = useBlocks;
  return cpu;
}

describe("compiled blocks are invisible", () => {
  it("generated loops with forward Jcc over some instructions and string instructions (run 40 times, so compiled into looping blocks), in random run slices → each slice ends exactly at its limit; registers, EFLAGS, memory and icount equal to interpreting every instruction", () => {
    fc.assert(
      fc.property(
        fc.array(guardedArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer(), { minLength: 8, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
        (body, regs, slices) => {
          const program = loopProgram(body);
          const ref = setup(program, regs, 40, false);
          ref.run(1_000_000);
          const jit = setup(program, regs, 40, true);
          let k = 0;
          while (!jit.halted && jit.icount < 1_000_000) {
            const until = jit.icount + slices[k++ % slices.length];
            jit.run(until);
            // The run stops exactly at its limit (earlier only when the guest halted), never past it.
            expect(jit.icount).toBeLessThanOrEqual(until);
            if (!jit.halted) expect(jit.icount).toBe(until);
          }
          expect(jit.blocks.fn.some((f) => f !== undefined)).toBe(true);
          expect(state(jit)).toEqual(state(ref));
        },
      ),
      { numRuns: 150, seed: 0x5eed },
    );
  });

  it("an instruction rewriting the immediate of a later MOV in its own block → the next instruction sees the new byte, every iteration", () => {
    // 1000: inc byte [0x1008]      fe 05 08 10 00 00
    // 1006: mov al, imm8           b0 00    (imm at 0x1007... see below)
    // The store targets the MOV's immediate, which executes right after it.
    const body = [[0xfe, 0x05, 0x0d, 0x10, 0x00, 0x00], [0xb4, 0x00], [0x00, 0xe3]]; // inc [0x100d]; mov ah,0; add bl,ah
    // Offsets: inc at 0x1000 (6 bytes), mov ah at 0x1006 (imm at 0x1007)... patch the address below.
    const flat = loopProgram(body);
    const imm = CODE + 7;
    flat[2] = imm & 0xff; flat[3] = (imm >> 8) & 0xff;
    const ref = setup(flat, [0, 0, 0, 0, 0, 0, 0, 0], 30, false);
    ref.run(100_000);
    const jit = setup(flat, [0, 0, 0, 0, 0, 0, 0, 0], 30, true);
    jit.run(100_000);
    // AH takes 1, 2, ..., 30 in turn; BL accumulates their sum mod 256.
    expect(ref.regs[3] & 0xff).toBe((30 * 31) / 2 & 0xff);
    expect(state(jit)).toEqual(state(ref));
  });

  it("a loop whose third instruction rewrites the immediate of its first (mov al, imm) → every iteration loads the new byte", () => {
    // 1000: mov al,0; add bl,al; inc byte [0x1001]; dec ecx; jnz 1000; hlt   (ECX = 30)
    const program = [0xb0, 0x00, 0x00, 0xc3, 0xfe, 0x05, 0x01, 0x10, 0x00, 0x00, 0x49, 0x75, 0xf3, 0xf4];
    const ref = runFlat(program, 30, false), jit = runFlat(program, 30, true);
    // AL takes 0..29; BL is their sum mod 256.
    expect(jit.regs[0] & 0xff).toBe(29);
    expect(jit.regs[3] & 0xff).toBe((29 * 30) / 2 & 0xff);
    expect(state(jit)).toEqual(state(ref));
  });

  it("a MOV byte store rewriting the immediate of a later instruction in its own hot loop → each iteration runs the rewritten byte", () => {
    // 1000: mov byte [0x100a],cl; dec ecx; mov al,0 (imm at 0x100a... see below); add bl,al; test ecx,ecx; jnz 1000; hlt
    // 1000 88 0d 0a 10 00 00   mov [0x100a], cl
    // 1006 49                  dec ecx
    // 1007 90 90               nop nop (padding)
    // 1009 b0 00               mov al, imm   (imm at 0x100a)
    // 100b 00 c3               add bl, al
    // 100d 85 c9               test ecx, ecx
    // 100f 75 ef               jnz 1000
    // 1011 f4                  hlt
    const program = [0x88, 0x0d, 0x0a, 0x10, 0x00, 0x00, 0x49, 0x90, 0x90, 0xb0, 0x00, 0x00, 0xc3, 0x85, 0xc9, 0x75, 0xef, 0xf4];
    const ref = runFlat(program, 40, false), jit = runFlat(program, 40, true);
    // Each iteration stores CL (40..1) and then loads it into AL: BL = 40+39+...+1 mod 256.
    expect(jit.regs[3] & 0xff).toBe((40 * 41) / 2 & 0xff);
    expect(jit.blocks.fn.some((f) => f !== undefined)).toBe(true);
    expect(state(jit)).toEqual(state(ref));
  });

  it("dword MOV loads and stores stepping across a page boundary in a hot loop, the next page mapped to a distant frame → the crossing ones take the slow path and agree with interpreting", () => {
    // 1000: mov eax,[esi]; add eax,ecx; add ebx,eax; mov [esi+0x10000],eax; inc esi; dec ecx; jnz 1000; hlt  (ESI from 0x8fc0 over 0x9000)
    // Paging: identity, except linear pages 0x9 and 0x19 map frames 0x30 and 0x31.
    const program = [0x8b, 0x06, 0x01, 0xc8, 0x01, 0xc3, 0x89, 0x86, 0x00, 0x00, 0x01, 0x00, 0x46, 0x49, 0x75, 0xf0, 0xf4];
    const phys = (lin: number) => ((lin >>> 12) === 0x9 ? 0x30000 : (lin >>> 12) === 0x19 ? 0x31000 : lin & ~0xfff) | (lin & 0xfff);
    const src = new Uint8Array(96).map((_, i) => (i * 37) & 0xff);
    const run = (useBlocks: boolean) => {
      const { cpu, mem } = makeCpu();
      const pd = 0x100000, pt = 0x101000;
      mem.view.setUint32(pd, pt | 3, true);
      for (let p = 0; p < 1024; p++) mem.view.setUint32(pt + p * 4, phys(p << 12) | 3, true);
      load(mem, CODE, program);
      for (let i = 0; i < 96; i++) mem.bytes[phys(0x8fc0 + i)] = src[i];
      flat32(cpu, CODE, 0x6000);
      cpu.cr3 = pd;
      cpu.cr0 |= 0x80000000;
      cpu.updateMode();
      cpu.flushTlb(false);
      cpu.regs[1] = 90;
      cpu.regs[6] = 0x8fc0;
      cpu.useBlocks = useBlocks;
      cpu.run(100_000);
      return cpu;
    };
    const ref = run(false), jit = run(true);
    // Independent recomputation: store j writes dword(0x8fc0+j) + (90-j) at linear 0x18fc0+j; later
    // stores overwrite all but its low byte, and the last one is whole.
    const dv = new DataView(src.buffer);
    const want = (j: number) => (dv.getUint32(j, true) + 90 - j) >>> 0;
    const byteAt = (lin: number) => jit.mem.bytes[phys(lin)];
    for (let j = 0; j < 90; j++) expect(byteAt(0x18fc0 + j)).toBe(want(j) & 0xff);
    const last = [0, 1, 2, 3].reduce((v, b) => v + byteAt(0x18fc0 + 89 + b) * 2 ** (8 * b), 0);
    expect(last).toBe(want(89));
    // EBX sums every loaded value; the frames behind linear pages 0x9 and 0x19 in the identity map were never touched.
    let sum = 0;
    for (let j = 0; j < 90; j++) sum = (sum + want(j)) >>> 0;
    expect(jit.regs[3] >>> 0).toBe(sum);
    expect(Array.from(jit.mem.bytes.subarray(0x9000, 0x9004))).toEqual([0, 0, 0, 0]);
    expect(Array.from(jit.mem.bytes.subarray(0x19000, 0x19004))).toEqual([0, 0, 0, 0]);
    expect(state(jit)).toEqual(state(ref));
  });

  it("a #PF in the middle of a compiled block → EIP and ESP of the faulting instruction, icount of the instructions before it", () => {
    // Paging on; the loop pushes and pops, then reads [esi] where ESI walks up into an unmapped page.
    const build = (useBlocks: boolean) => {
      const { cpu, mem } = makeCpu();
      const pd = 0x100000, pt = 0x101000;
      const w32 = (a: number, v: number) => { mem.bytes[a] = v & 0xff; mem.bytes[a + 1] = (v >> 8) & 0xff; mem.bytes[a + 2] = (v >> 16) & 0xff; mem.bytes[a + 3] = v >>> 24; };
      w32(pd, pt | 3);
      for (let i = 0; i < 0x20; i++) w32(pt + i * 4, (i << 12) | 3); // 0-0x1fffff... first 128 KiB mapped
      // 1000: push eax; add esi,0x400; mov eax,[esi]; pop ecx; inc edx; jmp 1000
      load(mem, CODE, [0x50, 0x81, 0xc6, 0x00, 0x04, 0x00, 0x00, 0x8b, 0x06, 0x59, 0x42, 0xeb, 0xf3]);
      // IDT at 0x3000 with a #PF gate to a HLT at 0x2000.
      load(mem, 0x2000, [0xf4]);
      const gate = (off: number) => [off & 0xff, off >> 8, 0x08, 0, 0, 0x8e, 0, 0];
      load(mem, 0x3000 + 14 * 8, gate(0x2000));
      // GDT at 0x4000: 0x08 flat code, 0x10 flat data.
      load(mem, 0x4008, [0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0]);
      flat32(cpu, CODE, 0x6000);
      cpu.gdtrBase = 0x4000; cpu.gdtrLimit = 0x17;
      cpu.idtrBase = 0x3000; cpu.idtrLimit = 0x7ff;
      cpu.cr3 = pd;
      cpu.cr0 |= 0x80000000;
      cpu.updateMode();
      cpu.flushTlb(false);
      cpu.useBlocks = useBlocks;
      cpu.run(10_000);
      return cpu;
    };
    const ref = build(false), jit = build(true);
    expect(ref.cr2 >>> 0).toBe(0x20000);
    expect(jit.cr2 >>> 0).toBe(ref.cr2 >>> 0);
    expect(state(jit)).toEqual(state(ref));
    // Stopped in the handler's HLT; the frame holds error code 0 (not present, read, supervisor),
    // the EIP of the MOV (0x1007) and CS; ESP before the fault was 0x5ffc (after the PUSH).
    expect(jit.eip).toBe(0x2001);
    const frame = Array.from(new Uint32Array(jit.mem.bytes.slice(jit.regs[4], jit.regs[4] + 16).buffer));
    expect(frame).toEqual([0, 0x1007, 0x08, frame[3]]);
    expect(jit.regs[4]).toBe(0x5ffc - 16);
  });
  it("a #DE from DIV after register-only instructions in a hot loop → EIP of the DIV, icount of the instructions before it", () => {
    // 1000: inc ebx; xor edx,edx; mov eax,100; div esi; dec esi; jmp 1000   (ESI = 20: the 21st DIV divides by 0)
    const build = (useBlocks: boolean) => {
      const { cpu, mem } = makeCpu();
      load(mem, CODE, [0x43, 0x31, 0xd2, 0xb8, 100, 0, 0, 0, 0xf7, 0xf6, 0x4e, 0xeb, 0xf3]);
      load(mem, 0x2000, [0xf4]);
      load(mem, 0x3000, [0x00, 0x20, 0x08, 0, 0, 0x8e, 0, 0]); // vector 0 → 08:2000
      load(mem, 0x4008, [0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0]);
      flat32(cpu, CODE, 0x6000);
      cpu.gdtrBase = 0x4000; cpu.gdtrLimit = 0x17;
      cpu.idtrBase = 0x3000; cpu.idtrLimit = 0x7ff;
      cpu.regs[6] = 20;
      cpu.useBlocks = useBlocks;
      cpu.run(10_000);
      return cpu;
    };
    const ref = build(false), jit = build(true);
    expect(jit.blocks.fn.some((f) => f !== undefined)).toBe(true);
    // 20 iterations of 6 instructions, then INC, XOR, MOV retire and the DIV faults; the HLT retires.
    expect(jit.icount).toBe(20 * 6 + 3 + 1);
    const frame = Array.from(new Uint32Array(jit.mem.bytes.slice(jit.regs[4], jit.regs[4] + 12).buffer));
    expect(frame.slice(0, 2)).toEqual([CODE + 8, 0x08]);
    expect(jit.regs[3]).toBe(21);
    expect(state(jit)).toEqual(state(ref));
  });

  it("PAUSE inside a hot block lowering the run limit (a timer now due) → the run stops right after it, as when interpreting", () => {
    // 1000: inc eax; pause; inc ebx; inc ecx; jmp 1000. The host makes every 10th PAUSE due a timer.
    const build = (useBlocks: boolean) => {
      const { cpu, mem, host } = makeCpu();
      load(mem, CODE, [0x40, 0xf3, 0x90, 0x43, 0x41, 0xeb, 0xf9]);
      flat32(cpu, CODE, 0x6000);
      let n = 0;
      (host as { pause?: (c: Cpu) => void }).pause = (c: Cpu) => { if (++n % 10 === 0) c.lowerRunLimit(c.icount); };
      cpu.useBlocks = useBlocks;
      const stops: number[] = [];
      for (let i = 0; i < 20; i++) { cpu.run(cpu.icount + 1000); stops.push(cpu.icount); }
      return { stops, cpu };
    };
    const ref = build(false), jit = build(true);
    expect(jit.cpu.blocks.fn.some((f) => f !== undefined)).toBe(true);
    // Each stop is just after a PAUSE: 2 instructions into an iteration (inc eax; pause).
    expect(ref.stops.every((k) => k % 5 === 2)).toBe(true);
    expect(jit.stops).toEqual(ref.stops);
  });
});

