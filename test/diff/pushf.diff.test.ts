// Differential test against the host CPU: PUSHF/PUSHFD/POPF/POPFD (SDM Vol.2 "PUSHF", "POPF")
// with the arithmetic flags and DF only: the runner runs at CPL 3 and the emulator at CPL 0, so
// IF/IOPL/AC/TF/ID would differ by privilege, not by emulation.
// Cases: 300 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { ARITH, COMPARED, UNDEF } from "./masks.js";
import { insn, Insn } from "./snippets.js";

// POPF images carry only compared bits plus IF=1 (IF cannot change at CPL 3 with IOPL 0), so the
// privilege-dependent bits never differ.
const flags: fc.Arbitrary<Insn> = fc.oneof(
  fc.constant(insn("pushfd\npop eax", COMPARED, 0)),
  fc.constant(insn("pushfw\npop ax", COMPARED, 0)),
  fc.integer({ min: 0, max: COMPARED }).map((v) => insn(`push dword ${(v & COMPARED) | 0x202}\npopfd`, 0, ARITH)),
  fc.integer({ min: 0, max: COMPARED }).map((v) => insn(`push word ${(v & COMPARED) | 0x202}\npopfw`, 0, ARITH)),
);
const producer: fc.Arbitrary<Insn> = fc.tuple(fc.constantFrom("add", "sub", "xor", "sbb"), fc.constantFrom("eax", "edx"), fc.constantFrom("ecx", "esi", "edi"))
  .map(([op, d, s]) => insn(`${op} ${d}, ${s}`, op === "sbb" ? ARITH : 0, ARITH, op === "xor" ? UNDEF.logic : 0));

describe("PUSHF/POPF vs the host CPU", () => {
  it("300 random snippets of PUSHF(D)/POPF(D) after arithmetic → same pushed images and loaded flags", () => {
    const r = runGroup("pushf", fc.oneof(flags, producer), { runs: 300, maxLen: 5 });
    expect(r.failure).toBe("");
  });
});
