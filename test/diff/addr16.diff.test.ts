// Differential test against the host CPU: 16-bit addressing (67 prefix) in 32-bit code, through
// FS (the runner's LDT segment, base = scratch page, limit 0xFFFF; hostcpu.ts): every ModRM
// form [bx+si] [bx+di] [bp+si] [bp+di] [si] [di] [disp16] [bx] with disp8/disp16, offsets
// wrapping at 64 KiB, and register high halves ignored (SDM Vol.2 Table 2-1). Also 67-prefixed
// LODS with a FS override and REP (SI/CX as counters). Offsets past the scratch page fault (#PF)
// on both sides, past 0xFFFF (they cannot: they wrap). Cases: 500 × X86RR_DIFF_RUNS (check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { ARITH, CF, DF, UNDEF } from "./masks.js";
import { dstOf, imm, insn, Insn, regsOf, SIZE_KW, width } from "./snippets.js";

const BASES = ["bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"];
const addr16 = fc.oneof(
  fc.constantFrom(...BASES.filter((b) => b !== "bp")),
  fc.tuple(fc.constantFrom(...BASES), fc.integer({ min: -128, max: 127 })).map(([b, d]) => `${b}${d < 0 ? "-" : "+"}${Math.abs(d)}`),
  fc.tuple(fc.constantFrom(...BASES), fc.oneof(fc.integer({ min: 0, max: 0x7ff }), fc.integer({ min: 0xf000, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })))
    .map(([b, d]) => `word ${b}+${d}`),
  fc.integer({ min: 0, max: 0xfff }).map((d) => `word ${d}`),
);
const mem = (w: number) => addr16.map((a) => `${SIZE_KW[w]} [fs:${a}]`);
// nasm spells a forced disp16 as [fs:word bx+si+d].
const LOGIC = new Set(["or", "and", "xor"]);
// Destinations that leave BX BP SI DI (the address registers) alone.
const dst = (w: number) => dstOf(w).filter((r) => !/^(e?si|e?di|bl)$/.test(r));

const alu: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"), width).chain(([op, w]) => {
  const f = (s: string) => insn(`a16 ${s}`, op === "adc" || op === "sbb" ? CF : 0, ARITH, LOGIC.has(op) ? UNDEF.logic : 0);
  return fc.oneof(
    fc.tuple(mem(w), fc.constantFrom(...regsOf(w))).map(([m, r]) => f(`${op} ${m}, ${r}`)),
    fc.tuple(fc.constantFrom(...dst(w)), mem(w)).map(([r, m]) => f(`${op} ${r}, ${m}`)),
    fc.tuple(mem(w), imm(w)).map(([m, i]) => f(`${op} ${m}, ${i}`)),
  );
});
const movs: fc.Arbitrary<Insn> = width.chain((w) => fc.oneof(
  fc.tuple(fc.constantFrom(...dst(w)), mem(w)).map(([r, m]) => insn(`a16 mov ${r}, ${m}`, 0, 0)),
  fc.tuple(mem(w), fc.constantFrom(...regsOf(w))).map(([m, r]) => insn(`a16 mov ${m}, ${r}`, 0, 0)),
  fc.tuple(fc.constantFrom("inc", "dec", "not", "neg"), mem(w)).map(([op, m]) => insn(`a16 ${op} ${m}`, 0, op === "not" ? 0 : op === "neg" ? ARITH : ARITH & ~CF)),
  fc.tuple(fc.constantFrom("movzx", "movsx"), fc.constantFrom("eax", "ecx", "edx"), addr16).map(([op, r, a]) => insn(`a16 ${op} ${r}, byte [fs:${a}]`, 0, 0)),
));
// XLAT with 16-bit addressing reads FS:[BX + AL] (a16, FS override).
const xlat: fc.Arbitrary<Insn> = fc.constant(insn("a16 fs xlatb", 0, 0));
const lods: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("b", "w", "d"), fc.boolean(), fc.boolean())
  .map(([s, rep, std]) => insn(`${std ? "std" : "cld"}\n${rep ? "rep " : ""}a16 fs lods${s}`, 0, DF));

// Address registers: small low halves (often near 0xFFFF to wrap), random high halves.
const addrReg = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0x80, max: 0x6ff }) }, { weight: 1, arbitrary: fc.integer({ min: 0xf800, max: 0xffff }) }))
  .map(([hi, lo]) => ((hi << 16) | lo) >>> 0);

describe("16-bit addressing (67 prefix) vs the host CPU", () => {
  it("500 random snippets of ALU/MOV/INC../MOVZX with [bx+si+disp]-style operands through FS, and a16 REP LODS → same results and faults", () => {
    const r = runGroup("addr16", fc.oneof(alu, movs, lods, xlat), {
      runs: 500, maxLen: 3,
      regs: { 1: fc.integer({ min: 0, max: 40 }).map((n) => (0xabcd0000 | n) >>> 0), 3: addrReg, 5: addrReg, 6: addrReg, 7: addrReg },
    });
    expect(r.failure).toBe("");
  });
});
