// System instructions that talk to the machine: HLT.

import type { Cpu } from "../cpu.js";
import { EXC_GP } from "../constants.js";
import { raise } from "../fault.js";
import { defineOp } from "./registry.js";

defineOp("op_f4", (cpu: Cpu) => {
  if (cpu.cpl !== 0) raise(EXC_GP, 0);
  cpu.halted = true;
  cpu.poke();
});
