// Differential test against the host CPU: MOV, MOVZX, MOVSX, XCHG, LEA (32-bit and 67-prefixed
// 16-bit addressing), CBW CWDE CWD CDQ, BSWAP, CMPXCHG, CMPXCHG8B, XADD (with and without LOCK),
// LAHF SAHF CLC STC CMC CLD STD, XLATB (SDM Vol.2 pages of each). LEA covers every ModRM/SIB
// shape: base+index*scale+disp32, no base, ESP and EBP bases, disp32 only.
// Cases: 700 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { AF, ARITH, CF, DF, PF, SF, ZF } from "./masks.js";
import { DST16, DST32, DST8, dstOf, imm, insn, Insn, memAddr, regsOf, SIZE_KW, width } from "./snippets.js";

const mov: fc.Arbitrary<Insn> = width.chain((w) => fc.oneof(
  fc.tuple(fc.constantFrom(...dstOf(w)), fc.constantFrom(...regsOf(w))).map(([d, s]) => insn(`mov ${d}, ${s}`, 0, 0)),
  fc.tuple(fc.constantFrom(...dstOf(w)), memAddr).map(([d, m]) => insn(`mov ${d}, [${m}]`, 0, 0)),
  fc.tuple(memAddr, fc.constantFrom(...regsOf(w))).map(([m, s]) => insn(`mov [${m}], ${s}`, 0, 0)),
  fc.tuple(memAddr, imm(w)).map(([m, i]) => insn(`mov ${SIZE_KW[w]} [${m}], ${i}`, 0, 0)),
  fc.tuple(fc.constantFrom(...dstOf(w)), imm(w)).map(([d, i]) => insn(`mov ${d}, ${i}`, 0, 0)),
));

const movx: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("movzx", "movsx"), fc.constantFrom<[number, number]>([16, 8], [32, 8], [32, 16])).chain(([op, [dw, sw]]) => fc.oneof(
  fc.tuple(fc.constantFrom(...dstOf(dw)), fc.constantFrom(...regsOf(sw))).map(([d, s]) => insn(`${op} ${d}, ${s}`, 0, 0)),
  fc.tuple(fc.constantFrom(...dstOf(dw)), memAddr).map(([d, m]) => insn(`${op} ${d}, ${SIZE_KW[sw]} [${m}]`, 0, 0)),
));

const xchg: fc.Arbitrary<Insn> = width.chain((w) => fc.oneof(
  fc.tuple(fc.constantFrom(...dstOf(w)), fc.constantFrom(...dstOf(w))).map(([d, s]) => insn(`xchg ${d}, ${s}`, 0, 0)),
  fc.tuple(fc.constantFrom(...dstOf(w)), memAddr).map(([d, m]) => insn(`xchg [${m}], ${d}`, 0, 0)),
));

const B16 = ["bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"];
const lea: fc.Arbitrary<Insn> = fc.oneof(
  fc.tuple(fc.constantFrom(...DST32), fc.constantFrom("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"), fc.constantFrom("eax", "ecx", "edx", "ebx", "ebp", "esi", "edi"), fc.constantFrom(1, 2, 4, 8), fc.integer({ min: -0x80000000, max: 0x7fffffff }))
    .map(([d, b, i, s, disp]) => insn(`lea ${d}, [${b}+${i}*${s}${disp < 0 ? "-" : "+"}${Math.abs(disp)}]`, 0, 0)),
  fc.tuple(fc.constantFrom(...DST16, ...DST32), fc.constantFrom(...B16), fc.integer({ min: -0x8000, max: 0xffff }))
    .map(([d, b, disp]) => insn(`a16 lea ${d}, [${b}${disp < 0 ? "-" : "+"}${Math.abs(disp)}]`, 0, 0)),
  fc.tuple(fc.constantFrom(...DST16, ...DST32), fc.integer({ min: 0, max: 0xffff })).map(([d, a]) => insn(`a16 lea ${d}, [${a}]`, 0, 0)),
  // SIB without a base (index*scale + disp32), ESP as base, EBP with a zero disp8, bare disp32.
  fc.tuple(fc.constantFrom(...DST16, ...DST32), fc.constantFrom("eax", "ecx", "edx", "ebx", "ebp", "esi", "edi"), fc.constantFrom(1, 2, 4, 8), fc.integer({ min: -0x80000000, max: 0x7fffffff }))
    .map(([d, i, s, disp]) => insn(`lea ${d}, [${i}*${s}${disp < 0 ? "-" : "+"}${Math.abs(disp)}]`, 0, 0)),
  fc.tuple(fc.constantFrom(...DST32), fc.constantFrom("[esp]", "[esp+4]", "[ebp]", "[esp+eax*2]", "[dword 0x12345678]", "[ebp*1]", "[eax+eax]")).map(([d, m]) => insn(`lea ${d}, ${m}`, 0, 0)),
);

