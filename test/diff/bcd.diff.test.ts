// Differential test against the host CPU: DAA DAS AAA AAS AAM AAD (SDM Vol.2 pages of each),
// including AAM with base 0 (#DE) and non-decimal bases. AL/AH and AF/CF come in random.
// Undefined flags per masks.ts. Cases: 400 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { AF, ARITH, CF, UNDEF } from "./masks.js";
import { insn, Insn } from "./snippets.js";

const adjust: fc.Arbitrary<Insn> = fc.oneof(
  fc.constantFrom("daa", "das").map((op) => insn(op, AF | CF, ARITH, UNDEF.daa)),
  fc.constantFrom("aaa", "aas").map((op) => insn(op, AF, ARITH, UNDEF.aaa)),
  fc.tuple(fc.constantFrom("aam", "aad"), fc.oneof(fc.constant(10), fc.constant(0), fc.integer({ min: 0, max: 255 })))
    .map(([op, b]) => insn(b === 10 ? op : `${op} ${b}`, 0, ARITH, UNDEF.aam)),
);

// Packed-BCD arithmetic the adjustments are meant for, so AF/CF carry real meaning.
const arith: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("add", "sub", "adc", "sbb"), fc.integer({ min: 0, max: 255 }))
  .map(([op, v]) => insn(`${op} al, ${v}`, op === "adc" || op === "sbb" ? CF : 0, ARITH));
const loadAh: fc.Arbitrary<Insn> = fc.integer({ min: 0, max: 255 }).map((v) => insn(`mov ah, ${v}`, 0, 0));

describe("BCD adjustments vs the host CPU", () => {
  it("400 random snippets of DAA/DAS/AAA/AAS/AAM/AAD after BCD-style arithmetic → same AX, defined flags, #DE for AAM 0", () => {
    const r = runGroup("bcd", fc.oneof({ weight: 3, arbitrary: adjust }, { weight: 2, arbitrary: arith }, { weight: 1, arbitrary: loadAh }), { runs: 400, maxLen: 4 });
    expect(r.failure).toBe("");
  });
});
