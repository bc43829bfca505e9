// Differential test against the host CPU: ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT,
// in 8/16/32-bit forms with register, memory and immediate operands (SDM Vol.2 ch.3-4 pages of
// each). Cases: 600 × X86RR_DIFF_RUNS (see check.ts); seed fixed unless X86RR_DIFF_SEED is set.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { ARITH, CF, UNDEF } from "./masks.js";
import { dstOf, imm, insn, Insn, memAddr, regsOf, SIZE_KW, width } from "./snippets.js";

const ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const LOGIC = new Set(["or", "and", "xor", "test"]);

function aluInsn(op: string, dst: string, src: string): Insn {
  const reads = op === "adc" || op === "sbb" ? CF : 0;
  return insn(`${op} ${dst}, ${src}`, reads, ARITH, LOGIC.has(op) ? UNDEF.logic : 0);
}

const binary: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom(...ALU, "test"), width).chain(([op, w]) => {
  const kw = SIZE_KW[w];
  const dst = fc.constantFrom(...dstOf(w));
  const src = fc.constantFrom(...regsOf(w));
  const forms: fc.Arbitrary<Insn>[] = [
    fc.tuple(dst, src).map(([d, s]) => aluInsn(op, d, s)),
    fc.tuple(dst, imm(w)).map(([d, i]) => aluInsn(op, d, i)),
    fc.tuple(memAddr, src).map(([m, s]) => aluInsn(op, `[${m}]`, s)),
    fc.tuple(memAddr, imm(w)).map(([m, i]) => aluInsn(op, `${kw} [${m}]`, i)),
    fc.tuple(fc.constantFrom(...({ 8: ["al"], 16: ["ax"], 32: ["eax"] } as Record<number, string[]>)[w]), imm(w)).map(([d, i]) => aluInsn(op, d, i)),
  ];
  if (op !== "test") forms.push(fc.tuple(dst, memAddr).map(([d, m]) => aluInsn(op, d, `[${m}]`)));
  if (w !== 8 && op !== "test") {
    // Sign-extended imm8 form (83 /r ib), spelled explicitly.
    forms.push(fc.tuple(dst, fc.integer({ min: -128, max: 127 })).map(([d, i]) => aluInsn(op, d, `byte ${i}`)));
  }
  return fc.oneof(...forms);
});

// 82 /r ib: the undocumented-in-64-bit alias of 80 /r ib, valid in 32-bit code; nasm has no spelling.
const alias82: fc.Arbitrary<Insn> = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 255 }))
  .filter(([, rm]) => rm !== 7)
  .map(([op, rm, ib]) => {
    const i = aluInsn(ALU[op], "x", "y");
    return { ...i, asm: `db 0x82, 0x${(0xc0 | (op << 3) | rm).toString(16)}, 0x${ib.toString(16)} ; ${ALU[op]} ${["al", "cl", "dl", "bl", "ah", "ch", "dh"][rm]}, ${ib}` };
  });

const unary: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("inc", "dec", "neg", "not"), width).chain(([op, w]) => {
  const flags = op === "not" ? 0 : op === "neg" ? ARITH : ARITH & ~CF;
  return fc.oneof(
    fc.constantFrom(...dstOf(w)).map((d) => insn(`${op} ${d}`, 0, flags)),
    memAddr.map((m) => insn(`${op} ${SIZE_KW[w]} [${m}]`, 0, flags)),
  );
});

describe("ALU, INC/DEC/NEG/NOT vs the host CPU", () => {
  it("600 random snippets of ALU forms (8/16/32, reg/mem/imm, 82 alias) → same registers, defined flags, memory", () => {
    const r = runGroup("alu", fc.oneof({ weight: 6, arbitrary: binary }, { weight: 1, arbitrary: alias82 }, { weight: 3, arbitrary: unary }), { runs: 600 });
    expect(r.failure).toBe("");
  });
});
