// Flag instructions (SDM Vol.2): CLC STC CMC CLD STD SAHF LAHF, and the undocumented SALC.
// CF may be lazy (flags.ts): taking it out of lzMask and writing the bit makes it eager while
// the other lazy flags stay lazy.

import type { Cpu } from "../cpu.js";
import { Eflags, Reg } from "../constants.js";
import { getCF, getEflags } from "../flags.js";
import { setReg8 } from "./operands.js";
import { defineOp } from "./registry.js";

function setCF(cpu: Cpu, cf: number): void {
  cpu.lzMask &= ~Eflags.CF;
  cpu.flags = (cpu.flags & ~Eflags.CF) | cf;
}

defineOp("op_f8", (cpu) => setCF(cpu, 0)); // clc
defineOp("op_f9", (cpu) => setCF(cpu, 1)); // stc
defineOp("op_f5", (cpu) => setCF(cpu, getCF(cpu) ^ 1)); // cmc
defineOp("op_fc", (cpu) => { cpu.flags &= ~Eflags.DF; }); // cld
defineOp("op_fd", (cpu) => { cpu.flags |= Eflags.DF; }); // std

/** The EFLAGS bits SAHF loads from AH and LAHF stores (SF ZF AF PF CF). */
const AH_FLAGS = Eflags.SF | Eflags.ZF | Eflags.AF | Eflags.PF | Eflags.CF;

// 9E sahf: OF is unchanged. 9F lahf: AH ← SF:ZF:0:AF:0:PF:1:CF.
defineOp("op_9e", (cpu) => {
  const f = getEflags(cpu);
  cpu.flags = (f & ~AH_FLAGS) | ((cpu.regs[Reg.EAX] >> 8) & AH_FLAGS);
  cpu.lzMask = 0;
});
defineOp("op_9f", (cpu) => {
  setReg8(cpu, 4, (getEflags(cpu) & AH_FLAGS) | Eflags.FIXED1);
});

// D6 salc: AL ← CF ? FFh : 00h, flags unchanged.
defineOp("op_d6", (cpu) => setReg8(cpu, Reg.EAX, getCF(cpu) ? 0xff : 0));
