// Decimal arithmetic adjusts (SDM Vol.2 DAA, DAS, AAA, AAS, AAM, AAD), in the SDM's pseudocode
// order. Flags are set eagerly.
//
// Flags the SDM leaves undefined, and what we do (P6-family behaviour as reported by
// hardware-validated emulators): SF ZF PF from the final AL for all six; OF = 0 for all six;
// AAM and AAD also CF = AF = 0.

import type { Cpu } from "../cpu.js";
import { Eflags, Exc, Reg } from "../constants.js";
import { Rec } from "../decoder.js";
import { raise } from "../fault.js";
import { getAF, getCF, PARITY, setArith } from "../flags.js";
import { setReg16, setReg8 } from "./operands.js";
import { defineOp } from "./registry.js";

/** Eager flags: SF ZF PF from al, plus `cfaf` (EFLAGS_CF and/or EFLAGS_AF); OF = 0. */
function setBcdFlags(cpu: Cpu, al: number, cfaf: number): void {
  setArith(cpu, cfaf | PARITY[al] | (al === 0 ? Eflags.ZF : 0) | (al & 0x80 ? Eflags.SF : 0));
}

// 27 daa
defineOp("op_27", (cpu) => {
  const oldAl = cpu.regs[Reg.EAX] & 0xff, oldCf = getCF(cpu);
  let al = oldAl, f = 0;
  if ((al & 0x0f) > 9 || getAF(cpu)) {
    if (oldCf !== 0 || al > 0xf9) f |= Eflags.CF;
    al = (al + 6) & 0xff;
    f |= Eflags.AF;
  }
  if (oldAl > 0x99 || oldCf !== 0) {
    al = (al + 0x60) & 0xff;
    f |= Eflags.CF;
  } else {
    f &= ~Eflags.CF;
  }
  setReg8(cpu, Reg.EAX, al);
  setBcdFlags(cpu, al, f);
});

// 2F das
defineOp("op_2f", (cpu) => {
  const oldAl = cpu.regs[Reg.EAX] & 0xff, oldCf = getCF(cpu);
  let al = oldAl, f = 0;
  if ((al & 0x0f) > 9 || getAF(cpu)) {
    if (oldCf !== 0 || al < 6) f |= Eflags.CF;
    al = (al - 6) & 0xff;
    f |= Eflags.AF;
  }
  if (oldAl > 0x99 || oldCf !== 0) {
    al = (al - 0x60) & 0xff;
    f |= Eflags.CF;
  }
  setReg8(cpu, Reg.EAX, al);
  setBcdFlags(cpu, al, f);
});

// 37 aaa: AX ← AX + 106H on adjust (the carry out of AL reaches AH), then AL ← AL AND 0FH
defineOp("op_37", (cpu) => {
  let ax = cpu.regs[Reg.EAX] & 0xffff, f = 0;
  if ((ax & 0x0f) > 9 || getAF(cpu)) {
    ax = (ax + 0x106) & 0xffff;
    f = Eflags.AF | Eflags.CF;
  }
  ax &= 0xff0f;
  setReg16(cpu, Reg.EAX, ax);
  setBcdFlags(cpu, ax & 0xff, f);
});

// 3F aas: AX ← AX - 6, AH ← AH - 1 on adjust, then AL ← AL AND 0FH
defineOp("op_3f", (cpu) => {
  let ax = cpu.regs[Reg.EAX] & 0xffff, f = 0;
  if ((ax & 0x0f) > 9 || getAF(cpu)) {
    ax = (ax - 0x106) & 0xffff;
    f = Eflags.AF | Eflags.CF;
  }
  ax &= 0xff0f;
  setReg16(cpu, Reg.EAX, ax);
  setBcdFlags(cpu, ax & 0xff, f);
});

// D4 ib aam: AH ← AL / imm8, AL ← AL mod imm8; #DE when imm8 = 0
defineOp("op_d4", (cpu, d) => {
  const base = cpu.dec[d + Rec.IMM];
  if (base === 0) raise(Exc.DE);
  const al = cpu.regs[Reg.EAX] & 0xff;
  const q = (al / base) | 0, r = al - q * base;
  setReg16(cpu, Reg.EAX, (q << 8) | r);
  setBcdFlags(cpu, r, 0);
});

// D5 ib aad: AL ← (AL + AH * imm8) AND FFH, AH ← 0
defineOp("op_d5", (cpu, d) => {
  const ax = cpu.regs[Reg.EAX];
  const al = ((ax & 0xff) + ((ax >> 8) & 0xff) * cpu.dec[d + Rec.IMM]) & 0xff;
  setReg16(cpu, Reg.EAX, al);
  setBcdFlags(cpu, al, 0);
});
