// Intel 8259A Programmable Interrupt Controller, two cascaded as in the PC/AT: master at
// 0x20-0x21 (IRQ 0-7), slave at 0xA0-0xA1 (IRQ 8-15) whose INT output drives master IR2, and
// the Edge/Level Control Registers at 0x4D0-0x4D1 (Intel PIIX/PIIX3 ELCR1/ELCR2).
//
// Register access (8259A datasheet, "Programming the 8259A"):
//   A0=0 write, D4=1           ICW1  | - - - 1 LTIM ADI SNGL IC4 |
//   A0=1 write, during init    ICW2 (vector T7-T3), ICW3 (master: slave bitmap; slave: ID), ICW4
//                              ICW4  | - - - SFNM BUF M/S AEOI uPM |
//   A0=1 write, after init     OCW1  interrupt mask register (IMR)
//   A0=0 write, D4-D3=00       OCW2  | R SL EOI 0 0 L2 L1 L0 |
//   A0=0 write, D4-D3=01       OCW3  | - ESMM SMM 0 1 P RR RIS |
//   A0=0 read                  IRR or ISR (per OCW3 RR/RIS), or the poll word after OCW3 P=1
//   A0=1 read                  IMR
//
// Triggering: an edge-triggered input latches its IRR bit on a rising edge and keeps it until
// the INTA cycle (the datasheet asks the input to stay high until INTA; we do not drop a request
// whose input fell early). A level-triggered input's IRR bit follows the input, so a request
// that goes away before INTA yields the spurious IR7 vector.

import { Reporter, type Device, type DeviceState } from "./device.js";
import { IrqLine, type IrqSink } from "./irq.js";

const ICW1_IC4 = 0x01;
const ICW1_SNGL = 0x02;
const ICW1_LTIM = 0x08;
const ICW1 = 0x10;
const ICW4_UPM = 0x01;
const ICW4_AEOI = 0x02;
const ICW4_SFNM = 0x10;
const OCW3 = 0x08;
const OCW3_RIS = 0x01;
const OCW3_RR = 0x02;
const OCW3_P = 0x04;
const OCW3_SMM = 0x20;
const OCW3_ESMM = 0x40;

/** Initialization sequence position: which ICW an A0=1 write is. */
const INIT_READY = 0;
const INIT_ICW2 = 2;
const INIT_ICW3 = 3;
const INIT_ICW4 = 4;

/** One 8259A. */
export class Pic8259 implements Device, IrqSink {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Input levels IR0-IR7 (bit per input). */
  inputs = 0;
  /** ELCR: inputs that are level-triggered (bit per input). */
  elcr = 0;
  ltim = false;
  single = false;
  needIcw4 = false;
  vectorBase = 0;
  icw3 = 0;
  initStep = INIT_READY;
  microprocessorMode = true;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  specialMask = false;
  readIsr = false;
  pollPending = false;
  /** The input with the lowest priority (7 after init: IR0 highest). */
  lowestPriority = 7;
  /** This chip's INT output. */
  output = 0;

  constructor(
    readonly isMaster: boolean,
    private readonly reporter: Reporter,
    /** Called when the INT output changes. */
    private readonly onOutput: (level: number) => void,
  ) {}

  // ---- inputs (IrqSink) ----

  setIrqLevel(pin: number, level: number): void {
    const mask = 1 << pin;
    if (level) {
      if (this.inputs & mask) return;
      this.inputs |= mask;
      this.irr |= mask;
    } else {
      if (!(this.inputs & mask)) return;
      this.inputs &= ~mask;
      if (this.levelMask() & mask) this.irr &= ~mask;
    }
    this.update();
  }

  irqLevel(pin: number): number {
    return (this.inputs >> pin) & 1;
  }

  levelMask(): number {
    return this.ltim ? 0xff : this.elcr;
  }

  setElcr(value: number): void {
    this.elcr = value & 0xff;
    this.irr = (this.irr & ~this.elcr) | (this.inputs & this.levelMask());
    this.update();
  }

  // ---- priority resolver ----

  /** The input with the highest priority among the set bits of `bits`, or -1. */
  highest(bits: number): number {
    if (!(bits & 0xff)) return -1;
    for (let p = 1; p <= 8; p++) {
      const irq = (this.lowestPriority + p) & 7;
      if (bits & (1 << irq)) return irq;
    }
    return -1;
  }

  /** 0 = highest priority. */
  private priority(irq: number): number {
    return (irq - this.lowestPriority - 1) & 7;
  }

  /** The request the chip would present to INTA now, or -1 (none, or blocked by an in-service level). */
  requested(): number {
    const req = this.highest(this.irr & ~this.imr);
    if (req < 0) return -1;
    const inService = this.highest(this.specialMask ? this.isr & ~this.imr : this.isr);
    if (inService < 0) return req;
    const pr = this.priority(req);
    const ps = this.priority(inService);
    if (pr < ps) return req;
    // Special fully nested mode: a slave in service does not block further requests from it.
    if (pr === ps && this.isMaster && this.specialFullyNested && !this.single && this.icw3 & (1 << req)) return req;
    return -1;
  }

