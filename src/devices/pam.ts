// i440FX Programmable Attribute Map (82441FX datasheet, PAM0-PAM6 at config offsets 59h-5Fh): how
// the host bridge decodes 0xC0000-0xFFFFF, so a BIOS can copy itself from ROM into the RAM under
// it ("shadowing") and then make that copy read-only.
//
//   reg  bits 5:4            bits 1:0        each 2-bit field: bit 0 RE, bit 1 WE
//   59h  F0000-FFFFF (64K)   reserved        RE=1: reads go to DRAM, else to PCI
//   5Ah  C4000-C7FFF         C0000-C3FFF     WE=1: writes go to DRAM, else to PCI
//   5Bh  CC000-CFFFF         C8000-CBFFF
//   5Ch  D4000-D7FFF         D0000-D3FFF
//   5Dh  DC000-DFFFF         D8000-DBFFF
//   5Eh  E4000-E7FFF         E0000-E3FFF
//   5Fh  EC000-EFFFF         E8000-EBFFF
//
// On PCI, the BIOS ROM's last 128 KiB (or all of a smaller ROM) answer at 0xE0000-0xFFFFF, as the
// PIIX3 decodes the BIOS chip there; below that, PCI has nothing (reads all ones) and writes forwarded
// to PCI are dropped (ROM does not change).

import { ACC_WRITE, type LegacyWindow } from "../cpu/memory.js";

export const PAM0 = 0x59, PAM6 = 0x5f;

/** The PAM field for guest-physical `a` in 0xC0000-0xFFFFF: 2 bits, bit 0 RE, bit 1 WE. */
export function pamField(config: Uint8Array, a: number): number {
  if (a >= 0xf0000) return (config[PAM0] >> 4) & 3;
  return (config[PAM0 + 1 + ((a - 0xc0000) >> 15)] >> (((a >> 14) & 1) * 4)) & 3;
}

/** The legacy window of a machine with a BIOS ROM: PAM fields read live from the host bridge's config bytes. */
export class PamWindow implements LegacyWindow {
  /** Guest-physical start of the ROM alias below 1 MiB. */
  readonly isaRomStart: number;
  /**
   * @param config the i440FX configuration space (its PAM bytes are read on every translation, so a
   *   restored snapshot needs nothing more than the TLB flush it already does)
   * @param romHost host offset of the ROM image; @param romBytes its size
   */
  constructor(private readonly config: Uint8Array, romHost: number, romBytes: number) {
    this.isaRomStart = 0x100000 - Math.min(romBytes, 0x20000);
    this.romEndHost = romHost + romBytes;
  }

  /** Host offset just past the ROM image: the alias ends at 0x100000 where the ROM ends. */
  private readonly romEndHost: number;

  translate(a: number, access: number): number {
    const f = pamField(this.config, a);
    if (access === ACC_WRITE) return (f & 2) !== 0 ? a : -1;
    if ((f & 1) !== 0) return a;
    if (a < this.isaRomStart) return -1;
    return this.romEndHost - (0x100000 - a);
  }
}
