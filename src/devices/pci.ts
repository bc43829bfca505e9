// PCI configuration space access mechanism #1 (PCI Local Bus Specification 2.1 §3.7.4.1) on bus 0,
// as the i440FX host bridge decodes it:
//   0xCF8 CONFIG_ADDRESS, 32-bit accesses only:
//     | 31 enable | 30:24 reserved | 23:16 bus | 15:11 device | 10:8 function | 7:2 register | 1:0 = 00 |
//   0xCFC-0xCFF CONFIG_DATA: byte/word/dword at offset o reach register (CONFIG_ADDRESS[7:2] << 2) + o.
// Byte and word accesses to 0xCF8-0xCFB are not CONFIG_ADDRESS: they pass to the ISA bus (read all
// ones), except 0xCF9, the PIIX3 Reset Control register (bit 2 0→1 resets, bit 1 selects hard reset).
// With the enable bit clear, or for a bus other than 0 (there is no bridge to another bus), or an
// absent device/function, CONFIG_DATA reads all ones (a master abort: vendor ID 0xFFFF).

import { allOnes, Reporter, type Device, type DeviceState } from "./device.js";

/** Standard type 0 header offsets (PCI 2.1 §6.1). */
export const enum PciCfg {
  VENDOR_ID = 0x00, DEVICE_ID = 0x02, COMMAND = 0x04, STATUS = 0x06, REVISION_ID = 0x08, CLASS_PROG = 0x09,
  SUBCLASS = 0x0a, CLASS = 0x0b, CACHE_LINE = 0x0c, LATENCY_TIMER = 0x0d, HEADER_TYPE = 0x0e,
}

/** One PCI function's 256-byte configuration space: contents, writable bits, write-one-to-clear bits. */
export class PciFunction {
  readonly config = new Uint8Array(256);
  /** Per byte: bits software can write. */
  readonly writable = new Uint8Array(256);
  /** Per byte: bits cleared by writing 1 (status error bits). */
  readonly writeOneToClear = new Uint8Array(256);
  /** Called after each configuration write (the i440FX's PAM registers remap memory). */
  onWrite: ((off: number, size: number) => void) | null = null;

  constructor(readonly name: string) {}

  set8(off: number, v: number, writable = 0): this {
    this.config[off] = v;
    this.writable[off] = writable;
    return this;
  }

  set16(off: number, v: number, writable = 0): this {
    this.set8(off, v & 0xff, writable & 0xff);
    return this.set8(off + 1, v >>> 8, writable >>> 8);
  }

  read(off: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | this.config[(off + i) & 0xff];
    return v >>> 0;
  }

  write(off: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) {
      const o = (off + i) & 0xff, b = (value >>> (8 * i)) & 0xff;
      const w = this.writable[o], c = this.writeOneToClear[o];
      this.config[o] = ((this.config[o] & ~w & ~(b & c)) | (b & w)) & 0xff;
    }
    if (this.onWrite !== null) this.onWrite(off & 0xff, size);
  }
}

/** Status register bits 15:11 (parity, SERR, master/target aborts) are write-one-to-clear. */
function statusErrorsW1C(f: PciFunction): PciFunction {
  f.writeOneToClear[PciCfg.STATUS + 1] = 0xf9;
  return f;
}

function identify(f: PciFunction, vendor: number, device: number, revision: number, classCode: number, headerType: number): PciFunction {
  f.set16(PciCfg.VENDOR_ID, vendor).set16(PciCfg.DEVICE_ID, device).set8(PciCfg.REVISION_ID, revision);
  f.set8(PciCfg.CLASS_PROG, classCode & 0xff).set8(PciCfg.SUBCLASS, (classCode >> 8) & 0xff).set8(PciCfg.CLASS, classCode >>> 16);
  f.set8(PciCfg.HEADER_TYPE, headerType);
  return statusErrorsW1C(f);
}

/**
 * 82441FX PMC (i440FX host bridge) function 0, register defaults from the 82441FX datasheet:
 * PCICMD 0006h (memory access and bus master always on; SERR# and parity enables writable),
 * PCISTS 0280h (fast back-to-back capable, DEVSEL# medium), revision 02h, class 060000h, MLT
 * (0Dh) bits 7:3 writable, PAM0-PAM6 (59h-5Fh) 00h with their two 2-bit RE/WE fields, SMRAM
 * (72h) 02h. PAM steers 0xC0000-0xFFFFF only on a machine with a BIOS ROM (pam.ts); SMRAM is a plain register.
 */
