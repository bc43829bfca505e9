// Differential test against the host CPU: long mixed sequences of instructions that update the
// flags only in part, read them, or both — where lazy flag evaluation must merge a previous
// result's flags with new ones: INC/DEC (CF kept), rotates (SF ZF AF PF kept), BT* (ZF kept),
// SAHF (OF kept), CLC/STC/CMC, CMPXCHG8B (only ZF), ADC/SBB (read CF), SETcc/CMOVcc/Jcc/LAHF/
// PUSHFD/SALC (read), after ADD/SUB/logic/NEG/shift results. Undefined flags per masks.ts.
// Cases: 500 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { AF, ARITH, CF, COMPARED, OF, PF, SF, UNDEF, ZF, rotateUndef, shiftUndef } from "./masks.js";
import { insn, Insn } from "./snippets.js";

const CC = ["o", "no", "b", "nb", "z", "nz", "be", "nbe", "s", "ns", "p", "np", "l", "nl", "le", "nle"];
const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];
const R = fc.constantFrom("eax", "ecx", "edx", "esi", "edi");
const R8 = fc.constantFrom("al", "cl", "dl", "ah", "dh");

const producers: fc.Arbitrary<Insn> = fc.oneof(
  fc.tuple(fc.constantFrom("add", "sub", "cmp", "neg", "and", "or", "xor", "test"), R, R).map(([op, a, b]) =>
    insn(op === "neg" ? `neg ${a}` : `${op} ${a}, ${b}`, 0, ARITH, ["and", "or", "xor", "test"].includes(op) ? UNDEF.logic : 0)),
  fc.tuple(fc.constantFrom("add", "sub", "cmp"), R8, fc.integer({ min: 0, max: 255 })).map(([op, r, v]) => insn(`${op} ${r}, ${v}`, 0, ARITH)),
  fc.tuple(fc.constantFrom("shl", "shr", "sar"), R, fc.integer({ min: 1, max: 31 })).map(([op, r, c]) =>
    insn(`${op} ${r}, ${c}`, 0, ARITH, shiftUndef(op as "shl" | "shr" | "sar", c, 32))),
);
const partial: fc.Arbitrary<Insn> = fc.oneof(
  fc.tuple(fc.constantFrom("inc", "dec"), fc.oneof(R, R8)).map(([op, r]) => insn(`${op} ${r}`, 0, ARITH & ~CF)),
  fc.tuple(fc.constantFrom("rol", "ror", "rcl", "rcr"), fc.oneof(R, R8), fc.integer({ min: 0, max: 9 })).map(([op, r, c]) =>
    insn(`${op} ${r}, ${c}`, op.startsWith("rc") ? CF : 0, (c & 31) === 0 ? 0 : CF | OF, rotateUndef(c))),
  fc.tuple(fc.constantFrom("bt", "bts", "btr", "btc"), R, fc.integer({ min: 0, max: 31 })).map(([op, r, b]) => insn(`${op} ${r}, ${b}`, 0, ARITH & ~ZF, UNDEF.bt)),
  fc.constantFrom(insn("sahf", 0, SF | ZF | AF | PF | CF), insn("clc", 0, CF), insn("stc", 0, CF), insn("cmc", CF, CF)),
  fc.boolean().map((eq) => insn(`${eq ? "mov eax, [ebx]\nmov edx, [ebx+4]\n" : ""}cmpxchg8b [ebx]`, 0, ZF)),
  fc.tuple(fc.constantFrom("adc", "sbb"), R, R).map(([op, a, b]) => insn(`${op} ${a}, ${b}`, CF, ARITH)),
);
const readers: fc.Arbitrary<Insn> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 15 }), R8).map(([cc, r]) => insn(`set${CC[cc]} ${r}`, CC_READS[cc], 0)),
  fc.tuple(fc.integer({ min: 0, max: 15 }), R, R).map(([cc, a, b]) => insn(`cmov${CC[cc]} ${a}, ${b}`, CC_READS[cc], 0)),
  // The INC runs only when the branch is not taken: it must not count as defining the flags.
  fc.integer({ min: 0, max: 15 }).map((cc) => insn(`j${CC[cc]} %Lf\ninc esi\n%Lf:`, CC_READS[cc], 0)),
  fc.constantFrom(insn("lahf", SF | ZF | AF | PF | CF, 0), insn("pushfd\npop edi", COMPARED, 0), insn("db 0xd6 ; salc", CF, 0)),
);

describe("partial flag updates in mixed sequences vs the host CPU", () => {
  it("500 sequences of up to 10 producers, partial updaters and readers → same registers and defined flags", () => {
    const r = runGroup("flagmix", fc.oneof({ weight: 2, arbitrary: producers }, { weight: 3, arbitrary: partial }, { weight: 2, arbitrary: readers }), { runs: 500, maxLen: 10 });
    expect(r.failure).toBe("");
  });
});
