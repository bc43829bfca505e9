// QEMU firmware configuration device (fw_cfg), traditional I/O interface only, as QEMU's
// documentation (docs/specs/fw_cfg.rst) defines it:
//   0x510 selector (16-bit write): selects an item and rewinds its read offset to 0
//   0x511 data (8-bit read): the next byte of the selected item; 0 past its end or for an absent item
// Items used here:
//   0x0000 signature "QEMU"     0x0001 ID (u32 LE, bit 0: traditional interface; no DMA bit)
//   0x0003 RAM size (u64 LE)    0x0005 CPU count (u16)    0x000F max CPUs (u16)
//   0x0019 file directory: u32 BE count, then per file { u32 BE size, u16 BE select, u16 reserved, char name[56] }
// Files get selectors from 0x0020 on, in directory order (sorted by name, as QEMU keeps them).
// The contents are fixed when the machine is built; only the selector and offset are state.

import type { Device, DeviceState } from "./device.js";

export const FW_CFG_PORT = 0x510;
export const FW_CFG_PORT_SIZE = 2;
const FW_CFG_SIGNATURE = 0x0000, FW_CFG_ID = 0x0001, FW_CFG_RAM_SIZE = 0x0003, FW_CFG_NB_CPUS = 0x0005,
  FW_CFG_MAX_CPUS = 0x000f, FW_CFG_FILE_DIR = 0x0019, FW_CFG_FILE_FIRST = 0x0020;
const FILE_NAME_BYTES = 56;

/** e820 entry types (ACPI spec, Address Range Types). */
export const E820_RAM = 1, E820_RESERVED = 2;

export interface FwCfgOptions {
  ramBytes: number;
  cpus?: number;
  /** Named files (e.g. "etc/e820"); contents as the guest reads them. */
  files?: Record<string, Uint8Array>;
}

export class FwCfg implements Device {
  readonly wide = true;
  selector = 0;
  offset = 0;
  private readonly items = new Map<number, Uint8Array>();

  constructor(o: FwCfgOptions) {
    const le = (n: number, v: number) => { const b = new Uint8Array(n); let x = v; for (let i = 0; i < n; i++) { b[i] = x % 256; x = Math.floor(x / 256); } return b; };
    this.items.set(FW_CFG_SIGNATURE, new TextEncoder().encode("QEMU"));
    this.items.set(FW_CFG_ID, le(4, 1));
    this.items.set(FW_CFG_RAM_SIZE, le(8, o.ramBytes));
    this.items.set(FW_CFG_NB_CPUS, le(2, o.cpus ?? 1));
    this.items.set(FW_CFG_MAX_CPUS, le(2, o.cpus ?? 1));
    const names = Object.keys(o.files ?? {}).sort();
    const dir = new Uint8Array(4 + names.length * (8 + FILE_NAME_BYTES));
    const v = new DataView(dir.buffer);
    v.setUint32(0, names.length);
    names.forEach((name, i) => {
      const data = o.files![name], select = FW_CFG_FILE_FIRST + i, at = 4 + i * (8 + FILE_NAME_BYTES);
      const nameBytes = new TextEncoder().encode(name);
      if (nameBytes.length >= FILE_NAME_BYTES) throw new RangeError(`fw_cfg file name "${name}" is longer than ${FILE_NAME_BYTES - 1} bytes`);
      v.setUint32(at, data.length);
      v.setUint16(at + 4, select);
      dir.set(nameBytes, at + 8);
      this.items.set(select, data);
    });
    this.items.set(FW_CFG_FILE_DIR, dir);
  }

  read(offset: number, size: number): number {
    if (offset !== 1) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    // Wider reads of the data port return consecutive bytes, first byte lowest (as QEMU's x86 port does).
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.nextByte() << (8 * i);
    return v >>> 0;
  }

  write(offset: number, size: number, value: number): void {
    if (offset === 0 && size >= 2) {
      this.selector = value & 0xffff;
      this.offset = 0;
    }
    // Data port writes are ignored (deprecated since QEMU 2.4).
  }

  private nextByte(): number {
    const item = this.items.get(this.selector);
    if (item === undefined || this.offset >= item.length) return 0;
    return item[this.offset++];
  }

  save(): DeviceState {
    return { selector: this.selector, offset: this.offset };
  }

  restore(s: DeviceState): void {
    this.selector = s.selector as number;
    this.offset = s.offset as number;
  }
}

/** An `etc/e820` file: packed { u64 address, u64 length, u32 type } little-endian entries. */
export function e820File(entries: { address: number; length: number; type: number }[]): Uint8Array {
  const out = new Uint8Array(entries.length * 20);
  const v = new DataView(out.buffer);
  entries.forEach((e, i) => {
    v.setBigUint64(i * 20, BigInt(e.address), true);
    v.setBigUint64(i * 20 + 8, BigInt(e.length), true);
    v.setUint32(i * 20 + 16, e.type, true);
  });
  return out;
}
