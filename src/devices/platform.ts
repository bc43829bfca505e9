// The PC platform devices at their ISA addresses, wired as on a PC/AT with a PIIX3-style
// chipset. The machine creates one of these, connects the callbacks, and asks the PIC for
// interrupts at instruction boundaries.
//
//   0x020-0x021 master 8259A    0x040-0x043 8254 PIT   0x060 / 0x064 8042    0x061 port B
//   0x070-0x071 MC146818 RTC    0x080 POST code        0x092 port A          0x0A0-0x0A1 slave 8259A
//   0x0E9 debug console         0x0F4-0x0F7 debug exit 0x3F8-0x3FF COM1 (IRQ 4)
//   0x2F8-0x2FF COM2 (IRQ 3, optional)                 0x4D0-0x4D1 ELCR

import type { IoBus } from "./bus.js";
import type { Clock } from "./clock.js";
import { DebugConsolePort, DebugExitPort, DEBUG_EXIT_PORT, DEBUG_EXIT_SIZE, PostCodePort } from "./debug-ports.js";
import type { DeviceState } from "./device.js";
import { I8042 } from "./i8042.js";
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

  constructor(o: PcPlatformOptions) {
    const io = o.io;
    const reporter = io.reporter;
    const onA20 = o.onA20 ?? (() => {});
    const a20Changed = () => onA20(this.kbc.a20 || this.portA.a20);
    this.pic = new DualPic(reporter, o.onInterrupt);
    this.pit = new Pit(o.clock, this.pic.irq(0), reporter);
    this.portB = new SystemControlPortB(this.pit);
    this.rtc = new Rtc(o.clock, this.pic.irq(8), { epochSeconds: o.epochSeconds, reporter });
    setCmosMemorySize(this.rtc.cmos, o.ramBytes);
    this.com1 = new Uart16550(o.clock, this.pic.irq(4), { onTransmit: o.onCom1Transmit, reporter, name: "com1" });
    this.com2 = o.com2 ? new Uart16550(o.clock, this.pic.irq(3), { onTransmit: o.onCom2Transmit, reporter, name: "com2" }) : undefined;
    this.kbc = new I8042({ irq1: this.pic.irq(1), irq12: this.pic.irq(12), onA20: a20Changed, onReset: o.onReset, reporter });
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
  }
}
