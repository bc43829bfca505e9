// Intel 82093AA I/O APIC at 0xFEC00000 (datasheet §3), 24 interrupt input pins, delivering
// interrupt messages to the local APIC; and the ISA fan-out that wires every ISA IRQ line to
// both the 8259 pair and an IO-APIC pin.
//
// Direct registers (32-bit): 0x00 IOREGSEL (bits 7:0 select an indirect register),
// 0x10 IOWIN (the selected register). Indirect registers:
//   0x00 IOAPICID  (27:24 ID)   0x01 IOAPICVER (23:16 max redirection entry = 23, 7:0 version 0x11)
//   0x02 IOAPICARB (27:24 arbitration ID, read-only, loaded from the ID on an ID write)
//   0x10+2n, 0x11+2n  IOREDTBLn, low and high dword:
//   | 63:56 destination | 16 mask | 15 trigger (1 level) | 14 remote IRR (RO) | 13 polarity (1 low) |
//   | 12 delivery status (RO) | 11 dest mode (1 logical) | 10:8 delivery mode | 7:0 vector |
//
// Pins: the IrqLine level of a pin is "the source asserts its request". The electrical level
// follows the board wiring — ISA pins 0-15 active high, PCI PIRQ pins 16-23 active low — and the
// entry's polarity bit says how the IO-APIC interprets it, so a wrongly programmed polarity
// shows an idle line as asserted, as on hardware.

import { Reporter, type Device, type DeviceState } from "./device.js";
import { IrqLine, type IrqSink } from "./irq.js";

export const IOAPIC_BASE = 0xfec00000;
export const IOAPIC_VERSION = 0x00170011;
export const IOAPIC_PINS = 24;
/** Pins whose board wiring is active low (PCI PIRQA-H on 16-23). */
const ACTIVE_LOW_PINS = 0xff0000;

const RTE_MASK = 1 << 16;
const RTE_LEVEL = 1 << 15;
const RTE_REMOTE_IRR = 1 << 14;
const RTE_POLARITY_LOW = 1 << 13;
const RTE_LOGICAL = 1 << 11;
/** Writable bits of the low dword (delivery status and remote IRR are read-only). */
const RTE_LO_WRITABLE = 0x1afff;

/** The IO-APIC's view of the CPU's local APIC (interrupt messages over the APIC bus). */
export interface ApicBusTarget {
  matchesDestination(logical: boolean, dest: number): boolean;
  /** Returns whether the message was accepted. */
  deliver(mode: number, vector: number, level: boolean): boolean;
}

export class IoApic implements Device, IrqSink {
  readonly wide = true;
  ioregsel = 0;
  id = 0;
  arbitrationId = 0;
  readonly rteLo = new Int32Array(IOAPIC_PINS);
  readonly rteHi = new Int32Array(IOAPIC_PINS);
  /** Requests asserted by the sources, one bit per pin. */
  inputs = 0;
  private readonly reporter: Reporter;
  target: ApicBusTarget | undefined;

  constructor(o: { id?: number; reporter?: Reporter; target?: ApicBusTarget } = {}) {
    this.reporter = o.reporter ?? new Reporter(() => {});
    this.target = o.target;
    this.id = (o.id ?? 0) & 0xf;
    this.arbitrationId = this.id;
    this.rteLo.fill(RTE_MASK);
  }

  // ---- inputs ----

  setIrqLevel(pin: number, level: number): void {
    const bit = 1 << pin;
    const was = this.asserted(pin);
    this.inputs = level ? this.inputs | bit : this.inputs & ~bit;
    if (!was && this.asserted(pin)) this.service(pin, true);
  }

  irqLevel(pin: number): number {
    return (this.inputs >>> pin) & 1;
  }

  line(pin: number): IrqLine {
    return new IrqLine(this, pin);
  }

  /** The pin's input as the IO-APIC interprets it: electrical level through the entry's polarity. */
  asserted(pin: number): boolean {
    const electrical = ((this.inputs ^ ACTIVE_LOW_PINS) >>> pin) & 1;
    const activeLow = (this.rteLo[pin] & RTE_POLARITY_LOW) !== 0 ? 1 : 0;
    return (electrical ^ activeLow) === 1;
  }

  /**
   * Sends pin's interrupt if it should go now: an edge (`edge` = a rising edge just happened) on an
   * edge-triggered pin, or an asserted level-triggered pin with remote IRR clear. Masked pins
   * drop edges and hold levels (datasheet IOREDTBL bit 16).
   */
  private service(pin: number, edge: boolean): void {
    const lo = this.rteLo[pin];
    if (lo & RTE_MASK) return;
    if (lo & RTE_LEVEL) {
      if (!this.asserted(pin) || (lo & RTE_REMOTE_IRR)) return;
    } else if (!edge) {
      return;
    }
    const mode = (lo >> 8) & 7;
    const dest = this.rteHi[pin] >>> 24;
    const t = this.target;
    if (t === undefined || !t.matchesDestination((lo & RTE_LOGICAL) !== 0, dest)) {
      this.reporter.once(`ioapic-nodest-${pin}-${dest}`, `IO-APIC: pin ${pin} destination 0x${dest.toString(16)} (${lo & RTE_LOGICAL ? "logical" : "physical"}) names no local APIC; interrupt dropped`);
      return;
    }
    const level = (lo & RTE_LEVEL) !== 0;
    if (t.deliver(mode, lo & 0xff, level) && level && mode <= 1) this.rteLo[pin] |= RTE_REMOTE_IRR;
  }

