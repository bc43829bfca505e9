// CLI/STI/PUSHF/POPF privilege rules (SDM Vol.2 under each name; Vol.3 20.3 VME, 20.4 PVI).

import { beforeEach, describe, expect, it, vi } from "vitest";
import { Cr4, Desc, Eflags, Reg, Seg } from "../../../src/cpu/constants.js";
import { getEflags } from "../../../src/cpu/flags.js";
import { loadSegmentV86 } from "../../../src/cpu/system/segments.js";
import { flat32, load, makeCpu, runToHalt } from "../harness.js";
import { nasm, rd16, realHandler, run16, run32, type Machine } from "../mov.helpers.js";
import type { Delivery } from "./capture.js";

const seen = vi.hoisted(() => [] as Delivery[]);
vi.mock("../../../src/cpu/system/idt.js", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../../src/cpu/system/idt.js")>();
  const { captureDelivery } = await import("./capture.js");
  return { ...orig, deliverProtected: captureDelivery(seen) };
});
beforeEach(() => { seen.length = 0; });

function ring3(m: Machine, iopl: number): void {
  m.cpu.setSegCache(Seg.SS, 0x23, 0, -1, Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | Desc.G | (3 << 5));
  m.cpu.flags = (m.cpu.flags & ~Eflags.IOPL) | (iopl << 12);
  m.cpu.updateMode();
}

/** V86 mode at 0000:1000 running 16-bit `src`, IOPL `iopl`, CR4 `cr4`. */
function v86(src: string, iopl: number, cr4: number, flags = 0): Machine {
  const m = makeCpu();
  load(m.mem, 0x1000, [...nasm(src, 16, 0x1000), 0xf4]);
  flat32(m.cpu, 0x1000, 0x8000);
  m.cpu.cr4 = cr4;
  m.cpu.flags = (m.cpu.flags & ~Eflags.IOPL) | (iopl << 12) | Eflags.VM | flags;
  for (let s = 0; s < 6; s++) loadSegmentV86(m.cpu, s, 0);
  m.cpu.updateMode();
  runToHalt(m.cpu);
  return m;
}
const gp = (eip: number): [number, number, number] => [13, 0, eip];
const vecs = () => seen.map((s) => [s.vector, s.errorCode, s.eip]);

describe("CLI / STI", () => {
  it("fa cli at CPL 3, IOPL 0, CR4.PVI=0 → #GP(0), IF unchanged", () => {
    const m = run32("cli", (mm) => { mm.cpu.flags |= Eflags.IF; ring3(mm, 0); });
    expect(vecs()[0]).toEqual(gp(0x1000));
    expect(m.cpu.flags & Eflags.IF).toBe(Eflags.IF);
  });
  it("fa cli at CPL 3, IOPL 0, CR4.PVI=1 → VIF cleared, IF kept", () => {
    const m = run32("cli", (mm) => { mm.cpu.flags |= Eflags.IF | Eflags.VIF; mm.cpu.cr4 = Cr4.PVI; ring3(mm, 0); });
    expect(vecs()).toEqual([gp(0x1001)]); // only the closing HLT faults
    expect(m.cpu.flags & (Eflags.IF | Eflags.VIF)).toBe(Eflags.IF);
  });
  it("fb sti at CPL 3 with PVI and VIP=1 → #GP(0), VIF stays 0", () => {
    const m = run32("sti", (mm) => { mm.cpu.flags |= Eflags.VIP; mm.cpu.cr4 = Cr4.PVI; ring3(mm, 0); });
    expect(vecs()[0]).toEqual(gp(0x1000));
    expect(m.cpu.flags & Eflags.VIF).toBe(0);
  });
  it("fa cli at CPL 3 with IOPL 3 → IF cleared", () => {
    const m = run32("cli", (mm) => { mm.cpu.flags |= Eflags.IF; ring3(mm, 3); });
    expect(m.cpu.flags & Eflags.IF).toBe(0);
  });
  it("fb sti in V86 with IOPL 0 and CR4.VME=1 → VIF set, IF untouched; without VME → #GP(0)", () => {
    const m = v86("sti", 0, Cr4.VME);
    expect(m.cpu.flags & (Eflags.IF | Eflags.VIF)).toBe(Eflags.VIF);
    seen.length = 0;
    v86("sti", 0, 0);
    expect(vecs()[0]).toEqual(gp(0x1000));
  });
  it("fb sti with IF=0 then an interrupt already pending: it is taken after the NEXT instruction (SDM Vol.3 6.8.3)", () => {
    // IVT[0x20] → 0000:2000 (HLT). Pushed IP tells where the interrupt came in.
    const m = run16("sti\nmov al,1\nmov al,2", (mm) => { realHandler(mm.mem, 0x20, 0x2000); mm.host.irq.push(0x20); });
    expect(m.cpu.eip).toBe(0x2001);
    expect(rd16(m.mem, m.cpu.regs[Reg.ESP] & 0xffff)).toBe(0x1003); // after sti (1) and mov al,1 (2)
    expect(m.cpu.regs[0] & 0xff).toBe(1);
  });
});

