// The machine's own EPT: how the built-in VMM maps its guest's physical address space onto host
// memory, as KVM does with the memory slots the VMM gives it (design §1).
//
//   guest RAM [0, ramTop)          → host RAM at the same offsets, RWX, write-back
//   BIOS ROM  [4 GiB - size, 4 GiB) → the ROM image after RAM in host memory, R+X
//   0xC0000-0xFFFFF on a BIOS machine: per i440FX PAM field (16 KiB, 64 KiB for 0xF0000):
//       reads from DRAM      → RAM, R+X, plus W when writes go to DRAM too
//       reads from PCI (ROM) → the ROM alias (R+X) where the ROM answers, not present below it
//   everything else (LAPIC, IO-APIC, unclaimed holes) is not present.
//
// An access the EPT refuses is an EPT violation: the VMM handles it (vmm.ts eptViolation), either
// as MMIO for a device or as the chipset's behaviour for the legacy window (a write to DRAM under
// ROM, a dropped ROM write). The tables live in the VMM's own memory, not in guest RAM: they are
// derived from the configuration and the PAM registers, so snapshots and digests do not carry them;
// the machine rebuilds them after a PAM write and after a restore.

import { HostMemory } from "../cpu/memory.js";
import { pamField } from "../devices/pam.js";
import { EPT_R, EPT_RWX, EPT_W, EPT_X, EptBuilder, EptPhysicalMap } from "./ept.js";

/** Host bytes for the tables: PML4, PDPT, four PDs and a few page tables (legacy window, ROM, a ragged RAM top). */
const TABLE_BYTES = 64 << 10;

export interface GuestPhysicalLayout {
  ramBytes: number;
  /** The BIOS ROM: its size and host offset (right after RAM), and the host bridge's config space (PAM). */
  bios?: { hostOffset: number; bytes: number; pamConfig: Uint8Array };
}

export class MachineEpt {
  readonly tables = new HostMemory(TABLE_BYTES);
  /** Host-physical address of the table memory: above everything the guest's memory uses. */
  readonly tableHpa: number;

  constructor(readonly map: EptPhysicalMap, readonly layout: GuestPhysicalLayout) {
    this.tableHpa = Math.ceil((map.mem.size + 1) / (2 << 20)) * (2 << 20);
    map.tableMem = this.tables;
    map.tableHpa = this.tableHpa;
    this.rebuild();
  }

  /** Writes the tables afresh from the layout and the current PAM fields, loads the EPTP, drops cached translations. */
  rebuild(): void {
    const b = new EptBuilder(this.tables, 0, TABLE_BYTES, this.tableHpa);
    const { ramBytes, bios } = this.layout;
    if (!bios) {
      b.map(0, 0, ramBytes, EPT_RWX);
    } else {
      b.map(0, 0, 0xc0000, EPT_RWX);
      b.map(0x100000, 0x100000, ramBytes - 0x100000, EPT_RWX);
      const romBytes = bios.bytes, romEnd = bios.hostOffset + romBytes;
      b.map(0x100000000 - romBytes, bios.hostOffset, romBytes, EPT_R | EPT_X);
      const isaRomStart = 0x100000 - Math.min(romBytes, 0x20000);
      for (let a = 0xc0000; a < 0x100000; a += 0x4000) {
        const f = pamField(bios.pamConfig, a);
        if ((f & 1) !== 0) b.map(a, a, 0x4000, EPT_R | EPT_X | ((f & 2) !== 0 ? EPT_W : 0));
        else if (a >= isaRomStart) b.map(a, romEnd - (0x100000 - a), 0x4000, EPT_R | EPT_X);
        else b.unmap(a, 0x4000);
      }
    }
    this.map.setEptp(b.eptp());
  }
}
