// The PC platform devices at their ISA addresses, wired as on a PC/AT with a PIIX3-style
// chipset. The machine creates one of these, connects the callbacks, and asks the PIC for
// interrupts at instruction boundaries.
//
//   0x020-0x021 master 8259A    0x040-0x043 8254 PIT   0x060 / 0x064 8042    0x061 port B
//   0x070-0x071 MC146818 RTC    0x080 POST code        0x092 port A          0x0A0-0x0A1 slave 8259A
//   0x0E9 debug console         0x0F4-0x0F7 debug exit 0x3F8-0x3FF COM1 (IRQ 4)
//   0x2F8-0x2FF COM2 (IRQ 3, optional)                 0x4D0-0x4D1 ELCR
//   0xCF8-0xCFF PCI configuration mechanism #1 (i440FX 00.0, PIIX3 01.0; optional)
//   0x600-0x60B ACPI PM1a event/control blocks and PM timer (optional; SCI on IRQ 9)
//   MMIO 0xFEC00000 IO-APIC, 0xFEE00000 local APIC (optional; ISA IRQs then fan out to both
//   the 8259 pair and IO-APIC pins, IRQ 0 on pin 2)

import type { IoBus, MmioBus } from "./bus.js";
import { AcpiPm, ACPI_PM_BASE, ACPI_PM_SIZE } from "./acpi-pm.js";
import { ACPI_SCI_IRQ } from "./acpi-tables.js";
import type { Clock } from "./clock.js";
import { DebugConsolePort, DebugExitPort, DEBUG_EXIT_PORT, DEBUG_EXIT_SIZE, PostCodePort } from "./debug-ports.js";
import type { DeviceState } from "./device.js";
import { I8042 } from "./i8042.js";
import { IoApic, IOAPIC_BASE, IsaIrqFanout } from "./ioapic.js";
import type { IrqLine } from "./irq.js";
import { LAPIC_BASE, LocalApic } from "./lapic.js";
import { pcPciBus, type PciHost } from "./pci.js";
import { FwCfg, FW_CFG_PORT, FW_CFG_PORT_SIZE } from "./fw-cfg.js";
import { DualPic } from "./pic.js";
import { Pit } from "./pit.js";
import { SystemControlPortB } from "./port61.js";
import { SystemControlPortA } from "./port92.js";
import { Rtc, setCmosMemorySize } from "./rtc.js";
import { Uart16550 } from "./uart.js";

export interface PcPlatformOptions {
  io: IoBus;
  clock: Clock;
  /** RTC time of day at guest time 0 (seconds since 1970, from the recorded Environment). */
  epochSeconds: number;
  /** Guest RAM size, for the CMOS memory-size bytes. */
  ramBytes: number;
  com2?: boolean;
  onCom1Transmit?: (byte: number) => void;
  onCom2Transmit?: (byte: number) => void;
  onDebugConsole?: (byte: number) => void;
  onDebugExit?: (exitCode: number) => void;
  onPostCode?: (code: number) => void;
  /** A20 gate from the 8042 output port or port 0x92 (true when either enables it). */
  onA20?: (enabled: boolean) => void;
  /** CPU reset requested (8042 pulse, 0xD1 with bit 0 clear, port 0x92 bit 0). */
  onReset?: () => void;
  /** The PIC's INTR may have risen: the machine makes the CPU look at interrupts. */
  onInterrupt?: () => void;
  /** Local APIC and IO-APIC on this MMIO bus (the CPU then takes interrupts from the local APIC). */
  apic?: { mmio: MmioBus; busHz?: number; ioApicId?: number };
  /** PCI configuration space (ports 0xCF8-0xCFF). */
  pci?: boolean;
  /** ACPI PM registers at 0x600 (SCI on IRQ 9); the guest powering off (S5) calls this. */
  acpi?: { onPowerOff: () => void };
  /** A machine booting a BIOS ROM: QEMU's fw_cfg at 0x510 and its debug console (isa-debugcon) at 0x402. */
  firmware?: { fwCfg: FwCfg };
}

export class PcPlatform {
  readonly pic: DualPic;
  readonly pit: Pit;
  readonly portB: SystemControlPortB;
  readonly rtc: Rtc;
  readonly com1: Uart16550;
  readonly com2: Uart16550 | undefined;
  readonly kbc: I8042;
  readonly portA: SystemControlPortA;
  readonly post: PostCodePort;
  readonly lapic: LocalApic | undefined;
  readonly ioapic: IoApic | undefined;
  readonly pciHost: PciHost | undefined;
  readonly acpiPm: AcpiPm | undefined;
  readonly fwCfg: FwCfg | undefined;
  private readonly fanout: IsaIrqFanout | undefined;

