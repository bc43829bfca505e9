// Side-effect-free guest-virtual access: 32-bit paging walked read-only (SDM Vol.3 4.3).
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/vmx/machine.js";
import { peekLinear, peekTranslate, pokeLinear } from "../../src/gdbstub/translate.js";
import { Cr0, Cr4 } from "../../src/cpu/constants.js";

/** A machine with CR3 = 0x10000: PDE 0 → page table 0x11000, PTE for 0x00400000 missing, 0x00001000 → 0x20000. */
function paged(): Machine {
  const m = new Machine({ memBytes: 1 << 20, apic: false, pci: false });
  m.enter({ mode: "flat32", eip: 0x1000 });
  const v = m.mem.view;
  v.setUint32(0x10000, 0x11000 | 0x7, true);          // PDE 0: P RW US, A=0
  v.setUint32(0x11000 + 1 * 4, 0x20000 | 0x7, true);  // PTE for linear 0x1000 → 0x20000, A=0 D=0
  v.setUint32(0x10000 + 2 * 4, 0x00800000 | 0x83, true); // PDE 2: 4 MiB page at 8 MiB (beyond RAM)
  m.mem.bytes.set([0xde, 0xad, 0xbe, 0xef], 0x20ffe);
  m.cpu.cr3 = 0x10000;
  m.cpu.cr4 |= Cr4.PSE;
  m.cpu.cr0 |= Cr0.PG;
  m.cpu.updateMode();
  return m;
}

describe("peekTranslate / peekLinear / pokeLinear", () => {
  it("linear 0x1ffe (4 KiB PTE → 0x20000) reads de ad, then stops at the unmapped page 0x2000; PDE/PTE A and D bits stay clear", () => {
    const m = paged();
    expect(peekTranslate(m.cpu, 0x1ffe)).toBe(0x20ffe);
    expect([...peekLinear(m.cpu, 0x1ffe, 4)]).toEqual([0xde, 0xad]);
    expect(m.mem.view.getUint32(0x10000, true)).toBe(0x11007);
    expect(m.mem.view.getUint32(0x11004, true)).toBe(0x20007);
    expect(m.cpu.cr2).toBe(0);
  });
  it("a 4 MiB PDE whose frame is past RAM, and a linear address with no PDE → no bytes, -1", () => {
    const m = paged();
    expect(peekTranslate(m.cpu, 0x00812345)).toBe(0x00812345); // translation exists...
    expect(peekLinear(m.cpu, 0x00812345, 4).length).toBe(0);   // ...but no RAM is behind it
    expect(peekTranslate(m.cpu, 0x00c00000)).toBe(-1);
  });
  it("pokeLinear writes through the mapping to physical 0x20000, and refuses a range that runs into an unmapped page without writing any of it", () => {
    const m = paged();
    expect(pokeLinear(m.cpu, 0x1000, Uint8Array.of(1, 2))).toBe(true);
    expect([...m.mem.bytes.subarray(0x20000, 0x20002)]).toEqual([1, 2]);
    expect(pokeLinear(m.cpu, 0x1fff, Uint8Array.of(9, 9))).toBe(false);
    expect(m.mem.bytes[0x20fff]).toBe(0xad);
  });
});
