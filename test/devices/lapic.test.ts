import { pack, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import type { AccessReport, DeviceState } from "../../src/devices/device.js";
import { Reporter } from "../../src/devices/device.js";
import { LocalApic } from "../../src/devices/lapic.js";
import { DualPic } from "../../src/devices/pic.js";
import { makeClock } from "./helpers.js";

// Register offsets, SDM Vol.3 Table 11-1.
const ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0, LDR = 0xd0, DFR = 0xe0, SVR = 0xf0;
const ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280, ICR_LO = 0x300, ICR_HI = 0x310;
const LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340, LVT_LINT0 = 0x350, LVT_LINT1 = 0x360, LVT_ERROR = 0x370;
const TIMER_ICR = 0x380, TIMER_CCR = 0x390, TIMER_DCR = 0x3e0;

function setup(o: { busHz?: number; nsPerInstruction?: number } = {}) {
  const c = makeClock(o.nsPerInstruction ?? 1);
  const reports: AccessReport[] = [];
  const reporter = new Reporter((r) => reports.push(r));
  const pic = new DualPic();
  const eois: number[] = [];
  const apic = new LocalApic({ clock: c.clock, pic, reporter, busHz: o.busHz, onEoiBroadcast: (v) => eois.push(v) });
  const r = (off: number) => apic.read(off, 4);
  const w = (off: number, v: number) => apic.write(off, 4, v >>> 0);
  return { ...c, apic, pic, r, w, eois, reports };
}

/** Software-enable with spurious vector 0xff (what every OS does first). */
function enabled(o: { busHz?: number } = {}) {
  const s = setup(o);
  s.w(SVR, 0x1ff);
  return s;
}

/** A run loop that takes APIC interrupts at each deadline: returns [icount, vector] pairs (EOI after each). */
function collect(s: ReturnType<typeof setup>, until: number): [number, number][] {
  const got: [number, number][] = [];
  for (;;) {
    const d = s.clock.nextDeadlineIcount();
    if (d > until) break;
    s.advanceTo(d);
    while (s.apic.interruptPending()) {
      got.push([s.icount(), s.apic.acknowledge()]);
      s.w(EOI, 0);
    }
  }
  s.advanceTo(until);
  return got;
}

describe("local APIC registers (SDM Vol.3 11.4.7.1 power-up state)", () => {
  it("after reset: ID 0, version 0x00050014 (xAPIC 0x14, max LVT 5), TPR 0, DFR all ones, SVR 0xff, every LVT 0x00010000 (masked)", () => {
    const s = setup();
    expect(s.r(ID)).toBe(0);
    expect(s.r(VER)).toBe(0x00050014);
    expect(s.r(TPR)).toBe(0);
    expect(s.r(DFR)).toBe(0xffffffff);
    expect(s.r(SVR)).toBe(0xff);
    for (const off of [LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR]) expect(s.r(off)).toBe(0x10000);
    expect(s.r(TIMER_ICR)).toBe(0);
    expect(s.r(TIMER_CCR)).toBe(0);
  });

  it("IA32_APIC_BASE reads 0xfee00900 (base, BSP bit 8, EN bit 11); reserved bits 0-7, 10 or above bit 35 → #GP (false); BSP is read-only", () => {
    const s = setup();
    expect(s.apic.readBaseMsr()).toEqual([0xfee00900, 0]);
    expect(s.apic.writeBaseMsr(0xfee00901, 0)).toBe(false);
    expect(s.apic.writeBaseMsr(0xfee00d00, 0)).toBe(false);
    expect(s.apic.writeBaseMsr(0xfee00900, 0x10)).toBe(false);
    expect(s.apic.writeBaseMsr(0xfee00800, 0)).toBe(true);
    expect(s.apic.readBaseMsr()).toEqual([0xfee00900, 0]);
  });

  it("ID bits 31:24, LDR bits 31:24 and DFR bits 31:28 are writable; the rest of DFR reads 1; version/PPR/ISR/IRR ignore writes", () => {
    const s = enabled();
    s.w(ID, 0x05ffffff);
    s.w(LDR, 0x01ffffff);
    s.w(DFR, 0x0);
    s.w(VER, 0);
    s.w(PPR, 0xff);
    s.w(ISR + 0x70, -1);
    s.w(IRR + 0x70, -1);
    expect([s.r(ID), s.r(LDR), s.r(DFR), s.r(VER), s.r(PPR), s.r(ISR + 0x70), s.r(IRR + 0x70)])
      .toEqual([0x05000000, 0x01000000, 0x0fffffff, 0x00050014, 0, 0, 0]);
  });

  it("LVT writes keep only their defined bits: timer 0x300ff, LINT0/1 0x1a7ff, thermal/perf 0x107ff, error 0x100ff", () => {
    const s = enabled();
    for (const off of [LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR]) s.w(off, 0xfffbffff);
    expect([s.r(LVT_TIMER), s.r(LVT_THERMAL), s.r(LVT_PERF), s.r(LVT_LINT0), s.r(LVT_LINT1), s.r(LVT_ERROR)])
      .toEqual([0x300ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff]);
  });

  it("SVR bit 8 cleared → every LVT mask bit set, and an LVT write cannot clear it while software-disabled (SDM 11.4.7.2)", () => {
    const s = enabled();
    s.w(LVT_TIMER, 0x40);
    s.w(LVT_LINT0, 0x700);
    s.w(SVR, 0xff);
    expect(s.r(LVT_TIMER)).toBe(0x10040);
    expect(s.r(LVT_LINT0)).toBe(0x10700);
    s.w(LVT_TIMER, 0x41);
    expect(s.r(LVT_TIMER)).toBe(0x10041);
  });

  it("reserved register offset 0x290 → ESR bit 7 (illegal register address) visible only after the next ESR write", () => {
    const s = enabled();
    expect(s.r(0x290)).toBe(0);
    expect(s.r(ESR)).toBe(0);
    s.w(ESR, 0);
    expect(s.r(ESR)).toBe(0x80);
    s.w(ESR, 0);
    expect(s.r(ESR)).toBe(0);
  });
});

describe("local APIC interrupt acceptance, priority and EOI (SDM 11.8)", () => {
  it("vectors 0x31 and 0x45 pending → INTA gives 0x45 then, with 0x45 in service, 0x31 waits (class 3 ≤ PPR class 4)", () => {
    const s = enabled();
    s.apic.accept(0x31, false);
    s.apic.accept(0x45, false);
    expect(s.r(IRR + 0x10)).toBe((1 << 0x11) >>> 0);
    expect(s.r(IRR + 0x20)).toBe(1 << 5);
    expect(s.apic.acknowledge()).toBe(0x45);
    expect(s.r(ISR + 0x20)).toBe(1 << 5);
    expect(s.r(PPR)).toBe(0x40);
    expect(s.apic.interruptPending()).toBe(false);
    s.w(EOI, 0);
    expect(s.r(PPR)).toBe(0);
    expect(s.apic.acknowledge()).toBe(0x31);
  });

  it("0x41 while 0x45 is in service is blocked (same class); 0x51 nests; EOIs clear 0x51 first, then 0x45, then 0x41 is delivered", () => {
    const s = enabled();
    s.apic.accept(0x45, false);
    expect(s.apic.acknowledge()).toBe(0x45);
    s.apic.accept(0x41, false);
    expect(s.apic.interruptPending()).toBe(false);
    s.apic.accept(0x51, false);
    expect(s.apic.acknowledge()).toBe(0x51);
    s.w(EOI, 0);
    expect(s.r(ISR + 0x20)).toBe(1 << 5);
    expect(s.apic.interruptPending()).toBe(false);
    s.w(EOI, 0);
    expect(s.apic.acknowledge()).toBe(0x41);
  });

  it("TPR 0x50 blocks vector 0x5f and lets 0x61 through; PPR = TPR when TPR class ≥ ISR class", () => {
    const s = enabled();
    s.w(TPR, 0x50);
    s.apic.accept(0x5f, false);
    expect(s.apic.interruptPending()).toBe(false);
    expect(s.r(PPR)).toBe(0x50);
    s.apic.accept(0x61, false);
    expect(s.apic.acknowledge()).toBe(0x61);
    expect(s.r(PPR)).toBe(0x60);
    s.w(TPR, 0x7a);
    expect(s.r(PPR)).toBe(0x7a);
  });

  it("APR: TPR 0x20 with IRR 0x45 pending → 0x40; with nothing pending → TPR", () => {
    const s = enabled();
    s.w(TPR, 0x23);
    expect(s.r(APR)).toBe(0x23);
    s.apic.accept(0x45, false);
    expect(s.r(APR)).toBe(0x40);
  });

  it("INTA with nothing deliverable (TPR raised after the request) returns the spurious vector from SVR and sets no ISR bit", () => {
    const s = enabled();
    s.w(SVR, 0x1e7);
    s.apic.accept(0x33, false);
    s.w(TPR, 0xf0);
    expect(s.apic.acknowledge()).toBe(0xe7);
    for (let i = 0; i < 8; i++) expect(s.r(ISR + i * 16)).toBe(0);
    expect(s.r(IRR + 0x10)).toBe((1 << 0x13) >>> 0);
  });

  it("level-triggered acceptance sets TMR and its EOI is broadcast to the IO-APIC; an edge vector's EOI is not", () => {
    const s = enabled();
    s.apic.accept(0x62, true);
    s.apic.accept(0x53, false);
    expect(s.r(TMR + 0x30)).toBe(1 << 2);
    expect(s.apic.acknowledge()).toBe(0x62);
    s.w(EOI, 0);
    expect(s.apic.acknowledge()).toBe(0x53);
    s.w(EOI, 0);
    expect(s.eois).toEqual([0x62]);
  });

  it("vector 0x0e received → not accepted, ESR bit 6 (received illegal vector); error LVT unmasked with vector 0xfe → 0xfe pending", () => {
    const s = enabled();
    s.w(LVT_ERROR, 0xfe);
    expect(s.apic.accept(0x0e, false)).toBe(false);
    expect(s.apic.acknowledge()).toBe(0xfe);
    s.w(ESR, 0);
    expect(s.r(ESR)).toBe(0x40);
  });

  it("software-disabled APIC (SVR 0xff) does not accept fixed interrupts", () => {
    const s = setup();
    expect(s.apic.accept(0x40, false)).toBe(false);
    expect(s.apic.interruptPending()).toBe(false);
  });
});

describe("local APIC ICR (SDM 11.6.1)", () => {
  it("self shorthand (bits 19:18 = 01) fixed vector 0x77 → IRR bit 0x77; ICR low reads back with delivery status 0", () => {
    const s = enabled();
    s.w(ICR_LO, 0x40077);
    expect(s.r(ICR_LO)).toBe(0x40077);
    expect(s.apic.acknowledge()).toBe(0x77);
  });

  it("physical destination 0 (own ID) and broadcast 0xff reach this CPU; destination 3 is dropped with a report", () => {
    const s = enabled();
    s.w(ICR_HI, 0x00000000);
    s.w(ICR_LO, 0x00081);
    expect(s.apic.acknowledge()).toBe(0x81);
    s.w(EOI, 0);
    s.w(ICR_HI, 0xff000000);
    s.w(ICR_LO, 0x00082);
    expect(s.apic.acknowledge()).toBe(0x82);
    s.w(ICR_HI, 0x03000000);
    s.w(ICR_LO, 0x00083);
    expect(s.apic.interruptPending()).toBe(false);
    expect(s.reports.map((r) => r.message).join()).toMatch(/no CPU/);
  });

  it("logical flat destination: LDR 0x02000000 matches destination 0x06, not 0x01; cluster model (DFR 0x0fffffff) LDR 0x12 matches 0x13, not 0x22", () => {
    const s = enabled();
    s.w(LDR, 0x02000000);
    expect(s.apic.matchesDestination(true, 0x06)).toBe(true);
    expect(s.apic.matchesDestination(true, 0x01)).toBe(false);
    s.w(DFR, 0x0fffffff);
    s.w(LDR, 0x12000000);
    expect(s.apic.matchesDestination(true, 0x13)).toBe(true);
    expect(s.apic.matchesDestination(true, 0x22)).toBe(false);
  });

  it("fixed IPI with vector 0x05 → not sent, ESR bit 5 (send illegal vector)", () => {
    const s = enabled();
    s.w(ICR_LO, 0x40005);
    expect(s.apic.interruptPending()).toBe(false);
    s.w(ESR, 0);
    expect(s.r(ESR)).toBe(0x20);
  });
});

describe("local APIC timer (SDM 11.5.4) against the Clock", () => {
  it("100 MHz bus, divide by 1 (DCR 0xb), one-shot count 1000 → vector 0x40 at exactly 10000 ns; current count 500 at 5000 ns, 0 after", () => {
    const s = enabled();
    s.w(TIMER_DCR, 0xb);
    s.w(LVT_TIMER, 0x40);
    s.w(TIMER_ICR, 1000);
    s.advanceTo(5000);
    expect(s.r(TIMER_CCR)).toBe(500);
    s.advanceTo(9999);
    expect(s.apic.interruptPending()).toBe(false);
    expect(collect(s, 30000)).toEqual([[10000, 0x40]]);
    expect(s.r(TIMER_CCR)).toBe(0);
  });

  it("divide configuration values 0x0..0xb (bits 3,1:0) → divisors 2,4,8,16,32,64,128,1: count 10 expires after 10 × divisor bus ticks", () => {
    const expected: [number, number][] = [[0x0, 2], [0x1, 4], [0x2, 8], [0x3, 16], [0x8, 32], [0x9, 64], [0xa, 128], [0xb, 1]];
    for (const [dcr, div] of expected) {
      const s = enabled();
      s.w(TIMER_DCR, dcr);
      s.w(LVT_TIMER, 0x40);
      s.w(TIMER_ICR, 10);
      expect(collect(s, 200_000)).toEqual([[10 * div * 10, 0x40]]);
    }
  });

  it("periodic mode (LVT bit 17), divide by 16, count 625 at 100 MHz → every 100 µs, first at 100 µs after the write", () => {
    const s = enabled();
    s.advanceTo(1230); // start off the bus-tick grid: 1230 ns is tick 123
    s.w(TIMER_DCR, 0x3);
    s.w(LVT_TIMER, 0x20040);
    s.w(TIMER_ICR, 625);
    const got = collect(s, 1230 + 500_000);
    expect(got).toEqual([1, 2, 3, 4, 5].map((k) => [1230 + k * 100_000, 0x40]));
  });

  it("periodic current count reloads: 3/4 through a period of 1000 the count reads 250, and right after an expiry it reads the initial count", () => {
    const s = enabled();
    s.w(TIMER_DCR, 0xb);
    s.w(LVT_TIMER, 0x20040);
    s.w(TIMER_ICR, 1000);
    s.advanceTo(17_500);
    expect(s.r(TIMER_CCR)).toBe(250);
    s.advanceTo(20_000);
    expect(s.r(TIMER_CCR)).toBe(1000);
  });

  it("masked timer LVT: the count still reaches 0 but no interrupt; writing initial count 0 stops the timer", () => {
    const s = enabled();
    s.w(TIMER_DCR, 0xb);
    s.w(LVT_TIMER, 0x10040);
    s.w(TIMER_ICR, 100);
    expect(collect(s, 5000)).toEqual([]);
    expect(s.r(TIMER_CCR)).toBe(0);
    s.w(LVT_TIMER, 0x20040);
    s.w(TIMER_ICR, 100);
    s.w(TIMER_ICR, 0);
    expect(s.clock.nextDeadlineIcount()).toBe(Infinity);
  });

  it("33 MHz bus with 3 ns per instruction: one-shot count 7, divide 2 → expiry at the first instruction at or after tick 14 (ceil(14e9/33e6) ns)", () => {
    const c3 = makeClock(3);
    const apic = new LocalApic({ clock: c3.clock, pic: new DualPic(), busHz: 33_000_000 });
    apic.write(SVR, 4, 0x1ff);
    apic.write(TIMER_DCR, 4, 0x0);
    apic.write(LVT_TIMER, 4, 0x40);
    apic.write(TIMER_ICR, 4, 7);
    const ns = Math.ceil((14 * 1e9) / 33e6);
    expect(c3.clock.nextDeadlineIcount()).toBe(Math.ceil(ns / 3));
  });

  it("save → msgpackr → restore into a fresh APIC mid-period → the same expiries, vectors and counts afterwards", () => {
    const run = (a: ReturnType<typeof setup>) => {
      const got = collect(a, 700_000);
      return { got, ccr: a.r(TIMER_CCR), isr: a.r(ISR + 0x30), irr: a.r(IRR + 0x20) };
    };
    const a = enabled();
    a.w(TIMER_DCR, 0x1);
    a.w(LVT_TIMER, 0x20070);
    a.w(TIMER_ICR, 12_345);
    a.apic.accept(0x45, false);
    a.advanceTo(333_333);
    const b = enabled();
    b.advanceTo(333_333);
    b.apic.restore(unpack(pack(a.apic.save())) as DeviceState);
    const ra = run(a);
    expect(run(b)).toEqual(ra);
    // divide 4, count 12345 at 100 MHz: period 493 800 ns; 0x45 waits in IRR and follows 0x70
    expect(ra.got).toEqual([[493_800, 0x70], [493_800, 0x45]]);
  });
});

describe("local APIC and the 8259: virtual wire mode and global disable", () => {
  function withPic() {
    const s = setup();
    // Linux-style 8259 init: vectors 0x30/0x38
    for (const [chip, seq] of [[s.pic.master, [0x11, 0x30, 0x04, 0x01]], [s.pic.slave, [0x11, 0x38, 0x02, 0x01]]] as const) {
      chip.write(0, 1, seq[0]);
      for (const v of seq.slice(1)) chip.write(1, 1, v);
    }
    return s;
  }

  it("LINT0 ExtINT (virtual wire): IRQ 4 on the 8259 → pending through the APIC, INTA returns the 8259's vector 0x34", () => {
    const s = withPic();
    s.apic.virtualWireMode();
    expect(s.r(LVT_LINT0)).toBe(0x700);
    expect(s.r(LVT_LINT1)).toBe(0x400);
    s.pic.irq(4).raise();
    expect(s.apic.interruptPending()).toBe(true);
    expect(s.apic.acknowledge()).toBe(0x34);
  });

  it("LINT0 masked → the 8259's request does not reach the CPU", () => {
    const s = withPic();
    s.apic.virtualWireMode();
    s.w(LVT_LINT0, 0x10700);
    s.pic.irq(4).raise();
    expect(s.apic.interruptPending()).toBe(false);
  });

  it("IA32_APIC_BASE.EN cleared → the 8259 drives INTR directly, the APIC page reads all ones, registers come back in power-up state", () => {
    const s = withPic();
    s.w(SVR, 0x1ff);
    s.w(TPR, 0x30);
    expect(s.apic.writeBaseMsr(0xfee00000, 0)).toBe(true);
    s.pic.irq(4).raise();
    expect(s.apic.interruptPending()).toBe(true);
    expect(s.apic.acknowledge()).toBe(0x34);
    expect(s.r(VER)).toBe(0xffffffff);
    s.apic.writeBaseMsr(0xfee00800, 0);
    expect([s.r(SVR), s.r(TPR)]).toEqual([0xff, 0]);
  });
});

describe("local APIC in the machine (MMIO exits, IA32_APIC_BASE, CPUID)", () => {
  it("flat32 guest: CPUID.1:EDX.APIC=1, RDMSR 0x1b = 0xfee00900, periodic LAPIC timer vector 0x40 (divide 1, count 5000) wakes HLT 5 times 50 µs apart", async () => {
    const { execFileSync } = await import("node:child_process");
    const { mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { Machine } = await import("../../src/vmx/machine.js");
    const dir = mkdtempSync(join(tmpdir(), "x86rr-lapic-"));
    writeFileSync(join(dir, "g.asm"), `
      bits 32
      org 0x10000
      mov al, 0xff                         ; mask both 8259s (no BIOS did it)
      out 0x21, al
      out 0xa1, al
      lgdt [gdtr]
      mov eax, tick                        ; IDT[0x40]: 32-bit interrupt gate, selector 8
      mov [0x30000+0x40*8], ax
      mov word [0x30000+0x40*8+2], 0x08
      mov word [0x30000+0x40*8+4], 0x8e00
      shr eax, 16
      mov [0x30000+0x40*8+6], ax
      lidt [idtr]
      mov eax, 1
      cpuid
      mov [0x20000], edx
      mov ecx, 0x1b
      rdmsr
      mov [0x20004], eax
      mov dword [0xfee000f0], 0x1ff        ; SVR: enable, spurious 0xff
      mov dword [0xfee003e0], 0xb          ; divide by 1
      mov dword [0xfee00320], 0x20040      ; periodic, vector 0x40
      mov dword [0xfee00380], 5000         ; 5000 bus ticks = 50 us at 100 MHz
      xor ebx, ebx
      sti
idle: hlt
      cmp ebx, 5
      jb idle
      mov dword [0xfee00380], 0
      mov al, 0
      out 0xf4, al
      hlt
tick: rdtsc
      mov [0x20010 + ebx*4], eax
      inc ebx
      mov dword [0xfee000b0], 0            ; EOI
      iret
      align 8
gdt:  dq 0
      dq 0x00cf9a000000ffff
      dq 0x00cf92000000ffff
gdtr: dw 23
      dd gdt
idtr: dw 0x40*8+7
      dd 0x30000
    `);
    execFileSync("nasm", ["-f", "bin", "-o", join(dir, "g.bin"), join(dir, "g.asm")]);
    const img = new Uint8Array(readFileSync(join(dir, "g.bin")));
    const m = new Machine({ memBytes: 4 << 20 });
    m.loadBytes(0x10000, img);
    m.enter({ mode: "flat32", eip: 0x10000, esp: 0x8000 });
    const end = m.run(1_000_000);
    expect(end).toEqual({ kind: "exit", code: 1 });
    expect(m.mem.view.getUint32(0x20000, true) & (1 << 9)).toBe(1 << 9);
    expect(m.mem.view.getUint32(0x20004, true)).toBe(0xfee00900);
    const t = [0, 1, 2, 3, 4].map((i) => m.mem.view.getUint32(0x20010 + i * 4, true));
    for (let i = 1; i < 5; i++) expect(t[i] - t[i - 1]).toBe(50_000);
    expect(m.vmm.stats.mmio.get("local APIC")).toBeGreaterThanOrEqual(4 + 5 + 1);
    expect(m.reports).toEqual([]);
  });
});
