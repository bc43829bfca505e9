// Differential test against the host CPU: PUSH/POP (registers, memory, immediates, 16-bit forms),
// PUSHA/PUSHAD/POPA/POPAD, ENTER (nesting levels 0-255) and LEAVE,
// near CALL/RET/RET imm16 (SDM Vol.2 pages of each). The stack page is dumped and compared.
// Cases: 500 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { DST16, DST32, imm, insn, Insn, memAddr, R16, R32 } from "./snippets.js";

const push: fc.Arbitrary<Insn> = fc.oneof(
  fc.constantFrom(...R32, ...R16).map((r) => insn(`push ${r}`, 0, 0)),
  fc.tuple(fc.constantFrom("dword", "word"), memAddr).map(([k, m]) => insn(`push ${k} [${m}]`, 0, 0)),
  fc.tuple(fc.constantFrom("dword", "word"), fc.boolean()).chain(([k, short]) =>
    (short ? fc.integer({ min: -128, max: 127 }).map((v) => `byte ${v}`) : imm(k === "word" ? 16 : 32)).map((v) => insn(`push ${k} ${v}`, 0, 0))),
);
const pop: fc.Arbitrary<Insn> = fc.oneof(
  fc.constantFrom(...DST32, ...DST16).map((r) => insn(`pop ${r}`, 0, 0)),
  fc.tuple(fc.constantFrom("dword", "word"), memAddr).map(([k, m]) => insn(`pop ${k} [${m}]`, 0, 0)),
);
const pusha: fc.Arbitrary<Insn> = fc.constantFrom(
  insn("pushad", 0, 0), insn("pushaw", 0, 0),
  // POPA of whatever the stack holds, then EBX/EBP reloaded as scratch pointers for what follows.
  insn("pushad\npopad", 0, 0), insn("pushaw\npopaw", 0, 0), insn("popad\nmov ebx, 0x120400\nmov ebp, 0x120500", 0, 0),
  insn("popaw\nmov ebx, 0x120400\nmov ebp, 0x120500", 0, 0),
);
// Nesting levels 0-31, and above 31 (the level is taken modulo 32).
const enter: fc.Arbitrary<Insn> = fc.tuple(fc.integer({ min: 0, max: 0x200 }), fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 5, max: 31 }), fc.integer({ min: 32, max: 255 })), fc.boolean(), fc.boolean())
  .map(([size, level, o16, leave]) => insn(`${o16 ? "o16 " : ""}enter ${size}, ${level}${leave ? `\n${o16 ? "o16 " : ""}leave` : ""}`, 0, 0));
const callret: fc.Arbitrary<Insn> = fc.oneof(
  fc.constant(insn("call %Lf\n%Lf:\npop eax", 0, 0)),
  fc.integer({ min: 0, max: 64 }).map((n) => insn(`call %Lf\njmp %Le\n%Lf:\nret ${n * 2}\n%Le:`, 0, 0)),
  fc.constant(insn("call %Lf\njmp %Le\n%Lf:\nret\n%Le:", 0, 0)),
  fc.constantFrom("eax", "ecx", "esi").map((r) => insn(`lea ${r}, [%Lf]\ncall ${r}\njmp %Le\n%Lf:\nret\n%Le:`, 0, 0)),
);

describe("stack instructions vs the host CPU", () => {
  it("500 random snippets of PUSH/POP/PUSHA/POPA/ENTER/LEAVE/CALL/RET → same registers, flags, stack page", () => {
    const r = runGroup("stack", fc.oneof(push, pop, pusha, enter, callret), { runs: 500, maxLen: 5 });
    expect(r.failure).toBe("");
  });
});
