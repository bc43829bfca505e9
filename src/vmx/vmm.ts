// The built-in VMM: the L0 hypervisor that runs the guest. Every CpuHost call is the handling of
// a VM exit (SDM Vol.3 Appendix C reason in brackets): I/O instructions [30] go to the I/O bus,
// CPUID [10] to the CPU model, RDTSC [16] to guest time, RDMSR/WRMSR [31/32] to the MSRs the
// machine owns, HLT [12] to the run loop; interrupts enter by injection from the PIC at
// instruction boundaries. Each exit is counted (ExitStats) for `--exit-stats`.

import type { Cpu } from "../cpu/cpu.js";
import { Reg, Seg } from "../cpu/constants.js";
import { cpuidLookup, type CpuModel } from "../cpu/cpuid.js";
import type { CpuHost } from "../cpu/host.js";
import type { IoBus } from "../devices/bus.js";
import type { Clock } from "../devices/clock.js";
import type { DualPic } from "../devices/pic.js";
import type { IrqLine } from "../devices/irq.js";
import { ExitReason } from "./exit-reasons.js";
import { ExitStats } from "./exit-stats.js";

export interface VmmOptions {
  io: IoBus;
  clock: Clock;
  pic: DualPic;
  /** IRQ 13: the x87 FERR# line (CR0.NE = 0 error reporting). */
  ferrIrq: IrqLine;
  cpuModel: CpuModel;
  /** TSC ticks per guest ns (1 = a 1 GHz TSC). */
  tscPerNs?: number;
  /** Diagnostics for the user (unimplemented instructions, MSRs, ports), once each. */
  report: (message: string) => void;
}

export class Vmm implements CpuHost {
  readonly stats = new ExitStats();
  shutdownReason = "";
  private readonly tscPerNs: number;

  constructor(private readonly o: VmmOptions) {
    this.tscPerNs = o.tscPerNs ?? 1;
  }

  /** Guest linear PC of the instruction that exited, for reports. */
  private pc(cpu: Cpu): number {
    return (cpu.segBase[Seg.CS] + cpu.startEip) >>> 0;
  }

  ioIn(cpu: Cpu, port: number, size: number): number {
    this.stats.io(port, false);
    return this.o.io.read(port, size, this.pc(cpu));
  }

  ioOut(cpu: Cpu, port: number, size: number, value: number): void {
    this.stats.io(port, true);
    this.o.io.write(port, size, value, this.pc(cpu));
  }

  cpuid(cpu: Cpu): void {
    this.stats.count(ExitReason.CPUID);
    const l = cpuidLookup(this.o.cpuModel, cpu.regs[Reg.EAX]);
    cpu.regs[Reg.EAX] = l.eax; cpu.regs[Reg.EBX] = l.ebx; cpu.regs[Reg.ECX] = l.ecx; cpu.regs[Reg.EDX] = l.edx;
  }

  /**
   * Model-specific MSRs a family-6 CPU has that the core does not own (SDM Vol.4 Table 2-3 ...):
   * IA32_PLATFORM_ID (0x17, read-only, platform 0), EBL_CR_POWERON (0x2a, read 0: no
   * configuration straps to report), IA32_BIOS_SIGN_ID (0x8b: writes accepted, reads the
   * microcode revision 0 since no update is loaded). Anything else is #GP, reported by the core.
   */
  rdmsr(cpu: Cpu, msr: number): boolean {
    this.stats.count(ExitReason.MSR_READ);
    if (msr === 0x17 || msr === 0x2a || msr === 0x8b) { cpu.regs[Reg.EAX] = 0; cpu.regs[Reg.EDX] = 0; return true; }
    return false;
  }

  wrmsr(_cpu: Cpu, msr: number): boolean {
    this.stats.count(ExitReason.MSR_WRITE);
    return msr === 0x8b || msr === 0x2a;
  }

  rdtsc(_cpu: Cpu): number {
    this.stats.count(ExitReason.RDTSC);
    return Math.floor(this.o.clock.nowNs() * this.tscPerNs);
  }

  interruptPending(_cpu: Cpu): boolean {
    return this.o.pic.interruptPending();
  }

  acknowledgeInterrupt(_cpu: Cpu): number {
    this.stats.count(ExitReason.EXTERNAL_INTERRUPT);
    return this.o.pic.acknowledge();
  }

  ferr(_cpu: Cpu, asserted: boolean): void {
    if (asserted) this.o.ferrIrq.raise(); else this.o.ferrIrq.lower();
  }

  shutdown(_cpu: Cpu, reason: string): void {
    this.stats.count(ExitReason.TRIPLE_FAULT);
    this.shutdownReason = reason;
  }

  report(_cpu: Cpu, message: string): void {
    this.o.report(message);
  }

  /** The run loop saw HLT: counted here so the statistics match what KVM would show. */
  noteHalt(): void {
    this.stats.count(ExitReason.HLT);
  }
}
