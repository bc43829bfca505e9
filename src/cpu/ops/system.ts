// System instructions that talk to the machine: HLT, IN/OUT, and the always-#UD opcodes.
// The other privileged families live in the files imported here.

import type { Cpu } from "../cpu.js";
import { Exc, Reg } from "../constants.js";
import { Rec } from "../decoder.js";
import { raise } from "../fault.js";
import { checkIoPermission } from "../system/io.js";
import { setReg16, setReg8 } from "./operands.js";
import { defineOp } from "./registry.js";
import "./eflags-system.js";
import "./control-regs.js";
import "./msr.js";

defineOp("op_f4", (cpu: Cpu) => {
  if (cpu.cpl !== 0) raise(Exc.GP, 0);
  cpu.halted = true;
  cpu.poke();
});

// ---- IN / OUT (SDM Vol.2 IN, OUT): port from imm8 (E4-E7) or DX (EC-EF) ----

function inAL(cpu: Cpu, port: number): void {
  checkIoPermission(cpu, port, 1);
  setReg8(cpu, 0, cpu.host.ioIn(cpu, port, 1));
}
function inAX(cpu: Cpu, port: number): void {
  checkIoPermission(cpu, port, 2);
  setReg16(cpu, Reg.EAX, cpu.host.ioIn(cpu, port, 2));
}
function inEAX(cpu: Cpu, port: number): void {
  checkIoPermission(cpu, port, 4);
  cpu.regs[Reg.EAX] = cpu.host.ioIn(cpu, port, 4);
}
function outAL(cpu: Cpu, port: number): void {
  checkIoPermission(cpu, port, 1);
  cpu.host.ioOut(cpu, port, 1, cpu.regs[Reg.EAX] & 0xff);
}
function outAX(cpu: Cpu, port: number): void {
  checkIoPermission(cpu, port, 2);
  cpu.host.ioOut(cpu, port, 2, cpu.regs[Reg.EAX] & 0xffff);
}
function outEAX(cpu: Cpu, port: number): void {
  checkIoPermission(cpu, port, 4);
  cpu.host.ioOut(cpu, port, 4, cpu.regs[Reg.EAX]);
}

defineOp("op_e4", (cpu: Cpu, d: number) => inAL(cpu, cpu.dec[d + Rec.IMM]));
defineOp("op_e5", (cpu: Cpu, d: number) => inAX(cpu, cpu.dec[d + Rec.IMM]), (cpu: Cpu, d: number) => inEAX(cpu, cpu.dec[d + Rec.IMM]));
defineOp("op_e6", (cpu: Cpu, d: number) => outAL(cpu, cpu.dec[d + Rec.IMM]));
defineOp("op_e7", (cpu: Cpu, d: number) => outAX(cpu, cpu.dec[d + Rec.IMM]), (cpu: Cpu, d: number) => outEAX(cpu, cpu.dec[d + Rec.IMM]));
defineOp("op_ec", (cpu: Cpu) => inAL(cpu, cpu.regs[Reg.EDX] & 0xffff));
defineOp("op_ed", (cpu: Cpu) => inAX(cpu, cpu.regs[Reg.EDX] & 0xffff), (cpu: Cpu) => inEAX(cpu, cpu.regs[Reg.EDX] & 0xffff));
defineOp("op_ee", (cpu: Cpu) => outAL(cpu, cpu.regs[Reg.EDX] & 0xffff));
defineOp("op_ef", (cpu: Cpu) => outAX(cpu, cpu.regs[Reg.EDX] & 0xffff), (cpu: Cpu) => outEAX(cpu, cpu.regs[Reg.EDX] & 0xffff));

// ---- opcodes that are #UD by definition (SDM Vol.2 UD), and features this CPU lacks ----

const ud = (): void => raise(Exc.UD);
defineOp("op_0f_0b", ud); // UD2
defineOp("op_0f_b9", ud); // UD1
defineOp("op_0f_ff", ud); // UD0
defineOp("op_0f_aa", ud); // RSM: #UD outside system-management mode, and there is no SMM
defineOp("op_0f_01_1_r0", ud); // MONITOR: CPUID.1:ECX.MONITOR is not advertised
defineOp("op_0f_01_1_r1", ud); // MWAIT
