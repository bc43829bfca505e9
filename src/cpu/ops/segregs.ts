// Segment-register instructions: MOV Sw,Ew / MOV Ew,Sw, PUSH/POP of segment registers, and
// LDS LES LSS LFS LGS (SDM Vol.2 MOV, PUSH, POP, LDS/LES/LFS/LGS/LSS).

import type { Cpu } from "../cpu.js";
import { Exc, Seg } from "../constants.js";
import { eaOffset, eaSeg, Rec } from "../decoder.js";
import { raise } from "../fault.js";
import { read16, read32, write16 } from "../mmu.js";
import { pop16, pop32, push16, push32 } from "../stack.js";
import { loadSegment } from "../system/segments.js";
import { readRm16, regField, setReg16 } from "./operands.js";
import { defineOp } from "./registry.js";

/** MOV SS and POP SS hold off interrupts (and single-step) for one instruction (SDM Vol.3 6.8.3). */
function inhibitAfterSsLoad(cpu: Cpu): void {
  cpu.inhibitIrq = true;
  cpu.poke();
}

// 8E mov Sw,Ew: CS or a reserved segment register number is #UD.
defineOp("op_8e", (cpu: Cpu, d: number) => {
  const seg = regField(cpu, d);
  if (seg === Seg.CS || seg > Seg.GS) raise(Exc.UD);
  loadSegment(cpu, seg, readRm16(cpu, d));
  if (seg === Seg.SS) inhibitAfterSsLoad(cpu);
});

// 8C mov Ew,Sw: memory gets 16 bits; a register with 32-bit operand size gets the selector
// zero-extended (SDM Vol.2 MOV, "MOV r16/r32/m16, Sreg").
function movFromSreg(cpu: Cpu, d: number, op32: boolean): void {
  const seg = regField(cpu, d);
  if (seg > Seg.GS) raise(Exc.UD);
  const v = cpu.segSel[seg];
  const m = cpu.dec[d + Rec.MODRM];
  if (m < 0xc0) write16(cpu, eaSeg(cpu, d), eaOffset(cpu, d), v);
  else if (op32) cpu.regs[m & 7] = v;
  else setReg16(cpu, m & 7, v);
}
defineOp("op_8c", (cpu: Cpu, d: number) => movFromSreg(cpu, d, false), (cpu: Cpu, d: number) => movFromSreg(cpu, d, true));

// PUSH Sreg: a 32-bit push stores the selector zero-extended.
// POP Sreg: the value is read, then the segment loaded; a failed load leaves ESP as it was.
const PUSH_POP: Array<[string, string | null, number]> = [
  ["op_06", "op_07", Seg.ES], ["op_0e", null, Seg.CS], ["op_16", "op_17", Seg.SS], ["op_1e", "op_1f", Seg.DS],
  ["op_0f_a0", "op_0f_a1", Seg.FS], ["op_0f_a8", "op_0f_a9", Seg.GS],
];
for (const [push, pop, seg] of PUSH_POP) {
  defineOp(push, (cpu: Cpu) => push16(cpu, cpu.segSel[seg]), (cpu: Cpu) => push32(cpu, cpu.segSel[seg]));
  if (pop === null) continue;
  defineOp(pop,
    (cpu: Cpu) => { loadSegment(cpu, seg, pop16(cpu)); if (seg === Seg.SS) inhibitAfterSsLoad(cpu); },
    (cpu: Cpu) => { loadSegment(cpu, seg, pop32(cpu) & 0xffff); if (seg === Seg.SS) inhibitAfterSsLoad(cpu); });
}

// LxS Gv,Mp: offset then selector in memory; the register is written after the segment load.
const LXS: Array<[string, number]> = [["op_c4", Seg.ES], ["op_c5", Seg.DS], ["op_0f_b2", Seg.SS], ["op_0f_b4", Seg.FS], ["op_0f_b5", Seg.GS]];
for (const [name, seg] of LXS) {
  defineOp(name,
    (cpu: Cpu, d: number) => {
      const s = eaSeg(cpu, d), off = eaOffset(cpu, d);
      const v = read16(cpu, s, off);
      loadSegment(cpu, seg, read16(cpu, s, (off + 2) | 0));
      setReg16(cpu, regField(cpu, d), v);
    },
    (cpu: Cpu, d: number) => {
      const s = eaSeg(cpu, d), off = eaOffset(cpu, d);
      const v = read32(cpu, s, off);
      loadSegment(cpu, seg, read16(cpu, s, (off + 4) | 0));
      cpu.regs[regField(cpu, d)] = v;
    });
}
