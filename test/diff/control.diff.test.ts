// Differential test against the host CPU: Jcc (short and near, all 16 conditions), JMP short/near,
// LOOP/LOOPE/LOOPNE and JECXZ (ECX, and CX with the 67 prefix), all branching forward inside the
// snippet, after flag-producing arithmetic (SDM Vol.2 "Jcc", "JMP", "LOOP/LOOPcc", "JCXZ").
// Cases: 500 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { ARITH, CF, OF, PF, SF, UNDEF, ZF } from "./masks.js";
import { insn, Insn } from "./snippets.js";

const CC = ["o", "no", "b", "nb", "z", "nz", "be", "nbe", "s", "ns", "p", "np", "l", "nl", "le", "nle"];
const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];

// What a skipped-over block does, so taken and not-taken paths leave different states.
const body = fc.constantFrom("inc esi", "add edi, 0x1234", "not esi\ninc edi", "xor esi, edi");

const jcc: fc.Arbitrary<Insn> = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.boolean(), body)
  .map(([cc, near, b]) => insn(`j${CC[cc]} ${near ? "near" : "short"} %Lf\n${b}\n%Lf:`, CC_READS[cc], 0));
const jmp: fc.Arbitrary<Insn> = fc.tuple(fc.boolean(), body).map(([near, b]) => insn(`jmp ${near ? "near" : "short"} %Lf\n${b}\n%Lf:`, 0, 0));
const loop: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("loop", "loope", "loopne"), fc.constantFrom("ecx", "cx"), body)
  .map(([op, c, b]) => insn(`${op} %Lf, ${c}\n${b}\n%Lf:`, op === "loop" ? 0 : ZF, 0));
const jcxz: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("jecxz", "jcxz"), body).map(([op, b]) => insn(`${op} %Lf\n${b}\n%Lf:`, 0, 0));
// Counters near 0 and 0x10000 so LOOP/JCXZ see their edge cases.
const setCount: fc.Arbitrary<Insn> = fc.constantFrom(0, 1, 2, 0x10000, 0x10001, 0xffff).map((v) => insn(`mov ecx, ${v}`, 0, 0));
const producer: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("add", "sub", "cmp", "and", "test"), fc.constantFrom("eax", "edx"), fc.constantFrom("ecx", "esi", "edi", "eax"))
  .map(([op, d, s]) => insn(`${op} ${d}, ${s}`, 0, ARITH, op === "and" || op === "test" ? UNDEF.logic : 0));

// Operand-size prefixed branches in 32-bit code: the target EIP is truncated to 16 bits (SDM Vol.2
// "Jcc", "JMP", "CALL", "RET": "IF OperandSize = 16 THEN EIP ← EIP AND 0000FFFFH"), which lands
// below the runner's pages: #PF at the truncated address on both sides. Not-taken branches and
// zero-count loops fall through normally.
const o16: fc.Arbitrary<Insn> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 15 }), body).map(([cc, b]) => insn(`o16 j${CC[cc]} near %Lf\n${b}\n%Lf:`, CC_READS[cc], 0)),
  body.map((b) => insn(`o16 jmp near %Lf\n${b}\n%Lf:`, 0, 0)),
  fc.constantFrom("loop", "loope", "loopne").map((op) => insn(`db 0x66\n${op} %Lf\ninc esi\n%Lf:`, op === "loop" ? 0 : ZF, 0)),
  fc.constant(insn("o16 call %Lf\n%Lf:", 0, 0)),
  fc.integer({ min: 0, max: 0xffff }).map((v) => insn(`push word ${v}\no16 ret`, 0, 0)),
  fc.integer({ min: 0, max: 0xffff }).map((v) => insn(`push dword 0x${(0x110000 + (v & 0xff)).toString(16)}\no16 ret 4`, 0, 0)),
);

describe("branches and loops vs the host CPU", () => {
  it("300 operand-size-prefixed Jcc/JMP/LOOP/CALL/RET in 32-bit code → EIP truncated to 16 bits (#PF there), same as the host", () => {
    const r = runGroup("control-o16", fc.oneof(o16, setCount, producer), { runs: 300, maxLen: 4 });
    expect(r.failure).toBe("");
  });
  it("500 random snippets of Jcc/JMP/LOOPcc/JECXZ/JCXZ branching forward → same path taken (registers, EIP, flags)", () => {
    const r = runGroup("control", fc.oneof(jcc, jmp, loop, jcxz, setCount, producer, producer), { runs: 500, maxLen: 6 });
    expect(r.failure).toBe("");
  });
});
