// The machine: host memory, the vCPU, the built-in VMM and the PC platform devices, and the run
// loop that interleaves guest execution with device deadlines (design §1-§2).
//
// Run loop: the CPU runs until the next device deadline (an icount), the due timers fire, and
// again. When the guest halts with interrupts enabled, guest time skips to the next deadline
// (virtual clock); halted with interrupts disabled and nothing able to wake it is reported as
// a hung guest.

import { Cpu, STOP_HALT, STOP_REQUEST, STOP_SHUTDOWN } from "../cpu/cpu.js";
import { Cr0, Desc, Eflags, Reg, Seg } from "../cpu/constants.js";
import { applyCpuModel, cpuidLookup, i686Model, type CpuModel } from "../cpu/cpuid.js";
import { ACC_WRITE, HostMemory, LEGACY_WINDOW_END, LEGACY_WINDOW_START, PhysicalMap } from "../cpu/memory.js";
import { loadSegmentReal } from "../cpu/system/segments.js";
import { IoBus, MmioBus } from "../devices/bus.js";
import { Clock } from "../devices/clock.js";
import { formatReport } from "../devices/device.js";
import { writeAcpiTables } from "../devices/acpi-tables.js";
import { e820File, E820_RAM, E820_RESERVED, FwCfg } from "../devices/fw-cfg.js";
import { PAM0, PAM6, PamWindow } from "../devices/pam.js";
import { writeMpTable } from "../devices/mptable.js";
import { PcPlatform } from "../devices/platform.js";
import { GuestTime } from "./guest-time.js";
import { Vmm } from "./vmm.js";
import { EptPhysicalMap, type EptMmioHandler } from "./ept.js";
import { EPT_QUAL_READABLE } from "./exit-qualification.js";
import { MachineEpt } from "./machine-ept.js";

/**
 * Emulator semantics version: bump whenever guest-visible behaviour changes (an instruction's
 * result, a device register, timing in icount), so old traces are refused instead of diverging.
 * 3: accesses that miss the fast path use the architectural TLB entry before walking (a guest that
 *    writes through a stale translation now hits the old frame whatever the emulator's caches hold).
 */
export const MACHINE_SEMANTICS_VERSION = 3;

/**
 * Guest ns a PAUSE takes in the virtual clock, on top of its 1 instruction: the latency of PAUSE
 * on recent Intel cores (about 140 cycles) at the virtual CPU's 1 GHz. Spin-wait loops (udelay,
 * spinlocks) then cost guest time as on hardware instead of ~10 instructions per iteration.
 */
export const PAUSE_NS = 140;

export interface MachineConfig {
  memBytes: number;
  /** Guest ns per retired instruction in the virtual clock mode. */
  nsPerInstruction?: number;
  /**
   * "host": guest time also follows host-time samples the session applies between runs
   * (src/replay/host-clock.ts), so an idle HLT ends the run ({ kind: "idle" }) instead of skipping
   * time. Default "virtual".
   */
  clock?: "virtual" | "host";
  /** RTC time of day at guest time 0, seconds since 1970 (from the Environment; fixed in tests). */
  epochSeconds?: number;
  cpuModel?: CpuModel;
  /**
   * Local APIC + IO-APIC (MMIO 0xFEE00000 / 0xFEC00000), left in virtual wire mode as a BIOS
   * would, with an MP table at 0xF0000 describing them. Default true.
   */
  apic?: boolean;
  /** Local APIC timer input clock, Hz (default 100 MHz). */
  apicBusHz?: number;
  /** PCI configuration space at 0xCF8-0xCFF with an i440FX and a PIIX3. Default true. */
  pci?: boolean;
  /**
   * ACPI: PM registers at 0x600 and the tables at 0xE0000 (RSDP, RSDT, FADT, FACS, MADT, and a
   * DSDT with \_S5), so an OS can power the machine off. Default: on when `apic` is.
   */
  acpi?: boolean;
  /**
   * A BIOS ROM image (checked by src/loaders/bios.ts): mapped to end at 4 GiB and, through the
   * i440FX PAM registers, at 0xE0000-0xFFFFF; fw_cfg and the 0x402 debug console are added, and the
   * machine writes no MP/ACPI tables of its own. Call enterReset() to start at F000:FFF0.
   */
  bios?: Uint8Array;
  /** Serial (COM1) output bytes. */
  onSerial?: (byte: number) => void;
  /** Debug console (port 0xE9; with a BIOS also 0x402) bytes. */
  onDebugConsole?: (byte: number) => void;
  /** Diagnostics: something unimplemented the guest touched (each once). */
  onReport?: (message: string) => void;
}

