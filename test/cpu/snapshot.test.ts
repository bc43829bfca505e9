// CPU and x87 save/restore: a CPU restored from a snapshot (into a fresh CPU over a copy of the
// same memory) continues exactly as the original.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Cpu } from "../../src/cpu/cpu.js";
import { Reg } from "../../src/cpu/constants.js";
import { restoreCpu, saveCpu, StateShapeError, type CpuState } from "../../src/cpu/snapshot.js";
import { updateDebugState } from "../../src/cpu/system/debug.js";
import { flat32, load, makeCpu, runToHalt } from "./harness.js";

/** A fresh CPU over a copy of `cpu`'s memory, restored from `s`. */
function clone(cpu: Cpu, s: CpuState): Cpu {
  const b = makeCpu(cpu.mem.size).cpu;
  b.mem.bytes.set(cpu.mem.bytes);
  restoreCpu(b, s);
  return b;
}

function step(cpu: Cpu, n = 1): void {
  cpu.run(cpu.icount + n);
}

describe("CPU snapshot", () => {
  it("05 01 00 00 00 add eax,1 with eax=0xffffffff, snapshot with its flags still lazy; restored: 9c 5b pushfd/pop ebx → 0x57 (CF PF AF ZF + bit 1)", () => {
    const { cpu, mem } = makeCpu();
    load(mem, 0x1000, [0x05, 0x01, 0x00, 0x00, 0x00, 0x9c, 0x5b, 0xf4]);
    flat32(cpu, 0x1000);
    cpu.regs[Reg.EAX] = -1;
    step(cpu);
    const s = saveCpu(cpu);
    expect(s.lazyFlags.mask).not.toBe(0); // the flags really were pending
    expect(s.eflags).toBe(0x57);
    const b = clone(cpu, s);
    runToHalt(b);
    expect(b.regs[Reg.EBX]).toBe(0x57);
    expect(b.regs[Reg.EAX]).toBe(0);
  });

  it("x87: db 05 fild dword [a]=3, fild [b]=5, snapshot (TOP=6); restored: fmulp, fistp [c] → 15, fnstsw → TOP back to 0", () => {
    const { cpu, mem } = makeCpu();
    const code = [
      0xdb, 0x05, 0x00, 0x20, 0x00, 0x00, // fild dword [0x2000]
      0xdb, 0x05, 0x04, 0x20, 0x00, 0x00, // fild dword [0x2004]
      0xdf, 0xe0, // fnstsw ax
      0xde, 0xc9, // fmulp st1, st0
      0xdb, 0x1d, 0x08, 0x20, 0x00, 0x00, // fistp dword [0x2008]
      0x66, 0x89, 0xc3, // mov bx, ax
      0xdf, 0xe0, // fnstsw ax
      0xf4,
    ];
    load(mem, 0x1000, code);
    mem.view.setInt32(0x2000, 3, true);
    mem.view.setInt32(0x2004, 5, true);
    flat32(cpu, 0x1000);
    step(cpu, 3);
    expect(cpu.regs[Reg.EAX] & 0x3800).toBe(6 << 11); // SDM Vol.1 8.1.3: two pushes from TOP=0
    const s = saveCpu(cpu);
    expect(s.fpu.top).toBe(6);
    const b = clone(cpu, s);
    runToHalt(b);
    expect(b.mem.view.getInt32(0x2008, true)).toBe(15);
    expect(b.regs[Reg.EBX] & 0x3800).toBe(6 << 11);
    expect(b.regs[Reg.EAX] & 0x3800).toBe(0);
  });

  it("a protected-mode state restored into a CPU at reset (real mode): b8 78 56 34 12 decodes as mov eax,0x12345678 (32-bit code)", () => {
    const { cpu, mem } = makeCpu();
    load(mem, 0x1000, [0xb8, 0x78, 0x56, 0x34, 0x12, 0xf4]);
    flat32(cpu, 0x1000);
    const b = makeCpu().cpu;
    b.mem.bytes.set(mem.bytes);
    expect(b.code32).toBe(false);
    restoreCpu(b, saveCpu(cpu));
    expect(b.code32).toBe(true);
    runToHalt(b);
    expect(b.regs[Reg.EAX]).toBe(0x12345678);
    expect(b.eip).toBe(0x1006);
  });

  it("DR0 = 0x1001 execute breakpoint enabled in DR7: the restored CPU stops before 41 inc ecx with DR6.B0 set", () => {
    const { cpu, mem } = makeCpu();
    load(mem, 0x1000, [0x90, 0x41, 0xf4]);
    flat32(cpu, 0x1000);
    cpu.dr[0] = 0x1001;
    cpu.dr[7] = 0x401; // L0, R/W0 = 00 (execute), LEN0 = 00
    updateDebugState(cpu);
    const b = clone(cpu, saveCpu(cpu));
    expect(b.dbgExecLive).toBe(true);
    b.run(b.icount + 2); // nop retires; the #DB (no IDT here) ends in shutdown before inc ecx
    expect(b.regs[Reg.ECX]).toBe(0);
    expect(b.dr[6] & 1).toBe(1);
  });

  it("restore + run M = run straight through, for a loop of ALU/shift/mul/stack/x87/string code split at any N", () => {
    const prog = [
      0xb9, 0x00, 0x01, 0x00, 0x00, // mov ecx, 256
      0xbe, 0x00, 0x30, 0x00, 0x00, // mov esi, 0x3000
      0xbf, 0x00, 0x40, 0x00, 0x00, // mov edi, 0x4000
      0xd9, 0xe8, // fld1
      // loop:
      0x01, 0xc8, // add eax, ecx
      0x11, 0xc3, // adc ebx, eax
      0xd3, 0xc2, // rol edx, cl
      0x0f, 0xaf, 0xd3, // imul edx, ebx
      0x50, // push eax
      0x5d, // pop ebp
      0xd8, 0xc0, // fadd st0, st0
      0x51, // push ecx
      0xb9, 0x05, 0x00, 0x00, 0x00, // mov ecx, 5
      0xf3, 0xa5, // rep movsd
      0x59, // pop ecx
      0x39, 0xd0, // cmp eax, edx
      0xe2, 0xe6, // loop → add eax, ecx (rel8 -26)
      0xf4,
    ];
    fc.assert(
      fc.property(fc.nat({ max: 4000 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n, seedEax) => {
        const { cpu, mem } = makeCpu();
        load(mem, 0x1000, prog);
        flat32(cpu, 0x1000);
        cpu.regs[Reg.EAX] = seedEax;
        step(cpu, n);
        const b = clone(cpu, saveCpu(cpu));
        runToHalt(cpu);
        runToHalt(b);
        expect(saveCpu(b)).toEqual(saveCpu(cpu));
        expect(Buffer.compare(b.mem.bytes, cpu.mem.bytes)).toBe(0);
      }),
      { seed: 31, numRuns: 40 },
    );
  });

  it("a malformed state (exec.halted a number, fpu.physRegs short) → StateShapeError naming the field; the CPU is untouched", () => {
    const { cpu } = makeCpu();
    const before = saveCpu(cpu);
    const bad1 = structuredClone(before) as unknown as { exec: Record<string, unknown> };
    bad1.exec.halted = 1;
    expect(() => restoreCpu(cpu, bad1 as unknown as CpuState)).toThrow(StateShapeError);
    expect(() => restoreCpu(cpu, bad1 as unknown as CpuState)).toThrow(/cpu\.exec\.halted/);
    const bad2 = structuredClone(before);
    bad2.fpu.physRegs.pop();
    expect(() => restoreCpu(cpu, bad2)).toThrow(/cpu\.fpu\.physRegs/);
    expect(saveCpu(cpu)).toEqual(before);
  });
});
