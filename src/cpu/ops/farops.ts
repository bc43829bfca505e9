// Far control transfer and software interrupts: JMP/CALL far, RETF, IRET, INT n, INT3, INTO,
// INT1, BOUND (SDM Vol.2; protected-mode behaviour in system/far.ts, iret.ts, idt.ts).

import type { Cpu } from "../cpu.js";
import { Eflags, Exc } from "../constants.js";
import { eaOffset, eaSeg, Rec } from "../decoder.js";
import { raise } from "../fault.js";
import { getOF } from "../flags.js";
import { read16, read32 } from "../mmu.js";
import { callFar, farPtr, jmpFar, readFarPointer, retFar } from "../system/far.js";
import { EV_ICEBP, EV_SOFT_EXC, EV_SOFT_INT, deliverSoftware } from "../system/interrupts.js";
import { iret } from "../system/iret.js";
import { regField } from "./operands.js";
import { defineOp } from "./registry.js";

// EA jmpf Ap / 9A callf Ap: offset (16 or 32 bits by operand size), then the selector.
defineOp("op_ea", (cpu: Cpu, d: number) => jmpFar(cpu, cpu.dec[d + Rec.IMM2], cpu.dec[d + Rec.IMM] & 0xffff),
  (cpu: Cpu, d: number) => jmpFar(cpu, cpu.dec[d + Rec.IMM2], cpu.dec[d + Rec.IMM]));
defineOp("op_9a", (cpu: Cpu, d: number) => callFar(cpu, cpu.dec[d + Rec.IMM2], cpu.dec[d + Rec.IMM] & 0xffff, false),
  (cpu: Cpu, d: number) => callFar(cpu, cpu.dec[d + Rec.IMM2], cpu.dec[d + Rec.IMM], true));

// FF /3 callf Mp, FF /5 jmpf Mp.
defineOp("op_ff_3",
  (cpu: Cpu, d: number) => { readFarPointer(cpu, eaSeg(cpu, d), eaOffset(cpu, d), false); callFar(cpu, farPtr[1], farPtr[0], false); },
  (cpu: Cpu, d: number) => { readFarPointer(cpu, eaSeg(cpu, d), eaOffset(cpu, d), true); callFar(cpu, farPtr[1], farPtr[0], true); });
defineOp("op_ff_5",
  (cpu: Cpu, d: number) => { readFarPointer(cpu, eaSeg(cpu, d), eaOffset(cpu, d), false); jmpFar(cpu, farPtr[1], farPtr[0]); },
  (cpu: Cpu, d: number) => { readFarPointer(cpu, eaSeg(cpu, d), eaOffset(cpu, d), true); jmpFar(cpu, farPtr[1], farPtr[0]); });

// CA retf Iw, CB retf.
defineOp("op_ca", (cpu: Cpu, d: number) => retFar(cpu, false, cpu.dec[d + Rec.IMM]), (cpu: Cpu, d: number) => retFar(cpu, true, cpu.dec[d + Rec.IMM]));
defineOp("op_cb", (cpu: Cpu) => retFar(cpu, false, 0), (cpu: Cpu) => retFar(cpu, true, 0));

// CF iret / iretd.
defineOp("op_cf", (cpu: Cpu) => iret(cpu, false), (cpu: Cpu) => iret(cpu, true));

// CD int Ib: IOPL-sensitive in virtual-8086 mode without VME (SDM Vol.3 20.3.1).
defineOp("op_cd", (cpu: Cpu, d: number) => {
  if ((cpu.flags & Eflags.VM) !== 0 && (cpu.flags & Eflags.IOPL) !== Eflags.IOPL) raise(Exc.GP, 0);
  deliverSoftware(cpu, cpu.dec[d + Rec.IMM], EV_SOFT_INT);
});
defineOp("op_cc", (cpu: Cpu) => deliverSoftware(cpu, 3, EV_SOFT_EXC));
defineOp("op_ce", (cpu: Cpu) => { if (getOF(cpu)) deliverSoftware(cpu, 4, EV_SOFT_EXC); });
defineOp("op_f1", (cpu: Cpu) => deliverSoftware(cpu, 1, EV_ICEBP));

// 62 bound Gv,Ma: signed lower and upper bounds at the operand; #BR when the index is outside.
defineOp("op_62",
  (cpu: Cpu, d: number) => {
    const s = eaSeg(cpu, d), off = eaOffset(cpu, d);
    const lo = (read16(cpu, s, off) << 16) >> 16, hi = (read16(cpu, s, (off + 2) | 0) << 16) >> 16;
    const idx = (cpu.regs[regField(cpu, d)] << 16) >> 16;
    if (idx < lo || idx > hi) raise(Exc.BR);
  },
  (cpu: Cpu, d: number) => {
    const s = eaSeg(cpu, d), off = eaOffset(cpu, d);
    const lo = read32(cpu, s, off), hi = read32(cpu, s, (off + 4) | 0);
    const idx = cpu.regs[regField(cpu, d)];
    if (idx < lo || idx > hi) raise(Exc.BR);
  });
