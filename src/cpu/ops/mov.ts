// Data movement: MOV in its register, memory and immediate forms.

import type { Cpu } from "../cpu.js";
import { D_IMM } from "../decoder.js";
import { setReg16, setReg8 } from "./operands.js";
import { defineOp } from "./registry.js";

for (let r = 0; r < 8; r++) {
  // B0+r mov Zb,Ib   B8+r mov Zv,Iv
  defineOp(`op_${(0xb0 + r).toString(16)}`, (cpu: Cpu, d: number) => { setReg8(cpu, r, cpu.dec[d + D_IMM]); });
  defineOp(`op_${(0xb8 + r).toString(16)}`,
    (cpu: Cpu, d: number) => { setReg16(cpu, r, cpu.dec[d + D_IMM]); },
    (cpu: Cpu, d: number) => { cpu.regs[r] = cpu.dec[d + D_IMM]; });
}
