// Protected-mode interrupt and exception delivery through the IDT (SDM Vol.3 6.10-6.14).

import type { Cpu } from "../cpu.js";
import { EmulatorBug } from "../fault.js";

export function deliverProtected(cpu: Cpu, vector: number, type: number, errorCode: number): void {
  void cpu; void type; void errorCode;
  throw new EmulatorBug(`protected-mode delivery of vector ${vector} is not written yet`);
}
