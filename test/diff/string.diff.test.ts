// Differential test against the host CPU: MOVS CMPS STOS LODS SCAS in byte/word/dword forms,
// plain and with REP / REPE / REPNE, DF=0 and DF=1, over the scratch page (SDM Vol.2 "MOVS",
// "CMPS", "STOS", "LODS", "SCAS", "REP/REPE/REPZ/REPNE/REPNZ"). ESI/EDI start inside the page and
// ECX is small, so every access stays in it. Cases: 500 × X86RR_DIFF_RUNS (see check.ts).
// Not covered: 67-prefixed (SI/DI/CX) forms — 16-bit addresses cannot reach the runner's pages.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { ARITH, DF } from "./masks.js";
import { insn, Insn } from "./snippets.js";
import { SCRATCH_ADDR } from "./hostcpu.js";

const SUFFIX: Record<number, string> = { 8: "b", 16: "w", 32: "d" };
const strOp: fc.Arbitrary<Insn> = fc.tuple(
  fc.constantFrom("movs", "cmps", "stos", "lods", "scas"), fc.constantFrom(8, 16, 32),
  fc.constantFrom("", "rep ", "repe ", "repne "),
).map(([op, w, rep]) => {
  // nasm spells only REP for MOVS/STOS/LODS; F2 on them is emitted as a raw prefix byte.
  const cmp = op === "cmps" || op === "scas";
  const prefix = !cmp && rep === "repne " ? "db 0xf2\n" : !cmp && rep === "repe " ? "rep " : rep;
  return insn(`${prefix}${op}${SUFFIX[w]}`, DF, cmp ? ARITH : 0);
});

const dir: fc.Arbitrary<Insn> = fc.constantFrom("cld", "std").map((op) => insn(op, 0, DF));
// Equal runs make REPE/REPNE stop at varied points.
const seed: fc.Arbitrary<Insn> = fc.tuple(fc.integer({ min: 0, max: 0x7f0 }), fc.integer({ min: 0, max: 255 }))
  .map(([o, v]) => insn(`mov byte [${SCRATCH_ADDR + 0x400 + o}], ${v}`, 0, 0));

const ptr = fc.integer({ min: 0x200, max: 0xe00 }).map((o) => SCRATCH_ADDR + o);

// One pointer a few elements from either end of the scratch page, the other mid-page, so REP runs
// into an unmapped page part-way: the fault must leave ECX/ESI/EDI as the completed iterations
// left them (SDM Vol.2 "REP"). Only one operand can fault in an iteration: which of two faulting
// operands is reported first is implementation-specific (the AMD host checks ES:EDI first).
const nearEdge = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })).map(([top, k]) => (top ? SCRATCH_ADDR + 0x1000 - k : SCRATCH_ADDR + k));
const repOp: fc.Arbitrary<Insn> = fc.tuple(
  fc.constantFrom("movs", "cmps", "stos", "lods", "scas"), fc.constantFrom(8, 16, 32), fc.constantFrom("rep ", "repe ", "repne "),
  fc.boolean(), nearEdge, fc.boolean(),
).map(([op, w, rep, std, edge, edgeIsSi]) => {
    const cmp = op === "cmps" || op === "scas";
    const si = edgeIsSi ? edge : SCRATCH_ADDR + 0x800, di = edgeIsSi ? SCRATCH_ADDR + 0x800 : edge;
    return insn(`mov esi, 0x${si.toString(16)}\nmov edi, 0x${di.toString(16)}\n${std ? "std" : "cld"}\n${cmp ? rep : "rep "}${op}${SUFFIX[w]}`, 0, cmp ? ARITH | DF : DF);
  });

describe("string instructions vs the host CPU", () => {
  it("300 REP string snippets running into an unmapped page part-way → same #PF address and partially advanced ECX/ESI/EDI, same memory", () => {
    const r = runGroup("string-fault", repOp, {
      runs: 300, maxLen: 1,
      regs: { 1: fc.integer({ min: 0, max: 64 }) },
    });
    expect(r.failure).toBe("");
  });
  it("500 random snippets of MOVS/CMPS/STOS/LODS/SCAS with REP/REPE/REPNE and DF=0/1 → same registers, flags, memory", () => {
    const r = runGroup("string", fc.oneof({ weight: 5, arbitrary: strOp }, { weight: 2, arbitrary: dir }, { weight: 1, arbitrary: seed }), {
      runs: 500, maxLen: 4,
      regs: { 1: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 48 })), 6: ptr, 7: ptr },
    });
    expect(r.failure).toBe("");
  });
});