export type RunEnd =
  | { kind: "exit"; code: number }
  | { kind: "limit" }
  | { kind: "shutdown"; reason: string }
  /** The guest powered the machine off (ACPI S5). */
  | { kind: "poweroff" }
  | { kind: "hung"; reason: string }
  | { kind: "idle" }
  | { kind: "stopped" };

/** How the CPU starts: real mode at CS:IP, or flat 32-bit protected mode (as multiboot defines). */
export type EntryState =
  | { mode: "real16"; cs: number; ip: number; ss?: number; sp?: number }
  | { mode: "flat32"; eip: number; esp?: number; regs?: Partial<Record<number, number>> };

export class Machine {
  readonly mem: HostMemory;
  readonly cpu: Cpu;
  readonly io: IoBus;
  readonly mmio: MmioBus;
  readonly clock: Clock;
  readonly time: GuestTime;
  readonly platform: PcPlatform;
  readonly vmm: Vmm;
  readonly cpuModel: CpuModel;
  /** The EPT through which the guest's physical memory is mapped. */
  readonly ept: MachineEpt;
  readonly reports: string[] = [];
  private exitCode = -1;
  /** The guest entered ACPI S5: every later run() ends at once as "poweroff" (part of a snapshot's state). */
  poweredOff = false;

  constructor(readonly config: MachineConfig) {
    const report = (m: string) => {
      this.reports.push(m);
      config.onReport?.(m);
    };
    const bios = config.bios;
    // A BIOS ROM lives in host memory after the RAM (so snapshots and digests cover it).
    this.mem = new HostMemory(config.memBytes + (bios ? bios.length : 0));
    const apic = config.apic ?? true;
    let vmmRef: Vmm | undefined;
    // Guest-physical memory is what the VMM's EPT maps (machine-ept.ts); set up below.
    const phys = new EptPhysicalMap(this.mem, 0);
    phys.mmio = eptViolations(() => this, phys);
    this.time = new GuestTime(config.nsPerInstruction ?? 1, config.clock ?? "virtual");
    let cpuRef: Cpu | undefined;
    // A deadline armed by an instruction (a PIT reload, a UART FIFO read) bounds the CPU's
    // current run too, so timers fire at the same icount however the run is sliced.
    this.clock = new Clock({ icount: () => (cpuRef ? cpuRef.icount : 0), source: this.time, onEarlierDeadline: (icount) => cpuRef?.lowerRunLimit(icount) });
    this.io = new IoBus((r) => report(formatReport(r)));
    this.mmio = new MmioBus((r) => report(formatReport(r)));
    this.platform = new PcPlatform({
      io: this.io,
      clock: this.clock,
      epochSeconds: config.epochSeconds ?? 0,
      ramBytes: config.memBytes,
      onCom1Transmit: config.onSerial,
      onDebugConsole: config.onDebugConsole,
      onDebugExit: (code) => { this.exitCode = code; cpuRef?.requestStop(); },
      onA20: (enabled) => { phys.a20Mask = enabled ? -1 : ~(1 << 20); cpuRef?.flushTlb(false); },
      onReset: () => { if (cpuRef) { cpuRef.shutdownReason = "reset requested by the guest"; cpuRef.requestStop(); } },
      onInterrupt: () => cpuRef?.poke(),
      apic: apic ? { mmio: this.mmio, busHz: config.apicBusHz } : undefined,
      pci: config.pci ?? true,
      acpi: (config.acpi ?? apic) ? { onPowerOff: () => { this.poweredOff = true; cpuRef?.requestStop(); } } : undefined,
      firmware: bios ? { fwCfg: biosFwCfg(config.memBytes) } : undefined,
    });
    if (bios) this.mapBios(bios, phys, () => { this.remapGuestPhysical(); cpuRef?.flushTlb(false); });
    const pamConfig = this.platform.pciHost?.functions.get(0)?.config;
    this.ept = new MachineEpt(phys, { ramBytes: config.memBytes, bios: bios && pamConfig ? { hostOffset: config.memBytes, bytes: bios.length, pamConfig } : undefined });
    const cpuModel = config.cpuModel ?? i686Model({ apic });
    this.cpuModel = cpuModel;
    this.vmm = new Vmm({
      io: this.io,
      mmio: this.mmio,
      clock: this.clock,
      pic: this.platform.pic,
      lapic: this.platform.lapic,
      ferrIrq: this.platform.irq(13),
      cpuModel,
      report,
      onPause: () => this.pause(),
    });
    vmmRef = this.vmm;
    if (this.platform.lapic) {
      // What the BIOS would have done: virtual wire mode, and the MP table that describes the APICs.
      this.platform.lapic.virtualWireMode();
      if (config.memBytes >= 0x100000 && !bios) {
        const l1 = cpuidLookup(cpuModel, 1);
        writeMpTable(this.mem.bytes, { cpuSignature: l1.eax, cpuFeatures: l1.edx, ioApicId: this.platform.ioapic!.id });
        if (this.platform.acpiPm) writeAcpiTables(this.mem.bytes, { ioApicId: this.platform.ioapic!.id });
      }
    }
    this.cpu = new Cpu(this.mem, phys, this.vmm);
    applyCpuModel(this.cpu, cpuModel);
    cpuRef = this.cpu;
  }

