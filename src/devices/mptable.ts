// Intel MultiProcessor Specification 1.4 tables (MP spec chapter 4), which is how an OS without
// ACPI finds the local APIC, the IO-APIC and how ISA/PCI interrupts reach IO-APIC pins.
//
// MP floating pointer structure (16 bytes, 16-byte aligned, MP spec §4.1):
//   0 "_MP_"  4 physical address of the configuration table  8 length in 16-byte units (1)
//   9 spec revision (4 = 1.4)  10 checksum (all 16 bytes sum to 0)
//   11 feature 1 (0: a configuration table is present)  12 feature 2 (bit 7 IMCRP = 0: virtual
//   wire mode, no IMCR)  13-15 reserved
// Configuration table header (44 bytes, MP spec §4.2):
//   0 "PCMP"  4 base table length  6 spec revision  7 checksum  8 OEM ID (8)  16 product ID (12)
//   28 OEM table pointer  32 OEM table size  34 entry count  36 local APIC address
//   40 extended table length  42 extended table checksum  43 reserved
// Entries, in type order (MP spec §4.3): 0 processor (20 bytes), 1 bus, 2 I/O APIC,
// 3 I/O interrupt assignment, 4 local interrupt assignment (8 bytes each).

import { LAPIC_BASE, LAPIC_VERSION } from "./lapic.js";
import { IOAPIC_BASE, IOAPIC_VERSION, isaIrqToIoApicPin } from "./ioapic.js";

export const MP_FLOATING_POINTER = 0xf0000;

/** Interrupt types of entries 3 and 4 (MP spec Table 4-9). */
export const enum MpIntType { INT = 0, NMI = 1, SMI = 2, EXTINT = 3 }

export interface MpTableOptions {
  /** Where the floating pointer goes (16-byte aligned, in 0xF0000-0xFFFFF); the table follows it. */
  address?: number;
  apicId?: number;
  ioApicId?: number;
  /** CPUID.1 EAX (stepping, model, family) and EDX of the processor. */
  cpuSignature: number;
  cpuFeatures: number;
  /** PCI INTx sources on bus 0: device number, pin (0 = INTA#), IO-APIC pin. */
  pciIntx?: { device: number; pin: number; ioApicPin: number }[];
}

const BUS_PCI = 0;
const BUS_ISA = 1;

/** Writes the floating pointer and the configuration table into `mem` (guest-physical bytes); returns the table's size. */
export function writeMpTable(mem: Uint8Array, o: MpTableOptions): { pointer: number; table: number; length: number } {
  const fp = o.address ?? MP_FLOATING_POINTER;
  if ((fp & 15) !== 0 || fp < 0xf0000 || fp + 16 > 0x100000) throw new RangeError(`MP floating pointer at 0x${fp.toString(16)}: must be 16-byte aligned in 0xF0000-0xFFFFF`);
  const apicId = o.apicId ?? 0, ioApicId = o.ioApicId ?? 1;
  const table = fp + 16;
  const bytes: number[] = [];
  const u8 = (v: number) => bytes.push(v & 0xff);
  const u16 = (v: number) => { u8(v); u8(v >>> 8); };
  const u32 = (v: number) => { u16(v); u16(v >>> 16); };
  const str = (s: string, n: number) => { for (let i = 0; i < n; i++) u8(i < s.length ? s.charCodeAt(i) : 0x20); };

  // header, patched below
  str("PCMP", 4); u16(0); u8(4); u8(0); str("X86RR", 8); str("PC", 12);
  u32(0); u16(0); u16(0); u32(LAPIC_BASE); u16(0); u8(0); u8(0);
  let entries = 0;
  // processor: EN | BP
  u8(0); u8(apicId); u8(LAPIC_VERSION & 0xff); u8(0x03); u32(o.cpuSignature); u32(o.cpuFeatures); u32(0); u32(0); entries++;
  u8(1); u8(BUS_PCI); str("PCI", 6); entries++;
  u8(1); u8(BUS_ISA); str("ISA", 6); entries++;
  u8(2); u8(ioApicId); u8(IOAPIC_VERSION & 0xff); u8(0x01); u32(IOAPIC_BASE); entries++;
  // ISA IRQs, polarity and trigger conforming to the bus (edge, active high). IRQ 2 is the
  // 8259 cascade and has no entry: its pin carries IRQ 0.
  for (let irq = 0; irq < 16; irq++) {
    if (irq === 2) continue;
    u8(3); u8(MpIntType.INT); u16(0); u8(BUS_ISA); u8(irq); u8(ioApicId); u8(isaIrqToIoApicPin(irq)); entries++;
  }
  // PCI INTx: source bus IRQ = device << 2 | pin; active low (PO=11), level (EL=11).
  for (const p of o.pciIntx ?? []) {
    u8(3); u8(MpIntType.INT); u16(0x0f); u8(BUS_PCI); u8((p.device << 2) | (p.pin & 3)); u8(ioApicId); u8(p.ioApicPin); entries++;
  }
  // LINT0 ExtINT, LINT1 NMI, to all local APICs (0xFF).
  u8(4); u8(MpIntType.EXTINT); u16(0); u8(BUS_ISA); u8(0); u8(0xff); u8(0); entries++;
  u8(4); u8(MpIntType.NMI); u16(0); u8(BUS_ISA); u8(0); u8(0xff); u8(1); entries++;

  const length = bytes.length;
  if (table + length > 0x100000) throw new RangeError("MP table does not fit below 1 MiB");
  bytes[4] = length & 0xff; bytes[5] = length >>> 8;
  bytes[34] = entries & 0xff; bytes[35] = entries >>> 8;
  bytes[7] = checksum(bytes);
  mem.set(bytes, table);

  const p: number[] = [0x5f, 0x4d, 0x50, 0x5f, table & 0xff, (table >>> 8) & 0xff, (table >>> 16) & 0xff, table >>> 24, 1, 4, 0, 0, 0, 0, 0, 0];
  p[10] = checksum(p);
  mem.set(p, fp);
  return { pointer: fp, table, length };
}

/** The byte that makes `bytes` sum to 0 modulo 256. */
function checksum(bytes: number[]): number {
  let s = 0;
  for (const b of bytes) s += b;
  return (256 - (s & 0xff)) & 0xff;
}