export function i440fxHostBridge(): PciFunction {
  const f = identify(new PciFunction("i440FX host bridge"), 0x8086, 0x1237, 0x02, 0x060000, 0x00);
  f.set16(PciCfg.COMMAND, 0x0006, 0x0140).set16(PciCfg.STATUS, 0x0280);
  f.set8(PciCfg.LATENCY_TIMER, 0x00, 0xf8);
  f.set8(0x59, 0x00, 0x30);
  for (let r = 0x5a; r <= 0x5f; r++) f.set8(r, 0x00, 0x33);
  f.set8(0x72, 0x02, 0x78);
  return f;
}

/**
 * 82371SB PIIX3 function 0 (PCI-to-ISA bridge), defaults from the PIIX3 datasheet: PCICMD 0007h,
 * PCISTS 0200h (DEVSEL# medium), class 060100h, header type 80h (multi-function: IDE and USB
 * would be functions 1 and 2, absent here), IORT (4Ch) 4Dh, XBCS (4Eh) 0003h, PIRQRC[A:D]
 * (60h-63h) 80h (routing disabled; bit 7 and IRQ bits 3:0 writable), TOM (69h) 02h, MBIRQ0
 * (70h) 80h. The PIRQ routes do not steer anything: no PCI device raises INTx yet.
 */
export function piix3IsaBridge(): PciFunction {
  const f = identify(new PciFunction("PIIX3 ISA bridge"), 0x8086, 0x7000, 0x00, 0x060100, 0x80);
  f.set16(PciCfg.COMMAND, 0x0007, 0x0048).set16(PciCfg.STATUS, 0x0200);
  f.set8(0x4c, 0x4d, 0x7f).set16(0x4e, 0x0003, 0x07ff);
  for (let r = 0x60; r <= 0x63; r++) f.set8(r, 0x80, 0x8f);
  f.set8(0x69, 0x02, 0xfe).set8(0x70, 0x80, 0xcf);
  return f;
}

/** The configuration mechanism #1 window: 0xCF8-0xCFF (register at `0xCF8` on the I/O bus with length 8). */
export class PciHost implements Device {
  readonly wide = true;
  /** CONFIG_ADDRESS as last written (bits 30:24 and 1:0 read as 0). */
  address = 0;
  /** PIIX3 Reset Control register (0xCF9). */
  resetControl = 0;
  /** Functions on bus 0, by devfn (device << 3 | function). */
  readonly functions = new Map<number, PciFunction>();

  constructor(
    private readonly reporter: Reporter = new Reporter(() => {}),
    private readonly onReset: () => void = () => {},
  ) {}

  /** Puts `f` at bus 0, device `device`, function `fn`. */
  add(device: number, fn: number, f: PciFunction): void {
    const devfn = (device << 3) | fn;
    if (this.functions.has(devfn)) throw new Error(`pci: 00:${device.toString(16).padStart(2, "0")}.${fn} taken`);
    this.functions.set(devfn, f);
  }

  private selected(): PciFunction | undefined {
    const a = this.address;
    if (a >= 0 || ((a >>> 16) & 0xff) !== 0) return undefined;
    return this.functions.get((a >>> 8) & 0xff);
  }

  read(offset: number, size: number): number {
    if (offset < 4) {
      if (offset === 0 && size === 4) return this.address >>> 0;
      if (offset === 1 && size === 1) return this.resetControl;
      return allOnes(size);
    }
    const f = this.selected();
    if (f === undefined) return allOnes(size);
    return f.read((this.address & 0xfc) + (offset - 4), size);
  }

  write(offset: number, size: number, value: number): void {
    if (offset < 4) {
      if (offset === 0 && size === 4) this.address = value & 0x80fffffc;
      else if (offset === 1 && size === 1) this.writeResetControl(value);
      return;
    }
    const f = this.selected();
    if (f !== undefined) f.write((this.address & 0xfc) + (offset - 4), size, value);
  }

  /** PIIX3 RC: bit 1 SRST (hard reset), bit 2 RCPU (a 0→1 transition resets). */
  private writeResetControl(v: number): void {
    const rising = (v & 4) !== 0 && (this.resetControl & 4) === 0;
    this.resetControl = v & 0x02;
    if (rising) this.onReset();
  }

  save(): DeviceState {
    const functions: DeviceState = {};
    for (const [devfn, f] of this.functions) functions[String(devfn)] = f.config.slice();
    return { address: this.address, resetControl: this.resetControl, functions };
  }

  restore(s: DeviceState): void {
    this.address = s.address as number;
    this.resetControl = s.resetControl as number;
    const fs = s.functions as DeviceState;
    for (const [devfn, f] of this.functions) f.config.set(fs[String(devfn)] as Uint8Array);
  }
}

/** The PC's bus 0: i440FX at 00.0, PIIX3 at 01.0. */
export function pcPciBus(reporter?: Reporter, onReset?: () => void): PciHost {
  const host = new PciHost(reporter, onReset);
  host.add(0, 0, i440fxHostBridge());
  host.add(1, 0, piix3IsaBridge());
  return host;
}
