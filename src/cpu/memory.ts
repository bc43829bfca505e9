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

export class PhysicalMap {
  /** 0xffffffff with A20 enabled, ~(1 << 20) with it masked (the 8086 wrap). */
  a20Mask = -1;
  /** Writes to guest-physical [romStart, romEnd) are dropped (BIOS ROM shadow). */
  romStart = 0;
  romEnd = 0;
  constructor(readonly mem: HostMemory) {}

  /** Host offset for guest-physical `gpa`, or -1 when no RAM is there (MMIO) or a write hits ROM. */
  translate(gpa: number, access: number): number {
    const a = (gpa & this.a20Mask) >>> 0;
    if (a >= this.mem.size) return -1;
    if (access === ACC_WRITE && a >= this.romStart && a < this.romEnd) return -1;
    return a;
  }

  /** Unbacked guest-physical read. Real hardware returns all ones for an unclaimed bus cycle. */
  mmioRead(_gpa: number, size: number): number {
    return size === 4 ? -1 : (1 << (size * 8)) - 1;
  }

  /** Unbacked guest-physical write: dropped, as on a bus with nothing decoding the address. */
  mmioWrite(_gpa: number, _size: number, _value: number): void {}
}
