import { describe, expect, it } from "vitest";
import { PlacementError, checkPlacement, flat32Entry, pcE820, real16Entry, type LoadPlan } from "../../src/loaders/plan.js";

describe("PC memory map", () => {
  it("64 MiB + IOAPIC/LAPIC windows → RAM, EBDA..BIOS reserved, RAM from 1 MiB, then the windows, sorted", () => {
    const m = pcE820(64 << 20, [{ addr: 0xfee00000, size: 0x1000, type: 2 }, { addr: 0xfec00000, size: 0x1000, type: 2 }]);
    expect(m).toEqual([
      { addr: 0, size: 0x9fc00, type: 1 }, { addr: 0x9fc00, size: 0x60400, type: 2 }, { addr: 0x100000, size: 63 << 20, type: 1 },
      { addr: 0xfec00000, size: 0x1000, type: 2 }, { addr: 0xfee00000, size: 0x1000, type: 2 },
    ]);
  });
  it("1 MiB, 3 MiB + 1 byte, and a reserved window inside RAM are refused", () => {
    expect(() => pcE820(1 << 20)).toThrow(RangeError);
    expect(() => pcE820((3 << 20) + 1)).toThrow(RangeError);
    expect(() => pcE820(64 << 20, [{ addr: 0x100000, size: 0x1000, type: 2 }])).toThrow(/overlaps RAM/);
  });
});

describe("entry states", () => {
  it("flat32: limit 0xffffffff, base 0, VMX access rights 0xc09b (code) / 0xc093 (data), EFLAGS 0x2", () => {
    const e = flat32Entry(0x5000, 0x100000, { esi: 0x7000 });
    expect(e.segments.cs).toEqual({ selector: 0x10, base: 0, limit: 0xffffffff, accessRights: 0xc09b });
    expect(e.segments.gs).toEqual({ selector: 0x18, base: 0, limit: 0xffffffff, accessRights: 0xc093 });
    expect(e.eflags).toBe(2);
    expect(e.regs).toEqual({ eax: 0, ecx: 0, edx: 0, ebx: 0, esp: 0, ebp: 0, esi: 0x7000, edi: 0 });
  });
  it("real16: base = selector × 16, limit 0xffff, ESP = SP", () => {
    const e = real16Entry(0x1000, 0x10, 0x2000, 0xfffe, {});
    expect(e.segments.cs).toEqual({ selector: 0x1000, base: 0x10000, limit: 0xffff, accessRights: 0x93 });
    expect(e.segments.ss.base).toBe(0x20000);
    expect(e.regs.esp).toBe(0xfffe);
  });
});

describe("placement check", () => {
  const plan = (writes: Array<[number, number, string]>): LoadPlan => ({
    writes: writes.map(([gpa, n, what]) => ({ gpa, bytes: new Uint8Array(n), what })), entry: flat32Entry(0, 0, {}), notes: [],
  });
  const e820 = pcE820(4 << 20);
  it("adjacent writes pass; one byte of overlap is a PlacementError naming both", () => {
    expect(() => checkPlacement("f", plan([[0x1000, 0x100, "a"], [0x1100, 0x100, "b"]]), e820)).not.toThrow();
    expect(() => checkPlacement("f", plan([[0x1000, 0x101, "a"], [0x1100, 0x100, "b"]]), e820))
      .toThrow(new PlacementError("f", "b at 0x1100 overlaps a at 0x1000-0x1101"));
  });
  it("a write ending one byte past RAM top is refused; ending exactly at the top passes", () => {
    expect(() => checkPlacement("f", plan([[0x3ff000, 0x1000, "k"]]), e820)).not.toThrow();
    expect(() => checkPlacement("f", plan([[0x3ff000, 0x1001, "k"]]), e820)).toThrow(/k at 0x3ff000-0x400001 is not inside usable RAM/);
  });
});