  /** Rewrites the EPT from the configuration and the PAM registers (after a PAM write or a restore). */
  remapGuestPhysical(): void {
    this.ept?.rebuild();
  }

  /** Copies `bytes` into guest-physical RAM at `gpa` (identity-mapped RAM), dropping any cached code. */
  loadBytes(gpa: number, bytes: Uint8Array): void {
    if (gpa < 0 || gpa + bytes.length > this.mem.size)
      throw new RangeError(`image of ${bytes.length} bytes at 0x${gpa.toString(16)} does not fit in ${this.mem.size >> 20} MiB of RAM`);
    this.mem.bytes.set(bytes, gpa);
    this.mem.invalidateCode(gpa, bytes.length);
  }

  /**
   * Maps `bios` (already in host memory after the RAM) below 4 GiB and behind the PAM registers,
   * and gives the i440FX QEMU's subsystem ID so firmware built for QEMU trusts fw_cfg.
   */
  private mapBios(bios: Uint8Array, phys: PhysicalMap, flushTlb: () => void): void {
    const ram = this.config.memBytes;
    if (ram < 0x200000 || ram > 0xe0000000) throw new RangeError(`a BIOS machine needs 2 MiB to 3.5 GiB of RAM, not ${ram >> 20} MiB`);
    this.mem.bytes.set(bios, ram);
    phys.ramTop = ram;
    phys.highRomBase = 0x100000000 - bios.length;
    phys.highRomHost = ram;
    const host = this.platform.pciHost?.functions.get(0);
    if (!host) throw new RangeError("a BIOS machine needs the PCI host bridge (its PAM registers map the ROM)");
    phys.legacy = new PamWindow(host.config, ram, bios.length);
    host.onWrite = (off, size) => { if (off <= PAM6 && off + size > PAM0) flushTlb(); };
    // Subsystem vendor 1AF4h device 1100h: QEMU's i440FX (SeaBIOS's qemu_detect looks for it).
    host.set16(0x2c, 0x1af4).set16(0x2e, 0x1100);
  }

  /** Processor reset state (SDM Vol.3 Table 10-1): real mode at F000:FFF0 with CS base 0xFFFF0000, EDX = CPUID.1 EAX. */
  enterReset(): void {
    const cpu = this.cpu;
    this.enter({ mode: "real16", cs: 0xf000, ip: 0xfff0, sp: 0 });
    cpu.setSegCache(Seg.CS, 0xf000, 0xffff0000 | 0, 0xffff, cpu.segAttr[Seg.CS]);
    cpu.regs[Reg.EDX] = cpuidLookup(this.cpuModel, 1).eax;
    cpu.updateMode();
  }

  /** Sets the CPU's initial state. */
  enter(e: EntryState): void {
    const cpu = this.cpu;
    if (e.mode === "real16") {
      cpu.cr0 &= ~Cr0.PE;
      loadSegmentReal(cpu, Seg.CS, e.cs);
      for (const s of [0, 2, 3, 4, 5]) loadSegmentReal(cpu, s, e.ss !== undefined && s === 2 ? e.ss : 0);
      cpu.eip = e.ip & 0xffff;
      cpu.regs[Reg.ESP] = e.sp ?? 0xfffe;
    } else {
      cpu.cr0 |= Cr0.PE;
      const code = Desc.P | Desc.S | Desc.CODE | Desc.RW | Desc.A | Desc.DB | Desc.G;
      const data = Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | Desc.G;
      for (let s = 0; s < 6; s++) cpu.setSegCache(s, s === Seg.CS ? 0x08 : 0x10, 0, -1, s === Seg.CS ? code : data);
      cpu.eip = e.eip;
      cpu.regs[Reg.ESP] = e.esp ?? 0;
      for (const [k, v] of Object.entries(e.regs ?? {})) cpu.regs[Number(k)] = v as number;
    }
    cpu.updateMode();
  }