  /** The chip side of an INTA cycle (or a poll) for input `irq`: IRR → ISR. */
  acknowledgeInput(irq: number): void {
    const mask = 1 << irq;
    if (!(this.levelMask() & mask)) this.irr &= ~mask;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.lowestPriority = irq;
    } else {
      this.isr |= mask;
    }
    this.update();
  }

  /** Recomputes INT; tells the owner when it changes. */
  update(): void {
    const out = this.requested() >= 0 ? 1 : 0;
    if (out !== this.output) {
      this.output = out;
      this.onOutput(out);
    }
  }

  // ---- bus window: offset 0 = A0=0, offset 1 = A0=1 ----

  read(offset: number): number {
    if (offset & 1) return this.imr;
    if (this.pollPending) {
      this.pollPending = false;
      const irq = this.requested();
      if (irq < 0) return 0;
      this.acknowledgeInput(irq);
      return 0x80 | irq;
    }
    return this.readIsr ? this.isr : this.irr;
  }

  write(offset: number, _size: number, value: number): void {
    value &= 0xff;
    if (offset & 1) this.writeData(value);
    else if (value & ICW1) this.writeIcw1(value);
    else if (value & OCW3) this.writeOcw3(value);
    else this.writeOcw2(value);
    this.update();
  }

  private writeIcw1(v: number): void {
    // Datasheet "Initialization Command Words": edge sense reset, IMR cleared, IR7 lowest
    // priority, special mask mode cleared, status read set to IRR; IC4=0 zeroes ICW4 functions.
    // We also clear IRR/ISR (a re-initialized chip starts with nothing latched or in service).
    this.needIcw4 = (v & ICW1_IC4) !== 0;
    this.single = (v & ICW1_SNGL) !== 0;
    this.ltim = (v & ICW1_LTIM) !== 0;
    this.imr = 0;
    this.isr = 0;
    this.irr = this.inputs & this.levelMask();
    this.lowestPriority = 7;
    this.specialMask = false;
    this.readIsr = false;
    this.pollPending = false;
    this.rotateOnAutoEoi = false;
    if (!this.needIcw4) {
      this.microprocessorMode = false;
      this.autoEoi = false;
      this.specialFullyNested = false;
    }
    this.initStep = INIT_ICW2;
  }

  private writeData(v: number): void {
    switch (this.initStep) {
      case INIT_ICW2:
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? INIT_ICW4 : INIT_READY) : INIT_ICW3;
        return;
      case INIT_ICW3:
        this.icw3 = v;
        this.initStep = this.needIcw4 ? INIT_ICW4 : INIT_READY;
        return;
      case INIT_ICW4:
        this.microprocessorMode = (v & ICW4_UPM) !== 0;
        this.autoEoi = (v & ICW4_AEOI) !== 0;
        this.specialFullyNested = (v & ICW4_SFNM) !== 0;
        if (!this.microprocessorMode) this.reporter.once("pic-mcs80", "8259A ICW4 uPM=0 (MCS-80/85 mode) not modelled; vectors are 8086-style");
        this.initStep = INIT_READY;
        return;
      default:
        this.imr = v;
    }
  }

  private writeOcw2(v: number): void {
    const level = v & 7;
    switch (v >> 5) {
      case 0b001: // non-specific EOI
        this.eoi(this.highest(this.specialMask ? this.isr & ~this.imr : this.isr), false);
        return;
      case 0b011: // specific EOI
        this.eoi(level, false);
        return;
      case 0b101: // rotate on non-specific EOI
        this.eoi(this.highest(this.specialMask ? this.isr & ~this.imr : this.isr), true);
        return;
      case 0b111: // rotate on specific EOI
        this.eoi(level, true);
        return;
      case 0b100: // rotate in automatic EOI mode (set)
        this.rotateOnAutoEoi = true;
        return;
      case 0b000: // rotate in automatic EOI mode (clear)
        this.rotateOnAutoEoi = false;
        return;
      case 0b110: // set priority: L becomes the lowest
        this.lowestPriority = level;
        return;
      default: // 0b010: no operation
        return;
    }
  }

  private eoi(irq: number, rotate: boolean): void {
    if (irq < 0) return;
    this.isr &= ~(1 << irq);
    if (rotate) this.lowestPriority = irq;
  }

  private writeOcw3(v: number): void {
    if (v & OCW3_ESMM) this.specialMask = (v & OCW3_SMM) !== 0;
    if (v & OCW3_P) this.pollPending = true;
    if (v & OCW3_RR) this.readIsr = (v & OCW3_RIS) !== 0;
  }

  save(): DeviceState {
    return {
      irr: this.irr,
      isr: this.isr,
      imr: this.imr,
      inputs: this.inputs,
      elcr: this.elcr,
      ltim: this.ltim,
      single: this.single,
      needIcw4: this.needIcw4,
      vectorBase: this.vectorBase,
      icw3: this.icw3,
      initStep: this.initStep,
      microprocessorMode: this.microprocessorMode,
      autoEoi: this.autoEoi,
      rotateOnAutoEoi: this.rotateOnAutoEoi,
      specialFullyNested: this.specialFullyNested,
      specialMask: this.specialMask,
      readIsr: this.readIsr,
      pollPending: this.pollPending,
      lowestPriority: this.lowestPriority,
      output: this.output,
    };
  }

  restore(s: DeviceState): void {
    this.irr = s.irr as number;
    this.isr = s.isr as number;
    this.imr = s.imr as number;
    this.inputs = s.inputs as number;
    this.elcr = s.elcr as number;
    this.ltim = s.ltim as boolean;
    this.single = s.single as boolean;
    this.needIcw4 = s.needIcw4 as boolean;
    this.vectorBase = s.vectorBase as number;
    this.icw3 = s.icw3 as number;
    this.initStep = s.initStep as number;
    this.microprocessorMode = s.microprocessorMode as boolean;
    this.autoEoi = s.autoEoi as boolean;
    this.rotateOnAutoEoi = s.rotateOnAutoEoi as boolean;
    this.specialFullyNested = s.specialFullyNested as boolean;
    this.specialMask = s.specialMask as boolean;
    this.readIsr = s.readIsr as boolean;
    this.pollPending = s.pollPending as boolean;
    this.lowestPriority = s.lowestPriority as number;
    this.output = s.output as number;
  }
}

