// Trace headers of --bios and --cpu guests (src/replay/guest-setup.ts): what record writes is what
// replay rebuilds, and a changed ROM or an unknown CPU feature in a header is refused.

import { describe, expect, it } from "vitest";
import { Reg } from "../../src/cpu/constants.js";
import { cpuidLookup } from "../../src/cpu/cpuid.js";
import { cpuModelFromSpec } from "../../src/cpu/cpu-model.js";
import { guestFromHeader, guestHeader, machineForGuest, type BiosGuest, type FlatGuest } from "../../src/replay/guest-setup.js";
import { TraceError, type TraceHeader } from "../../src/replay/trace-format.js";

const rom = (() => { const b = new Uint8Array(0x10000); b.set([0xf4], 0xfff0); return b; })(); // HLT at the reset vector
const biosGuest: BiosGuest = {
  loader: "bios", name: "rom.bin", memBytes: 8 << 20, cpu: "pentium,+pae",
  images: [{ role: "bios", name: "rom.bin", path: "/roms/rom.bin", bytes: rom }],
};
const header = (g: BiosGuest | FlatGuest): TraceHeader => ({ semanticsVersion: 1, ...guestHeader(g), createdAt: "", tags: {} });

describe("--bios / --cpu in the trace header", () => {
  it("a bios guest's header names loader bios, the cpu spec, and the ROM's role, path and SHA-256; replay rebuilds it", () => {
    const h = header(biosGuest);
    expect(h.machine).toMatchObject({ loader: "bios", cpu: "pentium,+pae", memBytes: 8 << 20 });
    expect(h.images).toEqual([expect.objectContaining({ name: "rom.bin", role: "bios", path: "/roms/rom.bin", size: 0x10000 })]);
    const paths: string[] = [];
    const g = guestFromHeader(h, "t.x86rr", (_n, rec) => { paths.push(rec.path!); return rom; });
    expect(paths).toEqual(["/roms/rom.bin"]);
    expect(g).toMatchObject({ loader: "bios", cpu: "pentium,+pae", memBytes: 8 << 20 });
    const m = machineForGuest(g, 0, {});
    expect(m.cpu.eip).toBe(0xfff0);
    expect(m.cpu.regs[Reg.EDX]).toBe(cpuidLookup(cpuModelFromSpec("pentium,+pae"), 1).eax);
    expect(m.cpu.cpuidEdx1).toBe(cpuidLookup(cpuModelFromSpec("pentium,+pae"), 1).edx);
    expect(m.platform.lapic).toBeUndefined(); // a Pentium (P54C) model has no APIC bit, so no local APIC
  });

  it("a changed ROM → TraceError naming the bios image and both hashes", () => {
    const other = rom.slice();
    other[0] = 1;
    expect(() => guestFromHeader(header(biosGuest), "t.x86rr", () => other)).toThrow(/bios image rom.bin differs from the one recorded/);
  });

  it("a flat guest with --cpu keeps it through the header; without --cpu the header has no cpu field", () => {
    const flat: FlatGuest = { name: "g", image: Uint8Array.of(0xf4), loadAddress: 0x7c00, entry: { mode: "real16", cs: 0, ip: 0x7c00 }, memBytes: 1 << 20, cpu: "-sep" };
    const h = header(flat);
    expect(h.machine.cpu).toBe("-sep");
    expect(guestFromHeader(h, "t", () => flat.image)).toMatchObject({ cpu: "-sep" });
    expect("cpu" in header({ ...flat, cpu: undefined }).machine).toBe(false);
  });

  it("an unknown feature in machine.cpu → TraceError, not a crash", () => {
    const h = header(biosGuest);
    h.machine.cpu = "+warp";
    expect(() => guestFromHeader(h, "t.x86rr", () => rom)).toThrow(TraceError);
    expect(() => guestFromHeader(h, "t.x86rr", () => rom)).toThrow(/machine.cpu: unknown CPU feature "\+warp"/);
  });
});