  constructor(o: PcPlatformOptions) {
    const io = o.io;
    const reporter = io.reporter;
    const onA20 = o.onA20 ?? (() => {});
    const a20Changed = () => onA20(this.kbc.a20 || this.portA.a20);
    this.pic = new DualPic(reporter, o.onInterrupt);
    if (o.apic) {
      const mreporter = o.apic.mmio.reporter;
      this.ioapic = new IoApic({ id: o.apic.ioApicId ?? 1, reporter: mreporter });
      this.lapic = new LocalApic({
        clock: o.clock, pic: this.pic, reporter: mreporter, busHz: o.apic.busHz,
        onInterrupt: o.onInterrupt, onEoiBroadcast: (v) => this.ioapic!.eoi(v),
      });
      this.ioapic.target = this.lapic;
      this.fanout = new IsaIrqFanout(this.pic, this.ioapic);
      o.apic.mmio.register(IOAPIC_BASE, 0x1000, this.ioapic, "IO-APIC");
      o.apic.mmio.register(LAPIC_BASE, 0x1000, this.lapic, "local APIC");
    }
    this.pit = new Pit(o.clock, this.irq(0), reporter);
    this.portB = new SystemControlPortB(this.pit);
    this.rtc = new Rtc(o.clock, this.irq(8), { epochSeconds: o.epochSeconds, reporter });
    setCmosMemorySize(this.rtc.cmos, o.ramBytes);
    this.com1 = new Uart16550(o.clock, this.irq(4), { onTransmit: o.onCom1Transmit, reporter, name: "com1" });
    this.com2 = o.com2 ? new Uart16550(o.clock, this.irq(3), { onTransmit: o.onCom2Transmit, reporter, name: "com2" }) : undefined;
    this.kbc = new I8042({ irq1: this.irq(1), irq12: this.irq(12), onA20: a20Changed, onReset: o.onReset, reporter });
    this.portA = new SystemControlPortA({ onA20: a20Changed, onReset: o.onReset });
    this.post = new PostCodePort(o.onPostCode);

    io.register(0x20, 2, this.pic.master, "8259A master");
    io.register(0xa0, 2, this.pic.slave, "8259A slave");
    io.register(0x4d0, 2, this.pic.elcr, "ELCR");
    io.register(0x40, 4, this.pit, "8254 PIT");
    io.register(0x61, 1, this.portB, "port B");
    io.register(0x70, 2, this.rtc, "MC146818 RTC");
    io.register(0x3f8, 8, this.com1, "COM1 16550A");
    if (this.com2) io.register(0x2f8, 8, this.com2, "COM2 16550A");
    io.register(0x60, 1, this.kbc.dataPort, "8042 data");
    io.register(0x64, 1, this.kbc.commandPort, "8042 status/command");
    io.register(0x92, 1, this.portA, "port A");
    io.register(0x80, 1, this.post, "POST code");
    io.register(0xe9, 1, new DebugConsolePort(o.onDebugConsole ?? (() => {})), "debug console");
    io.register(DEBUG_EXIT_PORT, DEBUG_EXIT_SIZE, new DebugExitPort(o.onDebugExit ?? (() => {})), "debug exit");
    if (o.pci) {
      this.pciHost = pcPciBus(reporter, o.onReset);
      io.register(0xcf8, 8, this.pciHost, "PCI configuration");
    }
    if (o.acpi) {
      this.acpiPm = new AcpiPm({ clock: o.clock, sci: this.irq(ACPI_SCI_IRQ), reporter, onPowerOff: o.acpi.onPowerOff });
      io.register(ACPI_PM_BASE, ACPI_PM_SIZE, this.acpiPm, "ACPI PM");
    }
    this.fwCfg = o.firmware?.fwCfg;
    if (this.fwCfg) {
      io.register(FW_CFG_PORT, FW_CFG_PORT_SIZE, this.fwCfg, "fw_cfg");
      io.register(0x402, 1, new DebugConsolePort(o.onDebugConsole ?? (() => {})), "debug console (0x402)");
    }
  }

  /** The wire for ISA IRQ `n`: to the 8259 pair, and to the IO-APIC too when there is one. */
  irq(n: number): IrqLine {
    return this.fanout ? this.fanout.line(n) : this.pic.irq(n);
  }

  /** State of every platform device, by device name. */
  save(): DeviceState {
    const s: DeviceState = {
      pic: this.pic.save(),
      pit: this.pit.save(),
      portB: this.portB.save(),
      rtc: this.rtc.save(),
      com1: this.com1.save(),
      kbc: this.kbc.save(),
      portA: this.portA.save(),
      post: this.post.save(),
    };
    if (this.com2) s.com2 = this.com2.save();
    if (this.lapic) s.lapic = this.lapic.save();
    if (this.ioapic) s.ioapic = this.ioapic.save();
    if (this.pciHost) s.pci = this.pciHost.save();
    if (this.acpiPm) s.acpiPm = this.acpiPm.save();
    if (this.fwCfg) s.fwCfg = this.fwCfg.save();
    return s;
  }

  restore(s: DeviceState): void {
    this.pic.restore(s.pic as DeviceState);
    this.pit.restore(s.pit as DeviceState);
    this.portB.restore(s.portB as DeviceState);
    this.rtc.restore(s.rtc as DeviceState);
    this.com1.restore(s.com1 as DeviceState);
    if (this.com2) this.com2.restore(s.com2 as DeviceState);
    this.kbc.restore(s.kbc as DeviceState);
    this.portA.restore(s.portA as DeviceState);
    this.post.restore(s.post as DeviceState);
    if (this.lapic) this.lapic.restore(s.lapic as DeviceState);
    if (this.ioapic) this.ioapic.restore(s.ioapic as DeviceState);
    if (this.pciHost) this.pciHost.restore(s.pci as DeviceState);
    if (this.acpiPm) this.acpiPm.restore(s.acpiPm as DeviceState);
    if (this.fwCfg) this.fwCfg.restore(s.fwCfg as DeviceState);
  }
}
