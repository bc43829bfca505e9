// Intel 8042 keyboard controller with a PS/2 MF2 keyboard behind it, as on the PC/AT:
// port 0x60 data (output buffer / input buffer for data), port 0x64 status (read) / command
// (write). The keyboard's output raises IRQ 1, the auxiliary port's IRQ 12, when enabled in
// the command byte.
//
// Status register (0x64 read):  | PERR TIMEOUT AUXB INH A2 SYS IBF OBF |
//   OBF output buffer full; IBF input buffer full (always 0: commands complete at once);
//   SYS system flag (command byte bit 2); A2 last write was a command (0x64); INH 1 = keyboard
//   not inhibited; AUXB the output buffer holds auxiliary-device data.
// Command byte (controller RAM 0):  | 0 XLATE AUXDIS KBDDIS 0 SYS AUXINT KBDINT |
// Output port (0xD0/0xD1):  | KBDDATA KBDCLK IRQ12 IRQ1 0 0 A20 /RESET |
//
// Not modelled: an auxiliary (mouse) device (the port exists and passes the 0xD3 loopback; bytes
// sent to the device with 0xD4 are dropped, as when nothing is plugged in), key events from the
// host (sendKeyboardBytes() injects raw bytes), scan-code translation tables (only the
// identify reply is translated: 0x83 → 0x41), typematic timing, response delays.

import { Reporter, type Device, type DeviceState } from "./device.js";
import type { IrqLine } from "./irq.js";

export const STATUS_OBF = 0x01;
export const STATUS_IBF = 0x02;
export const STATUS_SYS = 0x04;
export const STATUS_A2 = 0x08;
export const STATUS_INH = 0x10;
export const STATUS_AUXB = 0x20;
export const CB_KBDINT = 0x01;
export const CB_AUXINT = 0x02;
export const CB_SYS = 0x04;
export const CB_KBDDIS = 0x10;
export const CB_AUXDIS = 0x20;
export const CB_XLATE = 0x40;
export const OUTPORT_RESET = 0x01;
export const OUTPORT_A20 = 0x02;

const SRC_CONTROLLER = 0;
const SRC_KEYBOARD = 1;
const SRC_AUX = 2;
const QUEUE_LIMIT = 16;

export const KBD_ACK = 0xfa;
export const KBD_BAT_OK = 0xaa;
export const KBD_RESEND = 0xfe;

export interface I8042Options {
  irq1: IrqLine;
  irq12?: IrqLine;
  /** The output port's A20 gate bit changed. */
  onA20?: (enabled: boolean) => void;
  /** The output port's reset line was pulsed (command 0xFE) or written low (0xD1). */
  onReset?: () => void;
  reporter?: Reporter;
  /** Command byte at start, as a PC BIOS leaves it (default 0x45: XLATE, SYS, KBDINT). */
  commandByte?: number;
}

/** A one-port window onto the controller (data at 0x60, status/command at 0x64). */
class I8042Port implements Device {
  constructor(
    private readonly kbc: I8042,
    private readonly command: boolean,
  ) {}
  read(): number {
    return this.command ? this.kbc.readStatus() : this.kbc.readData();
  }
  write(_offset: number, _size: number, value: number): void {
    if (this.command) this.kbc.writeCommand(value & 0xff);
    else this.kbc.writeData(value & 0xff);
  }
  save(): DeviceState {
    return {}; // the controller saves for both ports
  }
  restore(): void {}
}

export class I8042 {
  /** Controller RAM; byte 0 is the command byte. */
  readonly ram = new Uint8Array(32);
  outputBuffer = 0;
  obf = false;
  auxb = false;
  /** Last write went to 0x64. */
  a2 = false;
  sysFlag = true;
  /** Bytes waiting for the output buffer: value | source << 8. */
  queue: number[] = [];
  /** Controller command waiting for its data byte, or -1. */
  pendingCommand = -1;
  outputPort = OUTPORT_RESET | OUTPORT_A20;
  /** Keyboard command waiting for its parameter byte, or -1. */
  keyboardPending = -1;
  scanning = true;
  scanSet = 2;
  leds = 0;
  typematic = 0x2b;

  readonly dataPort: Device;
  readonly commandPort: Device;
  private readonly irq1: IrqLine;
  private readonly irq12: IrqLine | undefined;
  private readonly onA20: (enabled: boolean) => void;
  private readonly onReset: () => void;
  private readonly reporter: Reporter;

  constructor(options: I8042Options) {
    this.irq1 = options.irq1;
    this.irq12 = options.irq12;
    this.onA20 = options.onA20 ?? (() => {});
    this.onReset = options.onReset ?? (() => {});
    this.reporter = options.reporter ?? new Reporter(() => {});
    this.ram[0] = options.commandByte ?? CB_XLATE | CB_SYS | CB_KBDINT;
    this.sysFlag = (this.ram[0] & CB_SYS) !== 0;
    this.dataPort = new I8042Port(this, false);
    this.commandPort = new I8042Port(this, true);
  }

