import { pack, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { IoBus, MmioBus } from "../../src/devices/bus.js";
import { Reporter, type AccessReport, type DeviceState } from "../../src/devices/device.js";
import { IoApic } from "../../src/devices/ioapic.js";
import { PcPlatform } from "../../src/devices/platform.js";
import { makeClock } from "./helpers.js";

const EOI = 0xb0, SVR = 0xf0;

function platform() {
  const c = makeClock();
  const reports: AccessReport[] = [];
  const io = new IoBus((r) => reports.push(r));
  const mmio = new MmioBus((r) => reports.push(r));
  const pc = new PcPlatform({ io, clock: c.clock, epochSeconds: 0, ramBytes: 16 << 20, apic: { mmio }, pci: true });
  const lapic = pc.lapic!, ioapic = pc.ioapic!;
  lapic.write(SVR, 4, 0x1ff);
  const sel = (r: number) => mmio.write(0xfec00000, 4, r);
  const rd = (r: number) => { sel(r); return mmio.read(0xfec00010, 4); };
  const wr = (r: number, v: number) => { sel(r); mmio.write(0xfec00010, 4, v >>> 0); };
  /** IOREDTBL[pin] ← (hi, lo). */
  const route = (pin: number, lo: number, hi = 0) => { wr(0x11 + 2 * pin, hi); wr(0x10 + 2 * pin, lo); };
  return { ...c, io, mmio, pc, lapic, ioapic, rd, wr, route, reports };
}

describe("82093AA IO-APIC registers", () => {
  it("IOAPICVER 0x00170011 (version 0x11, 24 entries); ID bits 27:24 writable and copied to the arbitration ID; entries reset masked", () => {
    const p = platform();
    expect(p.rd(0x01)).toBe(0x00170011);
    expect(p.rd(0x00)).toBe(0x01000000); // the id the firmware set (MP table's)
    p.wr(0x00, 0x0affffff);
    expect(p.rd(0x00)).toBe(0x0a000000);
    expect(p.rd(0x02)).toBe(0x0a000000);
    p.wr(0x01, 0);
    expect(p.rd(0x01)).toBe(0x00170011);
    for (let pin = 0; pin < 24; pin++) expect(p.rd(0x10 + 2 * pin) & 0x10000).toBe(0x10000);
  });

  it("redirection entry: delivery status (12) and remote IRR (14) are read-only; destination keeps bits 63:56", () => {
    const p = platform();
    p.route(5, 0xffffffff, 0xffffffff);
    expect(p.rd(0x10 + 10)).toBe(0x1afff);
    expect(p.rd(0x11 + 10)).toBe(0xff000000);
  });

  it("IOREGSEL reads back; an undefined offset reads all ones and is reported", () => {
    const p = platform();
    p.mmio.write(0xfec00000, 4, 0x13);
    expect(p.mmio.read(0xfec00000, 4)).toBe(0x13);
    expect(p.mmio.read(0xfec00020, 4)).toBe(0xffffffff);
    expect(p.reports.some((r) => r.message.includes("IO-APIC"))).toBe(true);
  });
});

describe("IO-APIC routing to the local APIC", () => {
  it("ISA IRQ 0 (PIT) reaches pin 2: pin 2 edge, vector 0x30, physical dest 0 → LAPIC delivers 0x30 when the PIT counts out", () => {
    const p = platform();
    p.route(2, 0x30);
    p.io.write(0x43, 1, 0x30); // counter 0, mode 0
    p.io.write(0x40, 1, 10);
    p.io.write(0x40, 1, 0);
    p.advanceTo(20_000);
    expect(p.lapic.interruptPending()).toBe(true);
    expect(p.lapic.acknowledge()).toBe(0x30);
  });

  it("edge pin: one rising edge → one interrupt; holding the line high sends nothing more; a masked pin drops the edge", () => {
    const p = platform();
    p.route(4, 0x44);
    const com = p.pc.irq(4);
    com.raise();
    expect(p.lapic.acknowledge()).toBe(0x44);
    p.lapic.write(EOI, 4, 0);
    expect(p.lapic.interruptPending()).toBe(false);
    com.lower();
    p.route(4, 0x10044);
    com.raise();
    p.route(4, 0x44); // unmasking a high edge pin: the edge was lost
    expect(p.lapic.interruptPending()).toBe(false);
  });

  it("level pin (bit 15): delivery sets remote IRR; the level stays high → no second message until the LAPIC's EOI, which clears remote IRR and re-sends", () => {
    const p = platform();
    p.route(9, 0x8059);
    const line = p.pc.irq(9);
    line.raise();
    expect(p.rd(0x10 + 18) & 0x4000).toBe(0x4000);
    expect(p.lapic.acknowledge()).toBe(0x59);
    expect(p.lapic.read(0x180 + 0x20, 4)).toBe((1 << 0x19) >>> 0); // TMR bit 0x59
    p.lapic.write(EOI, 4, 0);
    // still asserted → delivered again at once
    expect(p.rd(0x10 + 18) & 0x4000).toBe(0x4000);
    expect(p.lapic.acknowledge()).toBe(0x59);
    line.lower();
    p.lapic.write(EOI, 4, 0);
    expect(p.rd(0x10 + 18) & 0x4000).toBe(0);
    expect(p.lapic.interruptPending()).toBe(false);
  });

  it("active-low level entry (bits 15, 13) on PCI pin 16 with no source asserting → idle; active-high on the same pin → the idle line looks asserted", () => {
    const p = platform();
    p.route(16, 0xa061);
    expect(p.lapic.interruptPending()).toBe(false);
    p.route(16, 0x8061);
    expect(p.lapic.acknowledge()).toBe(0x61);
  });

  it("destination 5 (physical) names no local APIC: the interrupt is dropped and reported", () => {
    const p = platform();
    p.route(3, 0x43, 0x05000000);
    p.pc.irq(3).raise();
    expect(p.lapic.interruptPending()).toBe(false);
    expect(p.reports.some((r) => r.message.includes("names no local APIC"))).toBe(true);
  });

  it("logical destination 0x01 with LDR 0x01000000 (flat) delivers; ISA IRQ 1 reaches pin 1 and the 8259's IR1 both", () => {
    const p = platform();
    p.lapic.write(0xd0, 4, 0x01000000);
    p.route(1, 0x841, 0x01000000);
    p.pc.irq(1).raise();
    expect(p.lapic.acknowledge()).toBe(0x41);
    expect(p.pc.pic.master.irr & 2).toBe(2);
  });

  it("save → msgpackr → restore IO-APIC and LAPIC mid level-interrupt → the EOI afterwards re-sends identically", () => {
    const a = platform();
    a.route(10, 0x8070);
    a.pc.irq(10).raise();
    expect(a.lapic.acknowledge()).toBe(0x70);
    const b = platform();
    b.ioapic.restore(unpack(pack(a.ioapic.save())) as DeviceState);
    b.lapic.restore(unpack(pack(a.lapic.save())) as DeviceState);
    b.pc.pic.restore(unpack(pack(a.pc.pic.save())) as DeviceState);
    for (const p of [a, b]) p.lapic.write(EOI, 4, 0);
    expect(b.lapic.acknowledge()).toBe(a.lapic.acknowledge());
    expect(b.ioapic.save()).toEqual(a.ioapic.save());
  });

  it("an IO-APIC with no local APIC attached: unmasked pin 0 edge → dropped with a report naming the pin", () => {
    const msgs: string[] = [];
    const io = new IoApic({ reporter: new Reporter((r) => msgs.push(r.message)) });
    io.write(0, 4, 0x10);
    io.write(0x10, 4, 0x20);
    io.setIrqLevel(0, 1);
    expect(msgs).toEqual(["IO-APIC: pin 0 destination 0x0 (physical) names no local APIC; interrupt dropped"]);
  });
});
