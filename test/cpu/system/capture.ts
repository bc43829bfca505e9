// Shared by the system-instruction tests: a per-test record of protected-mode deliveries.
// Each test file mocks system/idt.js with `captureDelivery` (vi.mock must sit in the test file),
// so a fault in protected mode is noted with its vector, error code, EIP and CR2, and the CPU halts.

import type { Cpu } from "../../../src/cpu/cpu.js";

export interface Delivery { vector: number; errorCode: number; eip: number; cr2: number }

export function captureDelivery(seen: Delivery[]) {
  return (cpu: Cpu, vector: number, _type: number, errorCode: number): void => {
    seen.push({ vector, errorCode, eip: cpu.eip, cr2: cpu.cr2 });
    cpu.halted = true;
    cpu.poke();
  };
}