  get commandByte(): number {
    return this.ram[0];
  }

  // ---- output buffer ----

  private enqueue(byte: number, source: number): void {
    if (this.queue.length >= QUEUE_LIMIT) {
      this.reporter.once("i8042-overflow", "8042: output queue overflow; byte dropped");
      return;
    }
    this.queue.push((byte & 0xff) | (source << 8));
    this.pump();
  }

  /** Moves the next deliverable byte into the output buffer (a disabled interface holds its bytes back). */
  private pump(): void {
    if (!this.obf) {
      const cb = this.ram[0];
      for (let i = 0; i < this.queue.length; i++) {
        const src = this.queue[i] >> 8;
        if ((src === SRC_KEYBOARD && cb & CB_KBDDIS) || (src === SRC_AUX && cb & CB_AUXDIS)) continue;
        this.outputBuffer = this.queue[i] & 0xff;
        this.auxb = src === SRC_AUX;
        this.obf = true;
        this.queue.splice(i, 1);
        break;
      }
    }
    this.updateIrqs();
  }

  private updateIrqs(): void {
    const cb = this.ram[0];
    this.irq1.set(this.obf && !this.auxb && (cb & CB_KBDINT) !== 0);
    this.irq12?.set(this.obf && this.auxb && (cb & CB_AUXINT) !== 0);
  }

  /** Raw bytes from the keyboard (already in the scan-code set the guest expects). */
  sendKeyboardBytes(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.enqueue(bytes[i], SRC_KEYBOARD);
  }

  // ---- ports ----

  readStatus(): number {
    return (
      (this.obf ? STATUS_OBF : 0) |
      (this.sysFlag ? STATUS_SYS : 0) |
      (this.a2 ? STATUS_A2 : 0) |
      STATUS_INH |
      (this.obf && this.auxb ? STATUS_AUXB : 0)
    );
  }

  readData(): number {
    const v = this.outputBuffer;
    if (this.obf) {
      this.obf = false;
      this.auxb = false;
      this.irq1.lower();
      this.irq12?.lower();
      this.pump();
    }
    return v;
  }

