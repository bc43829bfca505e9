// What the CPU asks of the machine around it. In the full machine this is the built-in VMM:
// each call is the handling of a VM exit (I/O instruction, CPUID, RDTSC, RDMSR/WRMSR, HLT) or
// the interrupt-injection decision at an instruction boundary.

import type { Cpu } from "./cpu.js";

export interface CpuHost {
  /** IN from `port` of `size` bytes (1, 2, 4). */
  ioIn(cpu: Cpu, port: number, size: number): number;
  /** OUT to `port`. */
  ioOut(cpu: Cpu, port: number, size: number, value: number): void;
  /** CPUID: leaf in EAX, subleaf in ECX; fills EAX, EBX, ECX, EDX. */
  cpuid(cpu: Cpu): void;
  /** RDMSR for an MSR the core does not own: fills EDX:EAX and returns true, or false for #GP. */
  rdmsr(cpu: Cpu, msr: number): boolean;
  /** WRMSR for an MSR the core does not own (value in EDX:EAX): true, or false for #GP. */
  wrmsr(cpu: Cpu, msr: number): boolean;
  /** The time-stamp counter now (cycles; any non-decreasing count). */
  rdtsc(cpu: Cpu): number;
  /** Is a maskable external interrupt waiting (INTR line)? */
  interruptPending(cpu: Cpu): boolean;
  /** Acknowledges the pending interrupt and returns its vector (the INTA cycle). */
  acknowledgeInterrupt(cpu: Cpu): number;
  /** The x87 FERR# output changed (CR0.NE=0 error reporting: the machine routes it to IRQ 13). */
  ferr(cpu: Cpu, asserted: boolean): void;
  /** Triple fault or another shutdown condition. The run loop stops after this. */
  shutdown(cpu: Cpu, reason: string): void;
  /** A diagnostic for the user (something unimplemented, once per kind). */
  report(cpu: Cpu, message: string): void;
  /** PAUSE (F3 90), the spin-wait hint: the machine may let guest time pass. Absent: a NOP. */
  pause?(cpu: Cpu): void;
}
