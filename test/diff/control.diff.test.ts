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

describe("branches and loops vs the host CPU", () => {
  it("500 random snippets of Jcc/JMP/LOOPcc/JECXZ/JCXZ branching forward → same path taken (registers, EIP, flags)", () => {
    const r = runGroup("control", fc.oneof(jcc, jmp, loop, jcxz, setCount, producer, producer), { runs: 500, maxLen: 6 });
    expect(r.failure).toBe("");
  });
});
