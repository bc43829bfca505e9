// Near control transfer: JMP, Jcc, CALL, RET, LOOP, JCXZ.

import type { Cpu } from "../cpu.js";
import { D_IMM } from "../decoder.js";
import { defineOp } from "./registry.js";

/** EIP += displacement, wrapped to 16 bits for 16-bit operand size. */
function jumpRel16(cpu: Cpu, d: number): void { cpu.eip = (cpu.eip + cpu.dec[d + D_IMM]) & 0xffff; }
function jumpRel32(cpu: Cpu, d: number): void { cpu.eip = (cpu.eip + cpu.dec[d + D_IMM]) | 0; }

defineOp("op_eb", jumpRel16, jumpRel32);
defineOp("op_e9", jumpRel16, jumpRel32);