const conv: fc.Arbitrary<Insn> = fc.constantFrom("cbw", "cwde", "cwd", "cdq").map((op) => insn(op, 0, 0));
const bswap: fc.Arbitrary<Insn> = fc.constantFrom(...DST32).map((r) => insn(`bswap ${r}`, 0, 0));

const atomic: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("cmpxchg", "xadd"), width, fc.boolean()).chain(([op, w, lock]) => fc.oneof(
  fc.tuple(fc.constantFrom(...dstOf(w)), fc.constantFrom(...dstOf(w))).map(([d, s]) => insn(`${op} ${d}, ${s}`, 0, ARITH)),
  fc.tuple(memAddr, fc.constantFrom(...(w === 8 ? DST8 : w === 16 ? DST16 : DST32))).map(([m, s]) => insn(`${lock ? "lock " : ""}${op} [${m}], ${s}`, 0, ARITH)),
  // Make CMPXCHG's comparison succeed sometimes: copy the memory operand into the accumulator.
  fc.tuple(memAddr, fc.constantFrom(...(w === 8 ? DST8 : w === 16 ? DST16 : DST32))).map(([m, s]) =>
    insn(`mov ${w === 8 ? "al" : w === 16 ? "ax" : "eax"}, [${m}]\n${lock ? "lock " : ""}${op} [${m}], ${s}`, 0, ARITH)),
));

const cx8: fc.Arbitrary<Insn> = fc.tuple(memAddr, fc.boolean(), fc.boolean()).map(([m, lock, equal]) =>
  insn(`${equal ? `mov eax, [${m}]\nmov edx, [${m}+4]\n` : ""}${lock ? "lock " : ""}cmpxchg8b [${m}]`, 0, ZF));

const flagops: fc.Arbitrary<Insn> = fc.oneof(
  fc.constant(insn("lahf", SF | ZF | AF | PF | CF, 0)),
  fc.constant(insn("sahf", 0, SF | ZF | AF | PF | CF)),
  fc.constant(insn("clc", 0, CF)), fc.constant(insn("stc", 0, CF)), fc.constant(insn("cmc", CF, CF)),
  fc.constant(insn("cld", 0, DF)), fc.constant(insn("std", 0, DF)),
  fc.integer({ min: 0, max: 255 }).map((v) => insn(`mov ah, ${v}\nsahf`, 0, SF | ZF | AF | PF | CF)),
);

// XLATB reads [EBX + AL]; EBX points into the scratch page.
const xlat: fc.Arbitrary<Insn> = fc.constant(insn("xlatb", 0, 0));

describe("data movement, exchange and flag instructions vs the host CPU", () => {
  it("700 random snippets of MOV/MOVZX/MOVSX/XCHG/LEA/CBW../BSWAP/CMPXCHG/CMPXCHG8B/XADD/LAHF/SAHF/CLC.. → same registers, flags, memory", () => {
    const r = runGroup("datamove", fc.oneof(mov, movx, xchg, lea, conv, bswap, atomic, cx8, flagops, xlat), { runs: 700, maxLen: 5 });
    expect(r.failure).toBe("");
  });
});
