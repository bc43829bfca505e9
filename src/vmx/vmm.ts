// The built-in VMM: the L0 hypervisor that runs the guest. Every CpuHost call is the handling of
// a VM exit (SDM Vol.3 Appendix C reason in brackets): I/O instructions [30] go to the I/O bus,
// CPUID [10] to the CPU model, RDTSC [16] to guest time, RDMSR/WRMSR [31/32] to the MSRs the
// machine owns, HLT [12] to the run loop, guest-physical accesses with no RAM behind them
// [48 EPT_VIOLATION] to the MMIO bus; interrupts enter by injection from the local APIC (or
// the PIC, when the machine has no APIC) at instruction boundaries. Each exit is counted (ExitStats) for `--exit-stats`.

import type { Cpu } from "../cpu/cpu.js";
import { Msr, Reg, Seg } from "../cpu/constants.js";
import { CPUID_APIC, cpuidLookup, type CpuModel } from "../cpu/cpuid.js";
import type { CpuHost } from "../cpu/host.js";
import type { IoBus, MmioBus } from "../devices/bus.js";
import type { Clock } from "../devices/clock.js";
import type { DualPic } from "../devices/pic.js";
import type { IrqLine } from "../devices/irq.js";
import type { LocalApic } from "../devices/lapic.js";
import { ExitReason } from "./exit-reasons.js";
import { ExitStats } from "./exit-stats.js";

export interface VmmOptions {
  io: IoBus;
  clock: Clock;
  pic: DualPic;
  /** The CPU's local APIC: the interrupt source and IA32_APIC_BASE (absent: interrupts straight from the PIC). */
  lapic?: LocalApic;
  mmio?: MmioBus;
  /** IRQ 13: the x87 FERR# line (CR0.NE = 0 error reporting). */
  ferrIrq: IrqLine;
  cpuModel: CpuModel;
  /** TSC ticks per guest ns (1 = a 1 GHz TSC). */
  tscPerNs?: number;
  /** Diagnostics for the user (unimplemented instructions, MSRs, ports), once each. */
  report: (message: string) => void;
  /** PAUSE executed (the machine charges it guest time). */
  onPause?: () => void;
}

export class Vmm implements CpuHost {
  readonly stats = new ExitStats();
  shutdownReason = "";
  private readonly tscPerNs: number;
  /** Where INTR and INTA go: the local APIC, or the 8259 pair. */
  private readonly intc: { interruptPending(): boolean; acknowledge(): number };

  constructor(private readonly o: VmmOptions) {
    this.tscPerNs = o.tscPerNs ?? 1;
    this.intc = o.lapic ?? o.pic;
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

  pause(_cpu: Cpu): void {
    this.o.onPause?.();
  }

  cpuid(cpu: Cpu): void {
    this.stats.count(ExitReason.CPUID);
    const leaf = cpu.regs[Reg.EAX];
    const l = cpuidLookup(this.o.cpuModel, leaf);
    cpu.regs[Reg.EAX] = l.eax; cpu.regs[Reg.EBX] = l.ebx; cpu.regs[Reg.ECX] = l.ecx; cpu.regs[Reg.EDX] = l.edx;
    // SDM Vol.3 11.4.3: with IA32_APIC_BASE.EN clear, CPUID.1:EDX.APIC reads 0.
    if (leaf === 1 && this.o.lapic !== undefined && !this.o.lapic.globallyEnabled) cpu.regs[Reg.EDX] &= ~CPUID_APIC;
  }

  /**
   * Model-specific MSRs a family-6 CPU has that the core does not own (SDM Vol.4 Table 2-3 ...):
   * IA32_PLATFORM_ID (0x17, read-only, platform 0), EBL_CR_POWERON (0x2a, read 0: no
   * configuration straps to report), IA32_BIOS_SIGN_ID (0x8b: writes accepted, reads the
   * microcode revision 0 since no update is loaded), IA32_APIC_BASE (0x1b) when there is a local
   * APIC. Anything else is #GP, reported by the core.
   */
  rdmsr(cpu: Cpu, msr: number): boolean {
    this.stats.count(ExitReason.MSR_READ);
    if (msr === 0x17 || msr === 0x2a || msr === 0x8b) { cpu.regs[Reg.EAX] = 0; cpu.regs[Reg.EDX] = 0; return true; }
    if (msr === Msr.IA32_APIC_BASE && this.o.lapic !== undefined) {
      const [lo, hi] = this.o.lapic.readBaseMsr();
      cpu.regs[Reg.EAX] = lo; cpu.regs[Reg.EDX] = hi;
      return true;
    }
    return false;
  }

  wrmsr(cpu: Cpu, msr: number): boolean {
    this.stats.count(ExitReason.MSR_WRITE);
    if (msr === Msr.IA32_APIC_BASE && this.o.lapic !== undefined) return this.o.lapic.writeBaseMsr(cpu.regs[Reg.EAX], cpu.regs[Reg.EDX]);
    return msr === 0x8b || msr === 0x2a;
  }

  /** A guest-physical read with no RAM behind it [48 EPT_VIOLATION]: the MMIO bus. */
  mmioRead(cpu: Cpu, gpa: number, size: number): number {
    const mmio = this.o.mmio;
    if (mmio === undefined) return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    this.stats.mmioAccess(mmio.nameAt(gpa) || "unclaimed");
    return mmio.read(gpa, size, this.pc(cpu));
  }

  mmioWrite(cpu: Cpu, gpa: number, size: number, value: number): void {
    const mmio = this.o.mmio;
    if (mmio === undefined) return;
    this.stats.mmioAccess(mmio.nameAt(gpa) || "unclaimed");
    mmio.write(gpa, size, value, this.pc(cpu));
  }

  rdtsc(_cpu: Cpu): number {
    this.stats.count(ExitReason.RDTSC);
    return Math.floor(this.o.clock.nowNs() * this.tscPerNs);
  }

  interruptPending(_cpu: Cpu): boolean {
    return this.intc.interruptPending();
  }

  acknowledgeInterrupt(_cpu: Cpu): number {
    this.stats.count(ExitReason.EXTERNAL_INTERRUPT);
    return this.intc.acknowledge();
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
