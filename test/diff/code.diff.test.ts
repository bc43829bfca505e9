// Differential test against the host CPU: the code side. Instructions that run off the end of
// the code page (fetch #PF with CR2 = the first unmapped byte, whatever the instruction length
// and prefix count), and self-modifying code: stores into instructions ahead (including the very
// next one), a loop rewriting its own immediate each iteration, REP STOSB overwriting code ahead
// (SDM Vol.3 11.6 "Self-Modifying Code": x86 makes such stores visible to execution). This is
// what the decoded-instruction cache must get right. Cases: 300 + 300 × X86RR_DIFF_RUNS.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { ARITH, UNDEF } from "./masks.js";
import { insn, Insn } from "./snippets.js";

/** The runtime address of local label %L<x>, for use in memory operands. */
const at = (label: string, plus = 0) => `0x110000 + (${label} - %S) + ${plus}`;

// An instruction of `len` bytes (a run of prefixes before it where asked) starting `k` bytes
// before the page end, so k < len makes it straddle into the unmapped page.
const runOff: fc.Arbitrary<Insn> = fc.tuple(
  fc.integer({ min: 1, max: 12 }),
  fc.constantFrom<[string, number]>(
    ["mov eax, 0x12345678", 0], ["add dword [ebx+0x10], 0x12345678", 0], ["jmp near $+0x20", 0], ["nop", 0],
    ["imul eax, [ebx+0x40], 0x1234", UNDEF.mul], ["db 0x0f, 0xaf, 0x43, 0x10 ; imul eax,[ebx+16]", UNDEF.mul],
  ),
  fc.array(fc.constantFrom("0x3e", "0x26", "0x66"), { maxLength: 3 }),
).map(([k, [ins, undef], pre]) => insn(
  `jmp near %Lx\ntimes 4096 - ${k} - ($ - %S) nop\n%Lx:\n${pre.length ? `db ${pre.join(", ")}\n` : ""}${ins}`, 0, ARITH, undef));

const imm8 = fc.integer({ min: 0, max: 255 });
const smc: fc.Arbitrary<Insn> = fc.oneof(
  // Patch the immediate of an instruction further on.
  fc.tuple(imm8, imm8, fc.boolean()).map(([a, b, far]) => insn(
    `mov byte [${at("%Lt", 1)}], ${a}\n${far ? "inc esi\nadd edi, esi\n" : ""}%Lt: mov al, ${b}`, 0, 0)),
  // Turn INC EAX (40) into DEC EAX (48) or another one-byte opcode just before it runs.
  fc.constantFrom(0x48, 0x90, 0x41, 0x4e, 0xf8, 0xf9).map((op) => insn(
    `mov byte [${at("%Lt")}], 0x${op.toString(16)}\n%Lt: inc eax`, 0, ARITH & ~1)),
  // A loop that rewrites its own ADD immediate on every iteration.
  fc.tuple(fc.integer({ min: 1, max: 5 }), imm8).map(([n, step]) => insn(
    `mov ecx, ${n}\n%Ltop:\n%Lt: add eax, strict dword 0x11\nadd byte [${at("%Lt", 1)}], ${step}\nloop %Ltop`, 0, ARITH)),
  // REP STOSB overwriting the next instructions with NOPs (or INC EDX), up to instruction
  // boundaries (a partial overwrite can leave IN/OUT, privileged on the host only).
  fc.tuple(fc.constantFrom(0, 5, 10, 12, 17), fc.constantFrom(0x90, 0x42)).map(([n, fill]) => insn(
    `push edi\nmov edi, ${at("%Lt")}\nmov ecx, ${n}\nmov al, 0x${fill.toString(16)}\ncld\nrep stosb\npop edi\n%Lt: mov esi, 0x11111111\nmov edx, 0x22222222\nxor ebp, ebp\nmov esi, 0x33333333`, 0, ARITH, UNDEF.logic)),
  // Patch a branch displacement: the jump then skips a different number of INCs.
  fc.integer({ min: 0, max: 4 }).map((d) => insn(
    `mov byte [${at("%Lj", 1)}], ${d}\n%Lj: jmp short %Lj2\n%Lj2:\ninc esi\ninc esi\ninc esi\ninc esi`, 0, ARITH & ~1)),
);

describe("code fetch and self-modifying code vs the host CPU", () => {
  it("300 instructions ending past the code page (1-15 bytes, prefixes) → same #PF at the first unmapped byte, or same result when they fit", () => {
    const r = runGroup("code-fetch", runOff, { runs: 300, maxLen: 1 });
    expect(r.failure).toBe("");
  });
  it("300 self-modifying snippets (patched immediates, opcodes, branch displacements, a self-rewriting loop, REP STOSB over code) → same registers as the host", () => {
    const r = runGroup("smc", smc, { runs: 300, maxLen: 3 });
    expect(r.failure).toBe("");
  });
});
