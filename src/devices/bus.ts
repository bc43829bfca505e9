// The port I/O bus and the guest-physical MMIO bus. A device sees only its window: the bus
// translates an address to (offset within the window, size). Ranges never overlap: register()
// refuses a conflict, as rust-vmm's vm-device Bus does.
//
// ISA behaviour on the I/O bus: a 16/32-bit access to a device that decodes only bytes is split
// into byte cycles at consecutive ports (low byte first), each decoded on its own; nobody
// answering a read leaves the data lines pulled up, so it reads all ones. An access to an
// unclaimed port is therefore not an error: it is reported once per port.

import { allOnes, Reporter, type Device, type ReportSink } from "./device.js";

export { IrqLine, IrqLevels, type IrqSink } from "./irq.js";
export type { Device, DeviceState, AccessReport, ReportSink } from "./device.js";

/** A configuration error: two devices claim the same addresses. */
export class BusConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BusConflictError";
  }
}

interface Window {
  readonly start: number;
  readonly length: number;
  readonly device: Device;
  readonly name: string;
}

function hex(v: number): string {
  return "0x" + (v >>> 0).toString(16);
}

/** Port I/O space 0x0000-0xFFFF. */
export class IoBus {
  /** The reporter devices use for their own "not modelled" reports (see Reporter). */
  readonly reporter: Reporter;
  private readonly windows: Window[] = [];
  /** Per port: index into `windows`, or -1. */
  private readonly map = new Int16Array(0x10000).fill(-1);
  private readonly reportedPorts = new Uint8Array(0x10000);

  constructor(report: ReportSink) {
    this.reporter = new Reporter(report);
  }

  /** Claims ports [start, start+length) for `device`; throws BusConflictError on any overlap. */
  register(start: number, length: number, device: Device, name = "device"): void {
    if (!Number.isInteger(start) || !Number.isInteger(length) || length <= 0 || start < 0 || start + length > 0x10000)
      throw new BusConflictError(`io: bad range ${hex(start)}+${length} for ${name}`);
    for (let p = start; p < start + length; p++) {
      const i = this.map[p];
      if (i >= 0) {
        const w = this.windows[i];
        throw new BusConflictError(
          `io: ${name} at ${hex(start)}-${hex(start + length - 1)} overlaps ${w.name} at ${hex(w.start)}-${hex(w.start + w.length - 1)} (port ${hex(p)})`,
        );
      }
    }
    const index = this.windows.length;
    this.windows.push({ start, length, device, name });
    this.map.fill(index, start, start + length);
  }

  /** IN: returns the value read (unsigned, `size` bytes). `pc` is the guest PC, for reports. */
  read(port: number, size: number, pc = -1): number {
    port &= 0xffff;
    const i = this.map[port];
    if (i >= 0) {
      const w = this.windows[i];
      if (size === 1 || (w.device.wide && port + size <= w.start + w.length)) {
        this.reporter.setAccess("io", port, false, size, pc);
        return w.device.read(port - w.start, size);
      }
    } else if (size === 1) {
      this.unclaimed(port, false, size, pc);
      return 0xff;
    }
    let v = 0;
    for (let b = 0; b < size; b++) v |= this.read((port + b) & 0xffff, 1, pc) << (8 * b);
    return size === 4 ? v >>> 0 : v;
  }

  /** OUT of the low `size` bytes of `value`. */
  write(port: number, size: number, value: number, pc = -1): void {
    port &= 0xffff;
    const i = this.map[port];
    if (i >= 0) {
      const w = this.windows[i];
      if (size === 1 || (w.device.wide && port + size <= w.start + w.length)) {
        this.reporter.setAccess("io", port, true, size, pc);
        w.device.write(port - w.start, size, size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff));
        return;
      }
    } else if (size === 1) {
      this.unclaimed(port, true, size, pc);
      return;
    }
    for (let b = 0; b < size; b++) this.write((port + b) & 0xffff, 1, (value >>> (8 * b)) & 0xff, pc);
  }

  /** The name the device at `port` was registered under, or "" (for reports and exit statistics). */
  nameAt(port: number): string {
    const i = this.map[port & 0xffff];
    return i >= 0 ? this.windows[i].name : "";
  }

  /** The device registered at `port`, if any. */
  deviceAt(port: number): Device | undefined {
    const i = this.map[port & 0xffff];
    return i >= 0 ? this.windows[i].device : undefined;
  }

  private unclaimed(port: number, write: boolean, size: number, pc: number): void {
    if (this.reportedPorts[port]) return;
    this.reportedPorts[port] = 1;
    this.reporter.setAccess("io", port, write, size, pc);
    this.reporter.once(`io-unclaimed-${port}`, write ? "write to unclaimed port ignored" : "read from unclaimed port returns all ones");
  }
}

