// National Semiconductor PC16550D UART (the 16550A of PC serial ports): COM1 at 0x3F8 / IRQ 4,
// COM2 at 0x2F8 / IRQ 3. Registers by offset (DLAB = LCR bit 7):
//   0 RBR (read) / THR (write); DLL when DLAB=1      4 MCR | 0 0 0 LOOP OUT2 OUT1 RTS DTR |
//   1 IER | 0 0 0 0 EDSSI ELSI ETBEI ERBFI |; DLM   5 LSR | FIFOERR TEMT THRE BI FE PE OE DR |
//   2 IIR (read) | FIFOS FIFOS 0 0 ID2 ID1 ID0 /PENDING | / FCR (write)                 6 MSR | DCD RI DSR CTS DDCD TERI DDSR DCTS |
//   3 LCR | DLAB BRK SP EPS PEN STB WLS1 WLS0 |       7 SCR
// Interrupt priority (datasheet Table IV): 1 receiver line status (IIR 0x06), 2 received data
// available (0x04) / character timeout (0x0C), 3 THR empty (0x02), 4 modem status (0x00).
//
// Transmission is instantaneous: a byte written to THR goes straight to onTransmit (or, in
// loopback, to the receiver), so THRE and TEMT always read 1 and the THRE interrupt re-arms at
// once. The receiver FIFO is fed by receive(); its character timeout uses the programmed baud
// rate in guest time. On the PC the INTR pin reaches the PIC only while OUT2 is set (and OUT2
// is forced inactive in loopback).

import { Clock, type Timer } from "./clock.js";
import { Reporter, type Device, type DeviceState } from "./device.js";
import type { IrqLine } from "./irq.js";

export const IER_ERBFI = 0x01;
export const IER_ETBEI = 0x02;
export const IER_ELSI = 0x04;
export const IER_EDSSI = 0x08;
export const IIR_NO_INT = 0x01;
export const IIR_MSR = 0x00;
export const IIR_THRE = 0x02;
export const IIR_RDA = 0x04;
export const IIR_RLS = 0x06;
export const IIR_CTI = 0x0c;
export const IIR_FIFO = 0xc0;
export const FCR_ENABLE = 0x01;
export const FCR_RX_RESET = 0x02;
export const FCR_TX_RESET = 0x04;
export const LCR_DLAB = 0x80;
export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;
export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_PE = 0x04;
export const LSR_FE = 0x08;
export const LSR_BI = 0x10;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

const RX_TRIGGER = [1, 4, 8, 14];
const FIFO_SIZE = 16;
/** The PC's UART clock: 1.8432 MHz / 16 = 115200 baud at divisor 1. */
const BASE_BAUD = 115200;

export interface UartOptions {
  /** A byte the guest transmitted (not called in loopback). */
  onTransmit?: (byte: number) => void;
  reporter?: Reporter;
  /** Timer name (unique per machine), e.g. "com1". */
  name?: string;
}

export class Uart16550 implements Device {
  readonly rxFifo = new Uint8Array(FIFO_SIZE);
  rxHead = 0;
  rxCount = 0;
  /** The receiver buffer register's last content (read again when the FIFO is empty). */
  rbr = 0;
  ier = 0;
  lcr = 0;
  mcr = 0;
  /** LSR error bits OE/PE/FE/BI (the rest of LSR is computed). */
  lsrErrors = 0;
  /** MSR delta bits 3-0. */
  msrDeltas = 0;
  /** Modem inputs outside loopback (MSR bits 7-4): a connected terminal asserts DCD, DSR, CTS. */
  modemInputs = MSR_DCD | MSR_DSR | MSR_CTS;
  scr = 0;
  dll = 1;
  dlm = 0;
  fifoEnabled = false;
  dmaMode = false;
  rxTriggerIndex = 0;
  thrInterrupt = false;
  timeoutInterrupt = false;
  private readonly timer: Timer;
  private readonly onTransmit: (byte: number) => void;
  private readonly reporter: Reporter;

  constructor(
    private readonly clock: Clock,
    private readonly irq: IrqLine,
    options: UartOptions = {},
  ) {
    this.onTransmit = options.onTransmit ?? (() => {});
    this.reporter = options.reporter ?? new Reporter(() => {});
    this.timer = clock.createTimer(`uart.${options.name ?? "com"}.timeout`, () => this.characterTimeout());
  }

  // ---- receive side (machine → guest) ----

