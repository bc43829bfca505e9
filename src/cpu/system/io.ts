// I/O permission (SDM Vol.1 19.5): IOPL, and the TSS I/O bitmap when CPL > IOPL or in V86 mode.

import type { Cpu } from "../cpu.js";
import { CR0_PE, EFLAGS_IOPL, EFLAGS_VM } from "../constants.js";

/**
 * Raises #GP(0) unless the current privilege may access `size` ports starting at `port`.
 * Called by IN/OUT/INS/OUTS before any other effect.
 */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if ((cpu.cr0 & CR0_PE) === 0) return;
  const iopl = (cpu.flags & EFLAGS_IOPL) >> 12;
  if ((cpu.flags & EFLAGS_VM) === 0 && cpu.cpl <= iopl) return;
  checkIoBitmap(cpu, port, size);
}

/** The TSS I/O-permission bitmap check; owned by the system helper. */
export function checkIoBitmap(cpu: Cpu, port: number, size: number): void {
  void cpu; void port; void size;
}