  writeCommand(cmd: number): void {
    this.a2 = true;
    this.pendingCommand = -1;
    if (cmd >= 0x20 && cmd <= 0x3f) {
      this.enqueue(this.ram[cmd & 0x1f], SRC_CONTROLLER);
      return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7f) || cmd === 0xd1 || cmd === 0xd2 || cmd === 0xd3 || cmd === 0xd4) {
      this.pendingCommand = cmd;
      return;
    }
    if (cmd >= 0xf0) {
      // Pulse output port bits 3-0 that are 0 in the command; bit 0 is the CPU reset line.
      if (!(cmd & 1)) this.onReset();
      return;
    }
    switch (cmd) {
      case 0xa7:
        this.setCommandByte(this.ram[0] | CB_AUXDIS);
        return;
      case 0xa8:
        this.setCommandByte(this.ram[0] & ~CB_AUXDIS);
        return;
      case 0xa9: // auxiliary interface test: 0x00 = no error
      case 0xab: // keyboard interface test
        this.enqueue(0x00, SRC_CONTROLLER);
        return;
      case 0xaa: // controller self test
        this.sysFlag = true;
        this.enqueue(0x55, SRC_CONTROLLER);
        return;
      case 0xad:
        this.setCommandByte(this.ram[0] | CB_KBDDIS);
        return;
      case 0xae:
        this.setCommandByte(this.ram[0] & ~CB_KBDDIS);
        return;
      case 0xc0: // input port: bit 7 keyboard not inhibited
        this.enqueue(0x80, SRC_CONTROLLER);
        return;
      case 0xd0:
        this.enqueue(this.outputPortValue(), SRC_CONTROLLER);
        return;
      default:
        this.reporter.once(`i8042-cmd-${cmd}`, `8042: controller command 0x${cmd.toString(16)} not modelled; ignored`);
    }
  }

  writeData(v: number): void {
    this.a2 = false;
    const cmd = this.pendingCommand;
    if (cmd < 0) {
      this.keyboardCommand(v);
      return;
    }
    this.pendingCommand = -1;
    if (cmd >= 0x60 && cmd <= 0x7f) {
      if ((cmd & 0x1f) === 0) this.setCommandByte(v);
      else this.ram[cmd & 0x1f] = v;
      return;
    }
    switch (cmd) {
      case 0xd1:
        this.writeOutputPort(v);
        return;
      case 0xd2:
        this.enqueue(v, SRC_KEYBOARD);
        return;
      case 0xd3:
        this.enqueue(v, SRC_AUX);
        return;
      default: // 0xd4
        this.reporter.once("i8042-aux-device", "8042: no auxiliary (mouse) device is modelled; byte for it dropped");
    }
  }

  private setCommandByte(v: number): void {
    this.ram[0] = v;
    this.sysFlag = (v & CB_SYS) !== 0;
    this.pump();
  }

  private outputPortValue(): number {
    return (this.outputPort & 0xcf) | (this.obf && !this.auxb ? 0x10 : 0) | (this.obf && this.auxb ? 0x20 : 0);
  }

  private writeOutputPort(v: number): void {
    const old = this.outputPort;
    this.outputPort = v;
    if ((old ^ v) & OUTPORT_A20) this.onA20((v & OUTPORT_A20) !== 0);
    if (!(v & OUTPORT_RESET)) this.onReset();
  }

  /** A20 gate as the output port drives it. */
  get a20(): boolean {
    return (this.outputPort & OUTPORT_A20) !== 0;
  }

  // ---- the keyboard (PS/2 MF2) ----

  private reply(...bytes: number[]): void {
    for (const b of bytes) this.enqueue(b, SRC_KEYBOARD);
  }

  private keyboardCommand(v: number): void {
    const pending = this.keyboardPending;
    if (pending >= 0) {
      this.keyboardPending = -1;
      if (pending === 0xed) this.leds = v & 7;
      else if (pending === 0xf3) this.typematic = v & 0x7f;
      else if (pending === 0xf0) {
        if (v === 0) {
          this.reply(KBD_ACK, this.ram[0] & CB_XLATE ? [0, 0x43, 0x41, 0x3f][this.scanSet] : this.scanSet);
          return;
        }
        if (v >= 1 && v <= 3) this.scanSet = v;
      }
      this.reply(KBD_ACK);
      return;
    }
    switch (v) {
      case 0xed: // set LEDs
      case 0xf3: // set typematic rate/delay
      case 0xf0: // get/set scan code set
        this.keyboardPending = v;
        this.reply(KBD_ACK);
        return;
      case 0xee: // echo
        this.reply(0xee);
        return;
      case 0xf2: // identify: MF2 keyboard 0xAB 0x83 (0x41 through the translator)
        this.reply(KBD_ACK, 0xab, this.ram[0] & CB_XLATE ? 0x41 : 0x83);
        return;
      case 0xf4: // enable scanning
        this.scanning = true;
        this.reply(KBD_ACK);
        return;
      case 0xf5: // disable scanning and restore defaults
      case 0xf6: // restore defaults
        if (v === 0xf5) this.scanning = false;
        this.typematic = 0x2b;
        this.leds = 0;
        this.scanSet = 2;
        this.reply(KBD_ACK);
        return;
      case 0xff: // reset and basic assurance test
        this.scanning = true;
        this.typematic = 0x2b;
        this.leds = 0;
        this.scanSet = 2;
        this.queue = this.queue.filter((e) => e >> 8 !== SRC_KEYBOARD);
        this.reply(KBD_ACK, KBD_BAT_OK);
        return;
      default:
        this.reporter.once(`i8042-kbd-${v}`, `8042: keyboard command 0x${v.toString(16)} not modelled; answered 0xFE (resend)`);
        this.reply(KBD_RESEND);
    }
  }

  save(): DeviceState {
    return {
      ram: this.ram.slice(),
      outputBuffer: this.outputBuffer,
      obf: this.obf,
      auxb: this.auxb,
      a2: this.a2,
      sysFlag: this.sysFlag,
      queue: this.queue.slice(),
      pendingCommand: this.pendingCommand,
      outputPort: this.outputPort,
      keyboardPending: this.keyboardPending,
      scanning: this.scanning,
      scanSet: this.scanSet,
      leds: this.leds,
      typematic: this.typematic,
    };
  }

  restore(s: DeviceState): void {
    this.ram.set(s.ram as Uint8Array);
    this.outputBuffer = s.outputBuffer as number;
    this.obf = s.obf as boolean;
    this.auxb = s.auxb as boolean;
    this.a2 = s.a2 as boolean;
    this.sysFlag = s.sysFlag as boolean;
    this.queue = (s.queue as number[]).slice();
    this.pendingCommand = s.pendingCommand as number;
    this.outputPort = s.outputPort as number;
    this.keyboardPending = s.keyboardPending as number;
    this.scanning = s.scanning as boolean;
    this.scanSet = s.scanSet as number;
    this.leds = s.leds as number;
    this.typematic = s.typematic as number;
  }
}
