// What every device model is: a deterministic state machine seen only through its bus window.
// Time comes only from the Clock (clock.ts); interrupts leave only through IrqLine objects (irq.ts).

/** A snapshot value: plain numbers, booleans, arrays, typed arrays and nested plain objects (msgpackr-encodable). */
export type StateValue = number | boolean | string | Uint8Array | StateValue[] | { [field: string]: StateValue };
/** A device's state with named fields. */
export type DeviceState = { [field: string]: StateValue };

/** A device window on the I/O or MMIO bus. Offsets are relative to the window start. */
export interface Device {
  /** Read `size` bytes (1, 2, 4) at `offset`; the result is an unsigned value of that width. */
  read(offset: number, size: number): number;
  /** Write the low `size` bytes of `value` at `offset`. */
  write(offset: number, size: number, value: number): void;
  /** The complete state, with named fields. */
  save(): DeviceState;
  /** Replace the state with one from save() (of the same machine configuration). */
  restore(state: DeviceState): void;
  /**
   * true: the device decodes 16/32-bit accesses itself. false/absent: it decodes bytes only,
   * and the I/O bus splits wider accesses into byte cycles on consecutive ports (ISA behaviour).
   */
  readonly wide?: boolean;
}

/** Something unmodelled the guest touched; the bus fills in the access that caused it. */
export interface AccessReport {
  /** I/O port or guest-physical address of the access. */
  address: number;
  space: "io" | "mmio";
  write: boolean;
  size: number;
  /** Guest PC supplied by the caller of the bus access (-1 if unknown). */
  pc: number;
  message: string;
}

export type ReportSink = (report: AccessReport) => void;

/**
 * Reports each unmodelled thing once. A bus sets the current access before dispatching to a
 * device, so a device's report names the port and guest PC that provoked it.
 */
export class Reporter {
  space: "io" | "mmio" = "io";
  address = -1;
  write = false;
  size = 0;
  pc = -1;
  private readonly seen = new Set<string>();

  constructor(private readonly sink: ReportSink) {}

  /** Sets the access that the next reports are about (called by the bus on every dispatch). */
  setAccess(space: "io" | "mmio", address: number, write: boolean, size: number, pc: number): void {
    this.space = space;
    this.address = address;
    this.write = write;
    this.size = size;
    this.pc = pc;
  }

  /** Reports `message` the first time `key` is seen; later calls with the same key do nothing. */
  once(key: string, message: string): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.sink({ address: this.address, space: this.space, write: this.write, size: this.size, pc: this.pc, message });
  }
}

/** Renders a report as one log line, e.g. `io port 0x3fb write size 1 at pc 0x00101234: ...`. */
export function formatReport(r: AccessReport): string {
  const where = r.space === "io" ? `io port 0x${hex(r.address, 4)}` : `mmio 0x${hex(r.address, 8)}`;
  const pc = r.pc < 0 ? "pc ?" : `pc 0x${hex(r.pc, 8)}`;
  return `${where} ${r.write ? "write" : "read"} size ${r.size} at ${pc}: ${r.message}`;
}

function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).padStart(digits, "0");
}

/** All ones of an access width: what a read from nothing returns on ISA. */
export function allOnes(size: number): number {
  return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
}
