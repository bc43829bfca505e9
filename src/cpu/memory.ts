// Host-physical memory and the guest-physical map in front of it.
//
// HostMemory is one ArrayBuffer: the machine's RAM. PhysicalMap decides, for a guest-physical
// address, where it lands: a host offset into RAM, or -1 for MMIO (no RAM behind it; the access
// goes to the map's mmioRead/mmioWrite, which in the full machine is an EPT-violation VM exit).
// The base map is identity over RAM with A20 masking; the machine's EPT map (src/vmx) subclasses it.

export class HostMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /**
   * One byte per 4 KiB host page, set when the page may have been written since the last
   * clearDirty(). Fast-path writes do not touch it: a TLB entry gets write permission only after
   * its page was marked here, so clearDirty() must be followed by a TLB flush (cpu.flushTlb()).
   */
  readonly dirty: Uint8Array;
  /**
   * Per host page: 1 while decoded instructions from it are cached (decode cache in cpu.ts).
   * Such a page never gets fast-path write permission in the TLB, so every write to it goes
   * through the slow path, which bumps codeGen (invalidating the cached records) and clears the mark.
   */
  readonly codePage: Uint8Array;
  /** Per host page: generation of its decoded-instruction cache entries. */
  readonly codeGen: Int32Array;
  constructor(readonly size: number) {
    if (size <= 0 || size % 4096 !== 0) throw new RangeError(`memory size ${size} is not a positive multiple of 4096`);
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
    this.dirty = new Uint8Array(size >>> 12);
    this.codePage = new Uint8Array(size >>> 12);
    this.codeGen = new Int32Array(size >>> 12);
  }

  /** Host bytes [start, start+length) were written behind the CPU's back (loader, DMA): drop cached code. */
  invalidateCode(start: number, length: number): void {
    for (let p = start >>> 12; p <= (start + length - 1) >>> 12 && p < this.codePage.length; p++) {
      if (this.codePage[p]) { this.codePage[p] = 0; this.codeGen[p]++; }
      this.dirty[p] = 1;
    }
  }
}

export const ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2;

/** Guest-physical 0xC0000-0xFFFFF, where a chipset may steer reads and writes apart (shadow RAM / ROM). */
export const LEGACY_WINDOW_START = 0xc0000, LEGACY_WINDOW_END = 0x100000;

/** The chipset's decoding of the legacy window (the i440FX PAM registers, src/devices/pam.ts). */
export interface LegacyWindow {
  /** Host offset for `gpa` in [LEGACY_WINDOW_START, LEGACY_WINDOW_END) for `access`, or -1 (nothing there / ROM write). */
  translate(gpa: number, access: number): number;
}

export class PhysicalMap {
  /** 0xffffffff with A20 enabled, ~(1 << 20) with it masked (the 8086 wrap). */
  a20Mask = -1;
  /** Writes to guest-physical [romStart, romEnd) are dropped (BIOS ROM shadow). */
  romStart = 0;
  romEnd = 0;
  /** Guest RAM is guest-physical [0, ramTop), at the same host offsets; host bytes above it hold ROM. */
  ramTop: number;
  /** A firmware ROM at guest-physical [highRomBase, 4 GiB) reads host bytes from highRomHost on (0: none). */
  highRomBase = 0;
  highRomHost = 0;
  /** When set, decides 0xC0000-0xFFFFF (a BIOS machine); otherwise that range is plain RAM. */
  legacy: LegacyWindow | null = null;
  constructor(readonly mem: HostMemory) {
    this.ramTop = mem.size;
  }

  /** Host offset for guest-physical `gpa`, or -1 when no RAM is there (MMIO) or a write hits ROM. */
  translate(gpa: number, access: number): number {
    const a = (gpa & this.a20Mask) >>> 0;
    if (a >= this.ramTop) {
      if (this.highRomBase !== 0 && a >= this.highRomBase && access !== ACC_WRITE) return this.highRomHost + (a - this.highRomBase);
      return -1;
    }
    if (this.legacy !== null && a >= LEGACY_WINDOW_START && a < LEGACY_WINDOW_END) return this.legacy.translate(a, access);
    if (access === ACC_WRITE && a >= this.romStart && a < this.romEnd) return -1;
    return a;
  }

  /** A snapshot point: drop any cached guest-physical translations (the EPT map caches them). */
  dropCaches(): void {}

  /** A write to `gpa` lands on firmware ROM (dropped silently, as the ROM ignores it). */
  isRomWrite(gpa: number): boolean {
    const a = (gpa & this.a20Mask) >>> 0;
    if (this.highRomBase !== 0 && a >= this.highRomBase) return true;
    return this.legacy !== null && a >= 0xe0000 && a < LEGACY_WINDOW_END;
  }

  /** Unbacked guest-physical read. Real hardware returns all ones for an unclaimed bus cycle. */
  mmioRead(_gpa: number, size: number): number {
    return size === 4 ? -1 : (1 << (size * 8)) - 1;
  }

  /** Unbacked guest-physical write: dropped, as on a bus with nothing decoding the address. */
  mmioWrite(_gpa: number, _size: number, _value: number): void {}
}
