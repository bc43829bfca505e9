// The machine's guest-physical memory is mapped by real EPT paging structures (SDM Vol.3 28.2):
// the tables are read here by a walker written from the SDM's entry format (not the emulator's
// eptWalk), and the map the CPU uses must agree with them.

import { describe, expect, it } from "vitest";
import { ACC_READ, ACC_WRITE } from "../../src/cpu/memory.js";
import { restoreMachine, saveMachine } from "../../src/replay/snapshot.js";
import { ExitReason } from "../../src/vmx/exit-reasons.js";
import { Machine } from "../../src/vmx/machine.js";

interface Leaf { hpa: number; rwx: number; memType: number; pageBytes: number }

/**
 * SDM Vol.3 Tables 28-1..28-6: EPTP bits 51:12 → PML4; each level indexes 9 bits of the
 * guest-physical address; bits 2:0 R/W/X (0 = not present); bit 7 in a PDPTE/PDE makes it a leaf;
 * leaf bits 5:3 memory type. Returns null when an entry on the way is not present.
 */
function sdmWalk(m: Machine, gpa: number): Leaf | null {
  const ept = m.ept, tables = ept.tables.view;
  const entry = (hpa: number, idx: number) => {
    const off = hpa - ept.tableHpa + idx * 8;
    return { lo: tables.getUint32(off, true), hi: tables.getUint32(off + 4, true) };
  };
  let table = m.ept.map.eptpLo & 0xfffff000;
  expect(m.ept.map.eptpLo & 7).toBe(6);             // WB paging structures
  expect((m.ept.map.eptpLo >> 3) & 7).toBe(3);      // 4-level walk
  let rwx = 7;
  const shifts = [39, 30, 21, 12];
  for (let level = 0; level < 4; level++) {
    const idx = Math.floor(gpa / 2 ** shifts[level]) & 511;
    const e = entry(table, idx);
    expect(e.hi).toBe(0);
    if ((e.lo & 7) === 0) return null;
    rwx &= e.lo & 7;
    const leaf = level === 3 || (level > 0 && (e.lo & 0x80) !== 0);
    if (leaf) {
      const pageBytes = 2 ** shifts[level];
      const base = e.lo & ~(pageBytes - 1) & 0xfffff000;
      return { hpa: (base >>> 0) + (gpa % pageBytes), rwx, memType: (e.lo >> 3) & 7, pageBytes };
    }
    table = e.lo & 0xfffff000;
  }
  return null;
}

function biosMachine(): Machine {
  const rom = new Uint8Array(0x40000);
  for (let i = 0; i < rom.length; i += 4) new DataView(rom.buffer).setUint32(i, i, true);
  return new Machine({ memBytes: 8 << 20, bios: rom });
}

function pamWrite(m: Machine, reg: number, v: number): void {
  m.io.write(0xcf8, 4, (0x80000000 | (reg & 0xfc)) >>> 0);
  m.io.write(0xcfc + (reg & 3), 1, v);
}

describe("the machine's EPT", () => {
  it("32 MiB machine: RAM identity-mapped RWX write-back in 2 MiB pages; LAPIC, IO-APIC and the space above RAM not present", () => {
    const m = new Machine({ memBytes: 32 << 20 });
    for (const gpa of [0, 0x9f000, 0xf0000, 0x100000, 0x1234567, (32 << 20) - 4096]) {
      expect(sdmWalk(m, gpa)).toMatchObject({ hpa: gpa, rwx: 7, memType: 6 });
      expect(m.cpu.phys.translate(gpa, ACC_WRITE)).toBe(gpa);
    }
    expect(sdmWalk(m, 0x400000)!.pageBytes).toBe(2 << 20);
    for (const gpa of [32 << 20, 0xfec00000, 0xfee00000, 0xfffffff0]) {
      expect(sdmWalk(m, gpa)).toBeNull();
      expect(m.cpu.phys.translate(gpa, ACC_READ)).toBe(-1);
    }
    // The tables are not guest memory: no guest-physical address reaches them.
    expect(m.ept.tableHpa).toBeGreaterThanOrEqual(m.mem.size);
  });

  it("a guest read of the LAPIC version register is an EPT-violation exit the VMM counts by region", () => {
    const m = new Machine({ memBytes: 4 << 20 });
    const before = m.vmm.stats.byReason[ExitReason.EPT_VIOLATION];
    expect(m.cpu.phys.translate(0xfee00030, ACC_READ)).toBe(-1);
    const v = m.cpu.phys.mmioRead(0xfee00030, 4);
    expect(v & 0xff).toBeGreaterThanOrEqual(0x10); // an integrated APIC's version (SDM Vol.3 11.4.8)
    expect(m.vmm.stats.byReason[ExitReason.EPT_VIOLATION]).toBe(before + 1);
  });

  it("BIOS machine: the ROM's last 16 bytes at 0xFFFFFFF0 are R+X (no W), and the E/F segments alias the ROM's top 128 KiB until PAM says otherwise", () => {
    const m = biosMachine();
    const top = sdmWalk(m, 0xfffffff0)!;
    expect(top).toMatchObject({ rwx: 5, hpa: (8 << 20) + 0x40000 - 16 });
    expect(sdmWalk(m, 0xf0000)).toMatchObject({ rwx: 5, hpa: (8 << 20) + 0x30000 });
    expect(sdmWalk(m, 0xc0000)).toBeNull(); // below the ROM alias: nothing answers at reset
    pamWrite(m, 0x59, 0x30); // F0000-FFFFF: RE=1 WE=1
    expect(sdmWalk(m, 0xf0000)).toMatchObject({ rwx: 7, hpa: 0xf0000 });
    pamWrite(m, 0x59, 0x10); // RE=1 WE=0: read-only shadow
    expect(sdmWalk(m, 0xf0000)).toMatchObject({ rwx: 5, hpa: 0xf0000 });
    expect(sdmWalk(m, 0xe0000)).toMatchObject({ rwx: 5, hpa: (8 << 20) + 0x20000 }); // 5Eh still 0: ROM
  });

  it("a ROM write is an EPT violation the VMM drops and counts; a snapshot restore rebuilds the EPT from the restored PAM registers", () => {
    const m = biosMachine();
    pamWrite(m, 0x59, 0x30);
    m.mem.view.setUint32(0xf0000, 0x600dcafe, true);
    pamWrite(m, 0x59, 0x10);
    const before = m.vmm.stats.byReason[ExitReason.EPT_VIOLATION];
    expect(m.cpu.phys.translate(0xf0000, ACC_WRITE)).toBe(-1);
    m.cpu.phys.mmioWrite(0xf0000, 4, 0xdeadbeef);
    expect(m.mem.view.getUint32(0xf0000, true)).toBe(0x600dcafe);
    expect(m.vmm.stats.byReason[ExitReason.EPT_VIOLATION]).toBe(before + 1);

    const fresh = biosMachine(); // PAM all 0: 0xF0000 reads ROM
    expect(sdmWalk(fresh, 0xf0000)!.hpa).toBe((8 << 20) + 0x30000);
    restoreMachine(fresh, saveMachine(m));
    expect(sdmWalk(fresh, 0xf0000)).toMatchObject({ rwx: 5, hpa: 0xf0000 });
    const h = fresh.cpu.phys.translate(0xf0000, ACC_READ);
    expect(fresh.mem.view.getUint32(h, true)).toBe(0x600dcafe);
  });
});
