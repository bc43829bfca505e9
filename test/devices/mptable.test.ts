import { describe, expect, it } from "vitest";
import { writeMpTable } from "../../src/devices/mptable.js";

// Layouts from the Intel MultiProcessor Specification 1.4, §4.1-§4.3 (Tables 4-1 .. 4-12).

function sum(b: Uint8Array, start: number, len: number): number {
  let s = 0;
  for (let i = start; i < start + len; i++) s += b[i];
  return s & 0xff;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

function table() {
  const mem = new Uint8Array(1 << 20);
  const r = writeMpTable(mem, { cpuSignature: 0x663, cpuFeatures: 0x0183fbff, ioApicId: 1, pciIntx: [{ device: 3, pin: 0, ioApicPin: 17 }] });
  return { mem, ...r };
}

describe("MP floating pointer structure (MP spec §4.1)", () => {
  it("at 0xf0000, 16-byte aligned: '_MP_', pointer to the table, length 1, revision 4 (1.4), 16 bytes summing to 0, features 0 (table present, virtual wire)", () => {
    const { mem, pointer, table: t } = table();
    expect(pointer).toBe(0xf0000);
    expect(ascii(mem, pointer, 4)).toBe("_MP_");
    expect(u32(mem, pointer + 4)).toBe(t);
    expect(mem[pointer + 8]).toBe(1);
    expect(mem[pointer + 9]).toBe(4);
    expect(sum(mem, pointer, 16)).toBe(0);
    expect([...mem.subarray(pointer + 11, pointer + 16)]).toEqual([0, 0, 0, 0, 0]);
  });

  it("Linux-style scan of 0xf0000-0xfffff for '_MP_' on 16-byte boundaries finds exactly one valid structure", () => {
    const { mem } = table();
    const found: number[] = [];
    for (let a = 0xf0000; a < 0x100000; a += 16) if (ascii(mem, a, 4) === "_MP_" && sum(mem, a, 16) === 0) found.push(a);
    expect(found).toEqual([0xf0000]);
  });

  it("an unaligned or out-of-BIOS-area address is refused", () => {
    const mem = new Uint8Array(1 << 20);
    expect(() => writeMpTable(mem, { address: 0xf0008, cpuSignature: 0, cpuFeatures: 0 })).toThrow(RangeError);
    expect(() => writeMpTable(mem, { address: 0x9fc00, cpuSignature: 0, cpuFeatures: 0 })).toThrow(RangeError);
  });
});

describe("MP configuration table (MP spec §4.2-§4.3)", () => {
  it("header: 'PCMP', base length covers every entry, revision 4, checksum 0, local APIC at 0xfee00000, no extended table", () => {
    const { mem, table: t, length } = table();
    expect(ascii(mem, t, 4)).toBe("PCMP");
    expect(u16(mem, t + 4)).toBe(length);
    expect(mem[t + 6]).toBe(4);
    expect(sum(mem, t, length)).toBe(0);
    expect(u32(mem, t + 28)).toBe(0);
    expect(u16(mem, t + 32)).toBe(0);
    expect(u32(mem, t + 36)).toBe(0xfee00000);
    expect(u16(mem, t + 40)).toBe(0);
    expect(mem[t + 42]).toBe(0);
    // 1 processor (20) + 2 buses + 1 IO-APIC + 15 ISA + 1 PCI + 2 local = 21 entries of 8 bytes
    expect(u16(mem, t + 34)).toBe(1 + 2 + 1 + 15 + 1 + 2);
    expect(length).toBe(44 + 20 + 8 * 21);
  });

  it("entries, walked by type (0: 20 bytes, others 8), are in ascending type order with the spec's field layout", () => {
    const { mem, table: t, length } = table();
    let o = t + 44;
    const entries: number[][] = [];
    while (o < t + length) {
      const n = mem[o] === 0 ? 20 : 8;
      entries.push([...mem.subarray(o, o + n)]);
      o += n;
    }
    expect(o).toBe(t + length);
    const types = entries.map((e) => e[0]);
    expect(types).toEqual([...types].sort((a, b) => a - b));
    // processor: type 0, APIC id 0, APIC version 0x14, flags EN|BP, signature 0x663, features
    expect(entries[0]).toEqual([0, 0, 0x14, 3, 0x63, 0x06, 0, 0, 0xff, 0xfb, 0x83, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
    // buses: id 0 "PCI   ", id 1 "ISA   "
    expect(entries[1]).toEqual([1, 0, ...Buffer.from("PCI   ")]);
    expect(entries[2]).toEqual([1, 1, ...Buffer.from("ISA   ")]);
    // IO-APIC: id 1, version 0x11, enabled, at 0xfec00000
    expect(entries[3]).toEqual([2, 1, 0x11, 1, 0x00, 0x00, 0xc0, 0xfe]);
    // ISA IRQ 0 → pin 2 (override), IRQ 1 → pin 1, no IRQ 2, IRQ 15 → pin 15; INT type, conforming flags
    const isa = entries.filter((e) => e[0] === 3 && e[4] === 1);
    expect(isa.map((e) => [e[5], e[7]])).toEqual([[0, 2], [1, 1], ...[3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((i) => [i, i])]);
    for (const e of isa) expect([e[1], e[2], e[3], e[6]]).toEqual([0, 0, 0, 1]);
    // PCI 00:03 INTA# → pin 17: source IRQ (3 << 2) | 0, active low level (flags 0x000f)
    expect(entries.filter((e) => e[0] === 3 && e[4] === 0)).toEqual([[3, 0, 0x0f, 0, 0, 12, 1, 17]]);
    // local: ExtINT → all APICs LINT0, NMI → all APICs LINT1
    expect(entries.filter((e) => e[0] === 4)).toEqual([[4, 3, 0, 0, 1, 0, 0xff, 0], [4, 1, 0, 0, 1, 0, 0xff, 1]]);
  });
});