describe("PUSHF / POPF", () => {
  it("9c pushfd with RF set: the image has RF and VM cleared (AND 00FCFFFFH)", () => {
    const m = run32("pushfd\npop eax", (mm) => { mm.cpu.flags |= Eflags.RF | Eflags.AC; });
    expect(m.cpu.regs[0] & (Eflags.RF | Eflags.AC)).toBe(Eflags.AC);
  });
  it("9d popfd at CPL 0 from 0xfffffeff (all but TF) → 0x00247ed7: IOPL 3, IF, AC, ID set; VM, RF, VIF, VIP, reserved bits stay 0", () => {
    const m = run32("push dword 0xfffffeff\npopfd");
    const f = getEflags(m.cpu);
    expect(f >>> 0).toBe(0x00247ed7);
    expect(f & (Eflags.VM | Eflags.RF | Eflags.VIF | Eflags.VIP)).toBe(0);
    expect(f & (Eflags.IOPL | Eflags.IF | Eflags.AC | Eflags.ID)).toBe(Eflags.IOPL | Eflags.IF | Eflags.AC | Eflags.ID);
  });
  it("9d popfd at CPL 3, IOPL 0: IF and IOPL silently unchanged, CF/ZF/DF loaded, no fault", () => {
    const m = run32("push dword 0x3641\npopfd", (mm) => { ring3(mm, 0); });
    const f = getEflags(m.cpu);
    expect(f & (Eflags.IF | Eflags.IOPL)).toBe(0);
    expect(f & 0x441).toBe(0x441); // CF ZF DF
    expect(vecs()).toEqual([gp(0x1006)]); // only the closing HLT
  });
  it("9d popfd at CPL 3, IOPL 3: IF loads, IOPL stays 3", () => {
    const m = run32("push dword 0x0202\npopfd", (mm) => { ring3(mm, 3); });
    expect(getEflags(m.cpu) & (Eflags.IF | Eflags.IOPL)).toBe(Eflags.IF | Eflags.IOPL);
  });
  it("66 9d popf (16-bit) in real mode keeps the upper half (AC stays 1)", () => {
    const m = run16("push word 0\npopf", (mm) => { mm.cpu.flags |= Eflags.AC; });
    expect(getEflags(m.cpu) & Eflags.AC).toBe(Eflags.AC);
  });
  it("9d popf setting TF: the #DB trap comes after the following instruction, DR6.BS set", () => {
    const m = run16("push word 0x0102\npopf\nmov al,1\nmov al,2", (mm) => realHandler(mm.mem, 1, 0x2000));
    expect(m.cpu.eip).toBe(0x2001);
    expect(rd16(m.mem, m.cpu.regs[Reg.ESP] & 0xffff)).toBe(0x1006); // after push(3) popf(1) mov(2)
    expect(m.cpu.regs[0] & 0xff).toBe(1);
    expect(m.cpu.dr[6] & 0x4000).toBe(0x4000);
  });
  it("V86, IOPL 0, VME: 9c pushf image has IF = VIF and IOPL = 3; 66 9c pushfd → #GP(0)", () => {
    const m = v86("pushf", 0, Cr4.VME, Eflags.VIF);
    const img = rd16(m.mem, 0x8000 - 2);
    expect(img & (Eflags.IF | Eflags.IOPL)).toBe(Eflags.IF | Eflags.IOPL);
    seen.length = 0;
    v86("pushfd", 0, Cr4.VME);
    expect(vecs()[0]).toEqual(gp(0x1000));
  });
  it("V86, IOPL 0, VME: 9d popf with IF=1 in the image sets VIF, leaves IF; image with TF=1 → #GP(0)", () => {
    const m = v86("push word 0x0200\npopf", 0, Cr4.VME);
    expect(m.cpu.flags & (Eflags.IF | Eflags.VIF)).toBe(Eflags.VIF);
    seen.length = 0;
    v86("push word 0x0100\npopf", 0, Cr4.VME);
    expect(vecs()[0]).toEqual(gp(0x1003));
  });
  it("V86, IOPL 0, no VME: 9d popf → #GP(0)", () => {
    v86("push word 0\npopf", 0, 0); // 6a 00 9d
    expect(vecs()[0]).toEqual(gp(0x1002));
  });
  it("V86, IOPL 3: 9d popfd loads IF but never VM (stays 1) or IOPL", () => {
    const m = v86("push dword 0x00020200\npopfd", 3, 0);
    expect(m.cpu.flags & (Eflags.VM | Eflags.IF | Eflags.IOPL)).toBe(Eflags.VM | Eflags.IF | Eflags.IOPL);
  });
});
