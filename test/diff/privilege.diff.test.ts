// Differential test against the host CPU at CPL 3 (the host process; emu.ts runs the emulator at
// CPL 3 too, with CR0.AM set as Linux does): privileged and IOPL-sensitive instructions raise
// #GP (SDM Vol.3 5.9, 20.2: CLI STI IN OUT INS OUTS HLT, MOV to/from CR/DR, LGDT LIDT LLDT LTR
// LMSW CLTS INVD WBINVD RDMSR WRMSR), POPF cannot change IF or IOPL at CPL 3 with IOPL 0 (SDM
// Vol.2 "POPF"), and with EFLAGS.AC set a misaligned data access raises #AC (SDM Vol.3 6.15,
// vector 17), including implicit stack accesses and string operands.
// Cases: 300 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { ARITH, COMPARED } from "./masks.js";
import { insn, Insn } from "./snippets.js";

const privileged: fc.Arbitrary<Insn> = fc.constantFrom(
  "cli", "sti", "hlt", "in al, 0x60", "out 0x80, al", "in eax, dx", "out dx, ax", "insb", "outsd",
  "mov eax, cr0", "mov cr3, eax", "mov eax, dr7", "lgdt [ebx]", "lidt [ebx]", "lldt ax", "ltr ax",
  "lmsw ax", "clts", "invd", "wbinvd", "rdmsr", "wrmsr", "invlpg [ebx]",
).map((i) => insn(i, 0, 0));

// POPF at CPL 3, IOPL 0: IF and IOPL keep their values whatever the image says.
const popf: fc.Arbitrary<Insn> = fc.integer({ min: 0, max: 0xffff }).map((v) => insn(`push dword 0x${(v & (COMPARED | 0x3200)).toString(16)}\npopfd\npushfd\npop eax`, 0, ARITH));

const SET_AC = "pushfd\nor dword [esp], 0x40000\npopfd";
const CLEAR_AC = "pushfd\nand dword [esp], ~0x40000\npopfd";
const misaligned: fc.Arbitrary<Insn> = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 7 }), fc.constantFrom(
  "mov eax, [ebx+%o]", "mov ax, [ebx+%o]", "mov [ebx+%o], ecx", "add dword [ebx+%o], 1", "movzx eax, word [ebx+%o]",
  "lea esi, [ebx+%o]\nlodsd", "lea edi, [ebx+%o]\nstosw", "push eax\nlea esp, [esp+%o]\npush eax\npop eax\nlea esp, [esp-%o]\npop eax",
  "cmpxchg8b [ebx+%o]", "mov al, [ebx+%o]",
)).map(([ac, off, tmpl]) => insn(`${ac ? SET_AC : ""}\n${tmpl.replaceAll("%o", String(off))}\n${ac ? CLEAR_AC : ""}`, 0, ARITH));

describe("privilege checks at CPL 3 vs the host CPU", () => {
  it("300 snippets: privileged/IOPL-sensitive instructions (#GP), POPF keeping IF/IOPL, misaligned accesses with AC=1 (#AC) → same signal, vector and state", () => {
    const r = runGroup("privilege", fc.oneof(privileged, popf, misaligned, misaligned), { runs: 300, maxLen: 2, regs: { 3: fc.constant(0x120400) } });
    expect(r.failure).toBe("");
  });
});
