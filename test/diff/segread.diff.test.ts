// Differential test against the host CPU: reading segment registers — MOV r16/r32, Sreg (32-bit
// destinations zero-extended on P6 and later, SDM Vol.2 "MOV"), MOV m16, Sreg, PUSH Sreg (into a
// slot zeroed first: a 32-bit PUSH Sreg writes either 2 or 4 bytes by implementation, SDM Vol.2
// "PUSH"), with the selectors of a 32-bit Linux process (emu.ts sets the same ones).
// Cases: 200 × X86RR_DIFF_RUNS (see check.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGroup } from "./check.js";
import { DST16, DST32, insn, Insn, memAddr } from "./snippets.js";

const SREG = ["es", "cs", "ss", "ds", "fs", "gs"];
const segread: fc.Arbitrary<Insn> = fc.constantFrom(...SREG).chain((s) => fc.oneof(
  fc.constantFrom(...DST32, ...DST16).map((r) => insn(`mov ${r}, ${s}`, 0, 0)),
  memAddr.map((m) => insn(`mov [${m}], ${s}`, 0, 0)),
  fc.boolean().map((o16) => insn(`mov dword [esp-4], 0\n${o16 ? "o16 " : ""}push ${s}\npop ${o16 ? "ax" : "eax"}`, 0, 0)),
));

describe("segment register reads vs the host CPU", () => {
  it("200 random snippets of MOV r/m,Sreg and PUSH Sreg → same selector values, zero-extension and stack bytes", () => {
    const r = runGroup("segread", segread, { runs: 200, maxLen: 4 });
    expect(r.failure).toBe("");
  });
});
