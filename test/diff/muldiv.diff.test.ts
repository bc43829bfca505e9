// Differential test against the host CPU: MUL, IMUL (one-, two- and three-operand forms), DIV,
// IDIV including #DE for a zero divisor and for a quotient that does not fit (SDM Vol.2 "MUL",
// "IMUL", "DIV", "IDIV"). After MUL/IMUL SF ZF AF PF are undefined; after DIV/IDIV all six flags
// are (masks.ts). Cases: 600 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { ARITH, UNDEF } from "./masks.js";
import { dstOf, imm, insn, Insn, memAddr, regsOf, SIZE_KW, width } from "./snippets.js";

// Operands other than the implicit accumulator pair, so divisions see varied divisors.
const operand = (w: number) => fc.oneof(
  fc.constantFrom(...regsOf(w).filter((r) => !/^(e?sp|e?bp|bh|bl|e?bx)$/.test(r))),
  memAddr.map((m) => `${SIZE_KW[w]} [${m}]`),
);

const oneOp: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("mul", "imul"), width).chain(([op, w]) =>
  operand(w).map((o) => insn(`${op} ${o}`, 0, ARITH, UNDEF.mul)));

const imul23: fc.Arbitrary<Insn> = fc.constantFrom(16, 32).chain((w) => fc.oneof(
  fc.tuple(fc.constantFrom(...dstOf(w)), operand(w)).map(([d, s]) => insn(`imul ${d}, ${s}`, 0, ARITH, UNDEF.mul)),
  fc.tuple(fc.constantFrom(...dstOf(w)), operand(w), fc.integer({ min: -128, max: 127 })).map(([d, s, i]) => insn(`imul ${d}, ${s}, byte ${i}`, 0, ARITH, UNDEF.mul)),
  fc.tuple(fc.constantFrom(...dstOf(w)), operand(w), imm(w)).map(([d, s, i]) => insn(`imul ${d}, ${s}, ${w === 16 ? "word" : "dword"} ${i}`, 0, ARITH, UNDEF.mul)),
));

// Dividends: as generated (mostly overflowing → #DE), zero- or sign-extended (mostly in range).
const HIGH: Record<number, string> = { 8: "ah", 16: "dx", 32: "edx" };
const EXTEND: Record<number, string> = { 8: "cbw", 16: "cwd", 32: "cdq" };
const div: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("div", "idiv"), width, fc.constantFrom("as is", "zero", "sign")).chain(([op, w, ext]) =>
  operand(w).filter((o) => !(w === 8 ? /^(al|ah)$/ : /^(e?ax|e?dx)$/).test(o)).map((o) => {
    const pre = ext === "zero" ? `xor ${HIGH[w]}, ${HIGH[w]}\n` : ext === "sign" ? `${EXTEND[w]}\n` : "";
    return insn(`${pre}${op} ${o}`, 0, ARITH, UNDEF.div);
  }));

describe("MUL/IMUL/DIV/IDIV vs the host CPU", () => {
  it("600 random snippets (all forms, 8/16/32, reg/mem, #DE on zero divisor and overflow) → same results, defined flags, same fault", () => {
    const r = runGroup("muldiv", fc.oneof(oneOp, imul23, div, div), { runs: 600, maxLen: 3 });
    expect(r.failure).toBe("");
  });
});
