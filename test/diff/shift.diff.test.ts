// Differential test against the host CPU: SHL SHR SAR (and the SAL spelling), ROL ROR RCL RCR by
// 1, by imm8 and by CL, SHLD SHRD by imm8 and CL, on registers and memory, 8/16/32-bit (SDM Vol.2
// "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD"). The count is known when the snippet is
// generated (CL is loaded right before), so the masks in masks.ts apply exactly.
// Cases: 700 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { CF, OF, doubleShiftUndef, rotateUndef, shiftUndef, shiftWrites } from "./masks.js";
import { dstOf, insn, Insn, memAddr, regsOf, SIZE_KW, width } from "./snippets.js";

const count = fc.oneof(fc.integer({ min: 0, max: 33 }), fc.integer({ min: 0, max: 255 }));
type Form = "1" | "imm" | "cl";
const form = fc.constantFrom<Form>("1", "imm", "cl");

/** Operand text for the count, and a prefix loading CL when the count is in CL. */
function countOperand(f: Form, c: number): { pre: string; op: string; c: number } {
  if (f === "1") return { pre: "", op: "1", c: 1 };
  if (f === "imm") return { pre: "", op: `${c}`, c };
  return { pre: "mov cl, " + c + "\n", op: "cl", c };
}

const target = (w: number) => fc.oneof(
  fc.constantFrom(...dstOf(w).filter((r) => !/^(e?cx|cl|ch)$/.test(r))),
  memAddr.map((m) => `${SIZE_KW[w]} [${m}]`),
);

const shifts: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("shl", "sal", "shr", "sar"), width, form, count).chain(([op, w, f, c]) =>
  target(w).map((t) => {
    const k = countOperand(f, c);
    const kind = op === "sal" ? "shl" : (op as "shl" | "shr" | "sar");
    return insn(`${k.pre}${op} ${t}, ${k.op}`, 0, shiftWrites(k.c), shiftUndef(kind, k.c, w));
  }));

const rotates: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("rol", "ror", "rcl", "rcr"), width, form, count).chain(([op, w, f, c]) =>
  target(w).map((t) => {
    const k = countOperand(f, c);
    const reads = op === "rcl" || op === "rcr" ? CF : 0;
    return insn(`${k.pre}${op} ${t}, ${k.op}`, reads, (k.c & 31) === 0 ? 0 : CF | OF, rotateUndef(k.c));
  }));

// Double shifts: 16-bit forms with a masked count above 16 have an undefined result; not generated.
const double: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("shld", "shrd"), fc.constantFrom(16, 32), fc.boolean(), count).chain(([op, w, cl, c0]) => {
  const c = w === 16 && (c0 & 31) > 16 ? c0 & 15 : c0;
  return fc.tuple(target(w), fc.constantFrom(...regsOf(w).filter((r) => !/^(e?cx)$/.test(r)))).map(([t, s]) =>
    insn(`${cl ? `mov cl, ${c}\n` : ""}${op} ${t}, ${s}, ${cl ? "cl" : c}`, 0, shiftWrites(c), doubleShiftUndef(c)));
});

describe("shifts and rotates vs the host CPU", () => {
  it("700 random snippets of SHL/SHR/SAR/ROL/ROR/RCL/RCR/SHLD/SHRD (1, imm, CL; reg, mem) → same results, defined flags", () => {
    const r = runGroup("shift", fc.oneof(shifts, rotates, double), { runs: 700 });
    expect(r.failure).toBe("");
  });
});
