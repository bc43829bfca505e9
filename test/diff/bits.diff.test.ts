// Differential test against the host CPU: BT BTS BTR BTC (register and memory bit strings),
// BSF BSR (a zero source leaves the destination unchanged on both vendors: compared), SETcc,
// CMOVcc (SDM Vol.2 pages of each). Cases: 500 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { ARITH, CF, OF, PF, SF, UNDEF, ZF } from "./masks.js";
import { dstOf, DST8, insn, Insn, memAddr, regsOf, SIZE_KW } from "./snippets.js";

const CC = ["o", "no", "b", "nb", "z", "nz", "be", "nbe", "s", "ns", "p", "np", "l", "nl", "le", "nle"];
const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];
const w1632 = fc.constantFrom(16, 32);

const bt: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("bt", "bts", "btr", "btc"), w1632).chain(([op, w]) => {
  const flags = ARITH & ~ZF;
  return fc.oneof(
    fc.tuple(fc.constantFrom(...dstOf(w)), fc.constantFrom(...regsOf(w))).map(([d, s]) => insn(`${op} ${d}, ${s}`, 0, flags, UNDEF.bt)),
    fc.tuple(fc.constantFrom(...dstOf(w)), fc.integer({ min: 0, max: 255 })).map(([d, i]) => insn(`${op} ${d}, ${i}`, 0, flags, UNDEF.bt)),
    fc.tuple(memAddr, fc.integer({ min: 0, max: 255 })).map(([m, i]) => insn(`${op} ${SIZE_KW[w]} [${m}], ${i}`, 0, flags, UNDEF.bt)),
    // Register bit offset into a memory bit string: offset = signed value of the register; keep
    // the accessed byte in the scratch page by loading a bounded offset first.
    fc.tuple(memAddr, fc.integer({ min: -0x800, max: 0x7ff }), fc.constantFrom(...dstOf(w).filter((r) => r !== "ax" && r !== "eax")))
      .map(([m, off, r]) => insn(`mov ${r}, ${off}\n${op} [${m}], ${r}`, 0, flags, UNDEF.bt)),
  );
});

const bsf: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("bsf", "bsr"), w1632).chain(([op, w]) => fc.oneof(
  fc.tuple(fc.constantFrom(...dstOf(w)), fc.constantFrom(...regsOf(w))).map(([d, s]) => insn(`${op} ${d}, ${s}`, 0, ARITH, UNDEF.bsf)),
  fc.tuple(fc.constantFrom(...dstOf(w)), memAddr).map(([d, m]) => insn(`${op} ${d}, ${SIZE_KW[w]} [${m}]`, 0, ARITH, UNDEF.bsf)),
  // Zero source: ZF=1 and the destination keeps its value.
  fc.constantFrom(...dstOf(w)).map((d) => insn(`${op} ${d}, ${w === 16 ? "bp" : "ebp"}`, 0, ARITH, UNDEF.bsf)).map((i) => ({ ...i, asm: `push ebp\nxor ebp, ebp\n${i.asm}\npop ebp` })),
));

const setcc: fc.Arbitrary<Insn> = fc.integer({ min: 0, max: 15 }).chain((cc) => fc.oneof(
  fc.constantFrom(...DST8).map((d) => insn(`set${CC[cc]} ${d}`, CC_READS[cc], 0)),
  memAddr.map((m) => insn(`set${CC[cc]} byte [${m}]`, CC_READS[cc], 0)),
));

const cmov: fc.Arbitrary<Insn> = fc.tuple(fc.integer({ min: 0, max: 15 }), w1632).chain(([cc, w]) => fc.oneof(
  fc.tuple(fc.constantFrom(...dstOf(w)), fc.constantFrom(...regsOf(w))).map(([d, s]) => insn(`cmov${CC[cc]} ${d}, ${s}`, CC_READS[cc], 0)),
  fc.tuple(fc.constantFrom(...dstOf(w)), memAddr).map(([d, m]) => insn(`cmov${CC[cc]} ${d}, [${m}]`, CC_READS[cc], 0)),
));

// Flag producers so the condition codes see varied inputs.
const producer: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("add", "sub", "cmp", "and"), fc.constantFrom("eax", "ecx", "edx"), fc.constantFrom("esi", "edi", "eax"))
  .map(([op, d, s]) => insn(`${op} ${d}, ${s}`, 0, ARITH, op === "and" ? UNDEF.logic : 0));

describe("BT*/BSF/BSR/SETcc/CMOVcc vs the host CPU", () => {
  it("500 random snippets → same registers, defined flags, memory (BSF/BSR zero source: destination unchanged)", () => {
    const r = runGroup("bits", fc.oneof(bt, bsf, setcc, cmov, producer), { runs: 500, maxLen: 5 });
    expect(r.failure).toBe("");
  });
});
