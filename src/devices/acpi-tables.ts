// The ACPI tables firmware leaves in memory for the OS (ACPI 6.4 chapter 5), the minimum a PC
// guest needs: where the PM registers are (FADT), how ISA IRQs reach the IO-APIC (MADT), and the
// \_S5 sleep object (DSDT) that lets the OS power the machine off.
//
//   RSDP (ACPI 1.0, 20 bytes, 16-byte aligned in 0xE0000-0xFFFFF so the OS finds it by scanning)
//     → RSDT → FADT (revision 1, 116 bytes) → FACS, DSDT
//            → MADT ("APIC"): local APIC 0, IO-APIC, IRQ 0 → GSI 2 and SCI (IRQ 9, level,
//              active high) overrides, LINT1 = NMI
//
// Every table header (ACPI §5.2.6, 36 bytes): signature(4) length(4) revision(1) checksum(1)
// OEMID(6) OEM table ID(8) OEM revision(4) creator ID(4) creator revision(4); the checksum
// makes the whole table sum to 0.

import { ACPI_PM_BASE, ACPI_SLP_TYP_S5 } from "./acpi-pm.js";
import { IOAPIC_BASE } from "./ioapic.js";
import { LAPIC_BASE } from "./lapic.js";

/** Where the tables go: a reserved area below 1 MiB that the e820 map and the OS leave alone. */
export const ACPI_TABLES_BASE = 0xe0000;
/** ISA IRQ of the SCI. */
export const ACPI_SCI_IRQ = 9;

export interface AcpiTableOptions {
  base?: number;
  apicId?: number;
  ioApicId?: number;
}

/** FADT flags (ACPI Table 5.10): WBINVD works, C1 supported, no fixed power/sleep buttons. */
const FADT_FLAGS = (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5);

/**
 * \_S5 for the DSDT in AML (ACPI §20): Name (_S5, Package (4) { SLP_TYP, SLP_TYP, 0, 0 }).
 * NameOp 08, NameString "_S5_", PackageOp 12, PkgLength 06, NumElements 04, four data objects
 * (ZeroOp 00 or BytePrefix 0A nn).
 */
function s5Aml(): number[] {
  const typ = (v: number) => (v === 0 ? [0x00] : [0x0a, v]);
  const elems = [...typ(ACPI_SLP_TYP_S5), ...typ(ACPI_SLP_TYP_S5), 0x00, 0x00];
  return [0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 2 + elems.length, 0x04, ...elems];
}

class TableWriter {
  readonly bytes: number[] = [];
  u8(v: number): void { this.bytes.push(v & 0xff); }
  u16(v: number): void { this.u8(v); this.u8(v >>> 8); }
  u32(v: number): void { this.u16(v); this.u16(v >>> 16); }
  str(s: string, n: number): void { for (let i = 0; i < n; i++) this.u8(i < s.length ? s.charCodeAt(i) : 0x20); }
  zeros(n: number): void { for (let i = 0; i < n; i++) this.u8(0); }
}

/** A table with a standard header; the length and checksum are filled in. */
function table(signature: string, revision: number, body: (w: TableWriter) => void): number[] {
  const w = new TableWriter();
  w.str(signature, 4); w.u32(0); w.u8(revision); w.u8(0);
  w.str("X86RR", 6); w.str("X86RRPC", 8); w.u32(1); w.str("XRR ", 4); w.u32(1);
  body(w);
  const b = w.bytes;
  const len = b.length;
  b[4] = len & 0xff; b[5] = (len >>> 8) & 0xff; b[6] = (len >>> 16) & 0xff; b[7] = len >>> 24;
  b[9] = checksum(b);
  return b;
}