  /** Runs until the guest exits (debug-exit port), shuts down, hangs, or `maxInstructions` retire. */
  run(maxInstructions = Infinity): RunEnd {
    const cpu = this.cpu, clock = this.clock;
    const limit = cpu.icount + maxInstructions;
    for (;;) {
      const until = Math.min(limit, clock.nextDeadlineIcount());
      const stop = cpu.run(until);
      if (clock.nextDeadlineIcount() <= cpu.icount) clock.runDue(cpu.icount);
      if (this.exitCode >= 0) { const code = this.exitCode; this.exitCode = -1; return { kind: "exit", code }; }
      if (this.poweredOff) return { kind: "poweroff" };
      if (stop === STOP_SHUTDOWN || cpu.shutdownReason !== "") return { kind: "shutdown", reason: cpu.shutdownReason || this.vmm.shutdownReason };
      if (stop === STOP_REQUEST) return { kind: "stopped" };
      if (stop === STOP_HALT) {
        this.vmm.noteHalt();
        if (this.vmm.interruptPending(cpu) && (cpu.flags & Eflags.IF)) continue;
        const next = clock.nextDeadlineIcount();
        if ((cpu.flags & Eflags.IF) === 0) return { kind: "hung", reason: `HLT with interrupts disabled at ${cpu.whereText()}` };
        if (next === Infinity) return { kind: "hung", reason: `HLT with no timer armed to wake it at ${cpu.whereText()}` };
        if (this.config.clock === "host") return { kind: "idle" };
        // Skip idle guest time to the earliest deadline; it fires at the current icount.
        const at = this.earliestDeadlineNs();
        this.time.idleUntil(cpu.icount, at);
        clock.retime();
        clock.runDue(cpu.icount);
        continue;
      }
      if (cpu.icount >= limit) return { kind: "limit" };
    }
  }

  /** PAUSE: in the virtual clock, guest time moves on by PAUSE_NS; due timers stop the run. */
  private pause(): void {
    if (this.config.clock === "host") return;
    const cpu = this.cpu;
    this.time.idleUntil(cpu.icount, this.time.nowNs(cpu.icount) + PAUSE_NS);
    this.clock.retime();
    cpu.lowerRunLimit(this.clock.nextDeadlineIcount());
  }

  /** Guest time (ns) of the earliest armed device deadline. */
  private earliestDeadlineNs(): number {
    // The deadline icount maps back to at least its ns; idle time moves to exactly that instant.
    return this.time.nowNs(this.clock.nextDeadlineIcount());
  }
}

/** fw_cfg for a BIOS machine with `ram` bytes: RAM size, an e820 map, and the serial console on COM1. */
function biosFwCfg(ram: number): FwCfg {
  const sercon = new Uint8Array(2);
  sercon[0] = 0xf8; sercon[1] = 0x03;
  const e820 = e820File([
    { address: 0, length: ram, type: E820_RAM },
    // Local APIC and IO-APIC pages, so an OS does not map RAM there.
    { address: 0xfec00000, length: 0x1000, type: E820_RESERVED },
    { address: 0xfee00000, length: 0x1000, type: E820_RESERVED },
  ]);
  return new FwCfg({ ramBytes: ram, files: { "etc/e820": e820, "etc/sercon-port": sercon } });
}

/**
 * EPT violations of the machine's own guest: a write the EPT refuses where the entry is present
 * (ROM, read-only shadow RAM) is the chipset's business — into DRAM when the PAM field sends
 * writes there, else dropped as ROM drops it; everything else is MMIO for the devices.
 */
function eptViolations(m: () => Machine, phys: EptPhysicalMap): EptMmioHandler {
  return {
    read: (_map, gpa, size) => m().vmm.mmioRead(m().cpu, gpa, size),
    write: (map, gpa, size, value) => {
      const machine = m();
      if ((map.exitQualification & EPT_QUAL_READABLE) === 0) { machine.vmm.mmioWrite(machine.cpu, gpa, size, value); return; }
      const a = map.guestPhysicalAddress; // A20-masked, as the EPT saw it
      const h = phys.legacy !== null && a >= LEGACY_WINDOW_START && a < LEGACY_WINDOW_END ? phys.legacy.translate(a, ACC_WRITE) : -1;
      machine.vmm.stats.mmioAccess(h >= 0 ? "shadow RAM write (PAM)" : "ROM write (dropped)");
      if (h < 0) return;
      const mem = machine.mem;
      mem.invalidateCode(h, size);
      if (size === 1) mem.bytes[h] = value;
      else if (size === 2) mem.view.setUint16(h, value, true);
      else mem.view.setInt32(h, value, true);
    },
  };
}