/** ELCR1 (0x4D0, IRQ 0-7) and ELCR2 (0x4D1, IRQ 8-15); IRQ 0, 1, 2, 8, 13 are always edge (PIIX3 datasheet). */
export const ELCR1_MASK = 0xf8;
export const ELCR2_MASK = 0xde;

/** The ELCR window. Its bits live in the chips (they are the chips' trigger modes), so it saves nothing. */
export class Elcr implements Device {
  constructor(private readonly pic: DualPic) {}
  read(offset: number): number {
    return offset & 1 ? this.pic.slave.elcr : this.pic.master.elcr;
  }
  write(offset: number, _size: number, value: number): void {
    if (offset & 1) this.pic.slave.setElcr(value & ELCR2_MASK);
    else this.pic.master.setElcr(value & ELCR1_MASK);
  }
  save(): DeviceState {
    return {};
  }
  restore(): void {}
}

/** The PC/AT pair. IRQ n (0-15, not 2) is input n of the master or n-8 of the slave. */
export class DualPic {
  readonly master: Pic8259;
  readonly slave: Pic8259;
  readonly elcr: Elcr;
  private readonly lines: IrqLine[] = [];

  constructor(
    private readonly reporter: Reporter = new Reporter(() => {}),
    /** Called when the INTR output to the CPU may have risen (the machine pokes the CPU). */
    private readonly onInterrupt: () => void = () => {},
  ) {
    this.master = new Pic8259(true, reporter, (level) => {
      if (level) this.onInterrupt();
    });
    this.slave = new Pic8259(false, reporter, (level) => this.master.setIrqLevel(2, level));
    this.elcr = new Elcr(this);
    for (let n = 0; n < 16; n++) this.lines.push(n < 8 ? new IrqLine(this.master, n) : new IrqLine(this.slave, n - 8));
  }

  /** The wire for ISA IRQ `n`. IRQ 2 is the cascade input and has no wire (ISA IRQ2 devices use IRQ 9). */
  irq(n: number): IrqLine {
    if (!(n >= 0 && n < 16) || n === 2) throw new RangeError(`pic: no IRQ line ${n}`);
    return this.lines[n];
  }

  /** The master's INT output: an unmasked request not blocked by an in-service level. */
  interruptPending(): boolean {
    return this.master.output !== 0;
  }

  /** The INTA cycle: returns the vector and moves the request to in-service (datasheet "Interrupt Sequence"). */
  acknowledge(): number {
    const m = this.master;
    const irq = m.requested();
    if (irq < 0) return m.vectorBase | 7; // spurious IR7: no ISR bit set
    m.acknowledgeInput(irq);
    if (m.single || !(m.icw3 & (1 << irq))) return m.vectorBase + irq;
    const s = this.slave;
    if ((s.icw3 & 7) !== irq) {
      this.reporter.once(`pic-no-slave-${irq}`, `8259A: master cascade IR${irq} acknowledged but the slave's ID is ${s.icw3 & 7}; data bus floats`);
      return 0xff;
    }
    const sirq = s.requested();
    let vector: number;
    if (sirq < 0) {
      vector = s.vectorBase | 7; // spurious IRQ 15: master IS2 stays set
    } else {
      s.acknowledgeInput(sirq);
      vector = s.vectorBase + sirq;
    }
    // The slave's INT falls during INTA; a request still pending raises it again (a new edge on IR2).
    m.setIrqLevel(2, 0);
    m.setIrqLevel(2, s.output);
    return vector;
  }

  save(): DeviceState {
    return { master: this.master.save(), slave: this.slave.save() };
  }

  restore(s: DeviceState): void {
    this.master.restore(s.master as DeviceState);
    this.slave.restore(s.slave as DeviceState);
  }
}