  /** The local APIC's EOI broadcast for `vector`: clears remote IRR of level entries with that vector. */
  eoi(vector: number): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const lo = this.rteLo[pin];
      if ((lo & 0xff) === vector && (lo & RTE_REMOTE_IRR) !== 0) {
        this.rteLo[pin] = lo & ~RTE_REMOTE_IRR;
        this.service(pin, false);
      }
    }
  }

  // ---- registers ----

  read(offset: number, size: number): number {
    let v: number;
    if (offset === 0x00) v = this.ioregsel;
    else if (offset === 0x10) v = this.readIndirect(this.ioregsel);
    else {
      this.reporter.once(`ioapic-offset-${offset}`, `IO-APIC: read at offset 0x${offset.toString(16)} (only IOREGSEL 0x00 and IOWIN 0x10 exist) returns all ones`);
      v = -1;
    }
    if (size !== 4) this.reporter.once("ioapic-narrow", "IO-APIC: register access narrower than 32 bits");
    return size === 4 ? v >>> 0 : v & ((1 << (size * 8)) - 1);
  }

  write(offset: number, size: number, value: number): void {
    if (size !== 4) this.reporter.once("ioapic-narrow", "IO-APIC: register access narrower than 32 bits");
    if (offset === 0x00) this.ioregsel = value & 0xff;
    else if (offset === 0x10) this.writeIndirect(this.ioregsel, value | 0);
    else this.reporter.once(`ioapic-offset-${offset}`, `IO-APIC: write at offset 0x${offset.toString(16)} ignored (only IOREGSEL 0x00 and IOWIN 0x10 exist)`);
  }

  private readIndirect(r: number): number {
    if (r === 0x00) return this.id << 24;
    if (r === 0x01) return IOAPIC_VERSION;
    if (r === 0x02) return this.arbitrationId << 24;
    if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
      const pin = (r - 0x10) >> 1;
      return r & 1 ? this.rteHi[pin] : this.rteLo[pin];
    }
    this.reporter.once(`ioapic-reg-${r}`, `IO-APIC: read of undefined register 0x${r.toString(16)} returns 0`);
    return 0;
  }

  private writeIndirect(r: number, v: number): void {
    if (r === 0x00) {
      this.id = (v >>> 24) & 0xf;
      this.arbitrationId = this.id;
      return;
    }
    if (r === 0x01 || r === 0x02) return; // read-only
    if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
      const pin = (r - 0x10) >> 1;
      if (r & 1) { this.rteHi[pin] = v & 0xff000000; return; }
      const was = this.asserted(pin);
      let lo = (this.rteLo[pin] & ~RTE_LO_WRITABLE) | (v & RTE_LO_WRITABLE);
      if ((lo & RTE_LEVEL) === 0) lo &= ~RTE_REMOTE_IRR; // remote IRR is undefined for edge entries
      this.rteLo[pin] = lo;
      const mode = (lo >> 8) & 7;
      if (!(lo & RTE_MASK) && (mode === 2 || mode === 3 || mode === 5 || mode === 6))
        this.reporter.once(`ioapic-mode-${mode}`, `IO-APIC: delivery mode ${mode} on pin ${pin} not modelled`);
      // A polarity change that makes an idle pin look asserted is an edge; a level pin re-evaluates.
      this.service(pin, !was && this.asserted(pin));
      return;
    }
    this.reporter.once(`ioapic-reg-${r}`, `IO-APIC: write to undefined register 0x${r.toString(16)} ignored`);
  }

  save(): DeviceState {
    return {
      ioregsel: this.ioregsel, id: this.id, arbitrationId: this.arbitrationId,
      rteLo: Array.from(this.rteLo), rteHi: Array.from(this.rteHi), inputs: this.inputs,
    };
  }

  restore(s: DeviceState): void {
    this.ioregsel = s.ioregsel as number;
    this.id = s.id as number;
    this.arbitrationId = s.arbitrationId as number;
    this.rteLo.set(s.rteLo as number[]);
    this.rteHi.set(s.rteHi as number[]);
    this.inputs = s.inputs as number;
  }
}

/** ISA IRQ → IO-APIC pin: identity except IRQ 0 on pin 2 (the usual MP/MADT interrupt source override). */
export function isaIrqToIoApicPin(irq: number): number {
  return irq === 0 ? 2 : irq;
}

/**
 * Fan-out of ISA IRQ lines to the 8259 pair and the IO-APIC: a device's IrqLine for ISA IRQ n
 * drives the PIC input for n and IO-APIC pin isaIrqToIoApicPin(n). The levels live in the two
 * controllers; this sink reads the PIC's.
 */
export class IsaIrqFanout implements IrqSink {
  constructor(
    private readonly pic: { irq(n: number): IrqLine },
    private readonly ioapic: IoApic,
  ) {}

  setIrqLevel(irq: number, level: number): void {
    this.pic.irq(irq).set(level);
    const pin = isaIrqToIoApicPin(irq);
    if (this.ioapic.irqLevel(pin) !== (level ? 1 : 0)) this.ioapic.setIrqLevel(pin, level ? 1 : 0);
  }

  irqLevel(irq: number): number {
    return this.pic.irq(irq).level;
  }

  line(irq: number): IrqLine {
    this.pic.irq(irq); // throws for IRQ 2 (the cascade) and out-of-range numbers
    return new IrqLine(this, irq);
  }
}