/** Writes RSDP, RSDT, FADT, FACS, DSDT and MADT at `base`; returns the RSDP address and the bytes used. */
export function writeAcpiTables(mem: Uint8Array, o: AcpiTableOptions = {}): { rsdp: number; length: number } {
  const base = o.base ?? ACPI_TABLES_BASE;
  if ((base & 63) !== 0 || base < 0xe0000 || base >= 0x100000) throw new RangeError(`ACPI tables at 0x${base.toString(16)}: must be 64-byte aligned in 0xE0000-0xFFFFF`);
  const apicId = o.apicId ?? 0, ioApicId = o.ioApicId ?? 1;
  // Layout: FACS first (it needs 64-byte alignment), then the rest 16-byte aligned.
  const facsAt = base;
  const facs = new TableWriter();
  facs.str("FACS", 4); facs.u32(64); facs.u32(0); facs.u32(0); facs.u32(0); facs.u32(0); facs.zeros(40);

  const dsdt = table("DSDT", 1, (w) => { for (const b of s5Aml()) w.u8(b); });
  const madt = table("APIC", 1, (w) => {
    w.u32(LAPIC_BASE); w.u32(1); // local APIC address; flags: PCAT_COMPAT (8259s present)
    w.u8(0); w.u8(8); w.u8(0); w.u8(apicId); w.u32(1); // processor local APIC, enabled
    w.u8(1); w.u8(12); w.u8(ioApicId); w.u8(0); w.u32(IOAPIC_BASE); w.u32(0); // IO-APIC, GSI base 0
    w.u8(2); w.u8(10); w.u8(0); w.u8(0); w.u32(2); w.u16(0); // ISA IRQ 0 → GSI 2, bus-conforming
    // SCI: level-triggered (11 << 2), active high (01).
    w.u8(2); w.u8(10); w.u8(0); w.u8(ACPI_SCI_IRQ); w.u32(ACPI_SCI_IRQ); w.u16((3 << 2) | 1);
    w.u8(4); w.u8(6); w.u8(0xff); w.u16(0); w.u8(1); // local APIC NMI on LINT1, all processors
  });
  const at = [facsAt + 64];
  const place = (len: number) => { const a = at[0]; at[0] = (a + len + 15) & ~15; return a; };
  const dsdtAt = place(dsdt.length);
  const madtAt = place(madt.length);
  const fadt = table("FACP", 1, (w) => {
    w.u32(facsAt); w.u32(dsdtAt);
    w.u8(0); w.u8(0); // INT_MODEL (reserved), preferred PM profile: unspecified
    w.u16(ACPI_SCI_IRQ); w.u32(0); // SCI_INT; SMI_CMD 0: no ACPI/legacy mode switch, always ACPI
    w.u8(0); w.u8(0); w.u8(0); w.u8(0); // ACPI_ENABLE, ACPI_DISABLE, S4BIOS_REQ, PSTATE_CNT
    w.u32(ACPI_PM_BASE); w.u32(0); // PM1a_EVT_BLK, PM1b_EVT_BLK
    w.u32(ACPI_PM_BASE + 4); w.u32(0); // PM1a_CNT_BLK, PM1b_CNT_BLK
    w.u32(0); w.u32(ACPI_PM_BASE + 8); // PM2_CNT_BLK, PM_TMR_BLK
    w.u32(0); w.u32(0); // GPE0_BLK, GPE1_BLK
    w.u8(4); w.u8(2); w.u8(0); w.u8(4); // PM1_EVT_LEN, PM1_CNT_LEN, PM2_CNT_LEN, PM_TMR_LEN
    w.u8(0); w.u8(0); w.u8(0); w.u8(0); // GPE0/1 lengths, GPE1_BASE, CST_CNT
    w.u16(101); w.u16(1001); // P_LVL2_LAT > 100 and P_LVL3_LAT > 1000: no C2/C3
    w.u16(0); w.u16(0); w.u8(0); w.u8(0); // FLUSH_SIZE, FLUSH_STRIDE, DUTY_OFFSET, DUTY_WIDTH
    w.u8(0); w.u8(0); w.u8(0x32); // DAY_ALRM, MON_ALRM: none; CENTURY: CMOS byte 0x32
    w.u16(0); w.u8(0); // IAPC_BOOT_ARCH (reserved in revision 1), reserved
    w.u32(FADT_FLAGS);
  });
  const fadtAt = place(fadt.length);
  const rsdt = table("RSDT", 1, (w) => { w.u32(fadtAt); w.u32(madtAt); });
  const rsdtAt = place(rsdt.length);
  const rsdp = new TableWriter();
  rsdp.str("RSD PTR ", 8); rsdp.u8(0); rsdp.str("X86RR", 6); rsdp.u8(0); rsdp.u32(rsdtAt);
  rsdp.bytes[8] = checksum(rsdp.bytes);
  const rsdpAt = place(rsdp.bytes.length);
  if (at[0] > 0x100000) throw new RangeError("ACPI tables do not fit below 1 MiB");

  mem.set(facs.bytes, facsAt);
  mem.set(dsdt, dsdtAt);
  mem.set(madt, madtAt);
  mem.set(fadt, fadtAt);
  mem.set(rsdt, rsdtAt);
  mem.set(rsdp.bytes, rsdpAt);
  return { rsdp: rsdpAt, length: at[0] - base };
}

/** The byte that makes `bytes` sum to 0 modulo 256. */
function checksum(bytes: number[]): number {
  let s = 0;
  for (const b of bytes) s += b;
  return (256 - (s & 0xff)) & 0xff;
}