  private rxCapacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }

  /** How many bytes receive() can take now without an overrun (0 in loopback). */
  rxRoom(): number {
    return this.mcr & MCR_LOOP ? 0 : this.rxCapacity() - this.rxCount;
  }

  /** Can receive() take a byte without an overrun? (false in loopback: the RX pin is disconnected) */
  canReceive(): boolean {
    return !(this.mcr & MCR_LOOP) && this.rxCount < this.rxCapacity();
  }

  /** A byte arrives on the serial input. Returns false if it was lost (loopback, or overrun: LSR.OE set). */
  receive(byte: number): boolean {
    if (this.mcr & MCR_LOOP) return false;
    const ok = this.shiftIn(byte & 0xff);
    this.updateIrq();
    return ok;
  }

  private shiftIn(byte: number): boolean {
    if (this.rxCount >= this.rxCapacity()) {
      this.lsrErrors |= LSR_OE;
      if (this.fifoEnabled) return false; // the FIFO keeps its bytes; the shift register's is lost
      this.rxFifo[this.rxHead] = byte; // 16450 mode: the unread RBR is overwritten
      return true;
    }
    this.rxFifo[(this.rxHead + this.rxCount) % FIFO_SIZE] = byte;
    this.rxCount++;
    this.restartTimeout();
    return true;
  }

  /** Character time in ns for the current divisor and LCR (start + data + parity + stop bits). */
  characterNs(): number {
    const divisor = ((this.dlm << 8) | this.dll) || 0x10000;
    const data = 5 + (this.lcr & 3);
    const stop = this.lcr & 4 ? (data === 5 ? 1.5 : 2) : 1;
    const bits = 1 + data + (this.lcr & 8 ? 1 : 0) + stop;
    return (bits * divisor * 1e9) / BASE_BAUD;
  }

  private restartTimeout(): void {
    this.timeoutInterrupt = false;
    if (this.fifoEnabled && this.rxCount > 0) this.clock.schedule(this.timer, this.clock.nowNs() + 4 * this.characterNs());
    else this.clock.cancel(this.timer);
  }

  private characterTimeout(): void {
    if (this.fifoEnabled && this.rxCount > 0) this.timeoutInterrupt = true;
    this.updateIrq();
  }

  // ---- interrupt logic ----

  /** IIR bits 3-0 for the highest-priority pending interrupt. */
  private interruptId(): number {
    const ier = this.ier;
    if (ier & IER_ELSI && this.lsrErrors) return IIR_RLS;
    if (ier & IER_ERBFI) {
      if (this.fifoEnabled) {
        if (this.rxCount >= RX_TRIGGER[this.rxTriggerIndex]) return IIR_RDA;
        if (this.timeoutInterrupt) return IIR_CTI;
      } else if (this.rxCount > 0) return IIR_RDA;
    }
    if (ier & IER_ETBEI && this.thrInterrupt) return IIR_THRE;
    if (ier & IER_EDSSI && this.msrDeltas) return IIR_MSR;
    return IIR_NO_INT;
  }

  private updateIrq(): void {
    const pending = this.interruptId() !== IIR_NO_INT;
    this.irq.set(pending && (this.mcr & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2);
  }

  /** MSR bits 7-4 as the chip sees them (MCR outputs looped back in loopback mode). */
  private modemStatus(): number {
    if (!(this.mcr & MCR_LOOP)) return this.modemInputs;
    const m = this.mcr;
    return (m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) | (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0);
  }

  private noteModemChange(before: number, after: number): void {
    const changed = before ^ after;
    if (changed & MSR_CTS) this.msrDeltas |= 0x01;
    if (changed & MSR_DSR) this.msrDeltas |= 0x02;
    if (before & MSR_RI && !(after & MSR_RI)) this.msrDeltas |= 0x04; // TERI: trailing edge of RI
    if (changed & MSR_DCD) this.msrDeltas |= 0x08;
  }

  /** The modem inputs (CTS, DSR, RI, DCD as MSR bits 7-4) change outside loopback. */
  setModemInputs(msrHigh: number): void {
    const before = this.modemStatus();
    this.modemInputs = msrHigh & 0xf0;
    this.noteModemChange(before, this.modemStatus());
    this.updateIrq();
  }

  // ---- bus window ----

  read(offset: number): number {
    let v: number;
    switch (offset) {
      case 0:
        if (this.lcr & LCR_DLAB) return this.dll;
        if (this.rxCount > 0) {
          this.rbr = this.rxFifo[this.rxHead];
          this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
          this.rxCount--;
        }
        this.restartTimeout();
        v = this.rbr;
        break;
      case 1:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case 2: {
        const id = this.interruptId();
        if (id === IIR_THRE) this.thrInterrupt = false; // reading IIR clears a THRE interrupt it reports
        v = id | (this.fifoEnabled ? IIR_FIFO : 0);
        break;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        v = (this.rxCount > 0 ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
        this.lsrErrors = 0;
        break;
      case 6:
        v = this.modemStatus() | this.msrDeltas;
        this.msrDeltas = 0;
        break;
      default:
        return this.scr;
    }
    this.updateIrq();
    return v;
  }

  write(offset: number, _size: number, value: number): void {
    value &= 0xff;
    switch (offset) {
      case 0:
        if (this.lcr & LCR_DLAB) {
          this.dll = value;
          return;
        }
        this.thrInterrupt = false;
        if (this.mcr & MCR_LOOP) this.shiftIn(value);
        else this.onTransmit(value);
        this.thrInterrupt = true; // THR emptied at once into the transmitter
        break;
      case 1:
        if (this.lcr & LCR_DLAB) {
          this.dlm = value;
          return;
        }
        // Enabling ETBEI while THR is empty raises the THRE interrupt (Linux's 8250 driver probes this).
        if (value & IER_ETBEI && !(this.ier & IER_ETBEI)) this.thrInterrupt = true;
        this.ier = value & 0x0f;
        break;
      case 2:
        this.writeFcr(value);
        break;
      case 3:
        this.lcr = value;
        if (value & 0x40) this.reporter.once("uart-break", "16550: break control (LCR bit 6) has no effect; no line is modelled");
        return;
      case 4: {
        const before = this.modemStatus();
        this.mcr = value & 0x1f;
        this.noteModemChange(before, this.modemStatus());
        break;
      }
      case 5:
      case 6:
        this.reporter.once(`uart-write-${offset}`, `16550: write to read-only ${offset === 5 ? "LSR" : "MSR"} ignored (factory test)`);
        return;
      default:
        this.scr = value;
        return;
    }
    this.updateIrq();
  }

  private writeFcr(v: number): void {
    const enable = (v & FCR_ENABLE) !== 0;
    if (enable !== this.fifoEnabled) {
      this.rxCount = 0;
      this.rxHead = 0;
    }
    this.fifoEnabled = enable;
    if (!enable) {
      this.restartTimeout();
      return;
    }
    if (v & FCR_RX_RESET) {
      this.rxCount = 0;
      this.rxHead = 0;
    }
    this.dmaMode = (v & 0x08) !== 0;
    this.rxTriggerIndex = v >> 6;
    this.restartTimeout();
  }

  save(): DeviceState {
    return {
      rxFifo: this.rxFifo.slice(),
      rxHead: this.rxHead,
      rxCount: this.rxCount,
      rbr: this.rbr,
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      lsrErrors: this.lsrErrors,
      msrDeltas: this.msrDeltas,
      modemInputs: this.modemInputs,
      scr: this.scr,
      dll: this.dll,
      dlm: this.dlm,
      fifoEnabled: this.fifoEnabled,
      dmaMode: this.dmaMode,
      rxTriggerIndex: this.rxTriggerIndex,
      thrInterrupt: this.thrInterrupt,
      timeoutInterrupt: this.timeoutInterrupt,
      timerAtNs: this.timer.atNs,
    };
  }

  restore(s: DeviceState): void {
    this.rxFifo.set(s.rxFifo as Uint8Array);
    this.rxHead = s.rxHead as number;
    this.rxCount = s.rxCount as number;
    this.rbr = s.rbr as number;
    this.ier = s.ier as number;
    this.lcr = s.lcr as number;
    this.mcr = s.mcr as number;
    this.lsrErrors = s.lsrErrors as number;
    this.msrDeltas = s.msrDeltas as number;
    this.modemInputs = s.modemInputs as number;
    this.scr = s.scr as number;
    this.dll = s.dll as number;
    this.dlm = s.dlm as number;
    this.fifoEnabled = s.fifoEnabled as boolean;
    this.dmaMode = s.dmaMode as boolean;
    this.rxTriggerIndex = s.rxTriggerIndex as number;
    this.thrInterrupt = s.thrInterrupt as boolean;
    this.timeoutInterrupt = s.timeoutInterrupt as boolean;
    const at = s.timerAtNs as number;
    if (at >= 0) this.clock.schedule(this.timer, at);
    else this.clock.cancel(this.timer);
  }
}