/** Guest-physical MMIO space (32-bit addresses). Devices here decode their own access sizes. */
export class MmioBus {
  readonly reporter: Reporter;
  /** Sorted by start. */
  private readonly windows: Window[] = [];
  private readonly reportedPages = new Set<number>();

  constructor(report: ReportSink) {
    this.reporter = new Reporter(report);
  }

  /** Claims [start, start+length) for `device`; throws BusConflictError on any overlap. */
  register(start: number, length: number, device: Device, name = "device"): void {
    if (!Number.isInteger(start) || !Number.isInteger(length) || length <= 0 || start < 0 || start + length > 0x100000000)
      throw new BusConflictError(`mmio: bad range ${hex(start)}+${length} for ${name}`);
    for (const w of this.windows) {
      if (start < w.start + w.length && w.start < start + length)
        throw new BusConflictError(
          `mmio: ${name} at ${hex(start)}-${hex(start + length - 1)} overlaps ${w.name} at ${hex(w.start)}-${hex(w.start + w.length - 1)}`,
        );
    }
    this.windows.push({ start, length, device, name });
    this.windows.sort((a, b) => a.start - b.start);
  }

  /** The name the device at `addr` was registered under, or "" (for exit statistics). */
  nameAt(addr: number): string {
    return this.find(addr >>> 0)?.name ?? "";
  }

  /** Is any device at guest-physical `addr`? (The memory system asks before treating an access as MMIO.) */
  claims(addr: number): boolean {
    return this.find(addr >>> 0) !== undefined;
  }

  read(addr: number, size: number, pc = -1): number {
    addr >>>= 0;
    const w = this.find(addr);
    if (w && addr + size <= w.start + w.length) {
      this.reporter.setAccess("mmio", addr, false, size, pc);
      return w.device.read(addr - w.start, size);
    }
    if (!w && size === 1) {
      this.unclaimed(addr, false, size, pc);
      return 0xff;
    }
    let v = 0;
    for (let b = 0; b < size; b++) v |= this.read(addr + b, 1, pc) << (8 * b);
    return size === 4 ? v >>> 0 : v & allOnes(size);
  }

  write(addr: number, size: number, value: number, pc = -1): void {
    addr >>>= 0;
    const w = this.find(addr);
    if (w && addr + size <= w.start + w.length) {
      this.reporter.setAccess("mmio", addr, true, size, pc);
      w.device.write(addr - w.start, size, size === 4 ? value >>> 0 : value & allOnes(size));
      return;
    }
    if (!w && size === 1) {
      this.unclaimed(addr, true, size, pc);
      return;
    }
    for (let b = 0; b < size; b++) this.write(addr + b, 1, (value >>> (8 * b)) & 0xff, pc);
  }

  private find(addr: number): Window | undefined {
    const ws = this.windows;
    let lo = 0;
    let hi = ws.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const w = ws[mid];
      if (addr < w.start) hi = mid - 1;
      else if (addr >= w.start + w.length) lo = mid + 1;
      else return w;
    }
    return undefined;
  }

  private unclaimed(addr: number, write: boolean, size: number, pc: number): void {
    const page = Math.floor(addr / 4096);
    if (this.reportedPages.has(page)) return;
    this.reportedPages.add(page);
    this.reporter.setAccess("mmio", addr, write, size, pc);
    this.reporter.once(`mmio-unclaimed-${page}`, write ? "write to unclaimed MMIO ignored" : "read from unclaimed MMIO returns all ones");
  }
}
