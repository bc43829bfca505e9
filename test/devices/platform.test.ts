import fc from "fast-check";
import { pack, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/bus.js";
import type { AccessReport, DeviceState } from "../../src/devices/device.js";
import { PcPlatform } from "../../src/devices/platform.js";
import { makeClock } from "./helpers.js";

function machine() {
  const c = makeClock();
  const reports: AccessReport[] = [];
  const io = new IoBus((r) => reports.push(r));
  const events: string[] = [];
  const pc = new PcPlatform({
    io,
    clock: c.clock,
    epochSeconds: 1_700_000_000,
    ramBytes: 64 << 20,
    onCom1Transmit: (b) => events.push(`tx ${b}`),
    onDebugConsole: (b) => events.push(`e9 ${b}`),
    onDebugExit: (code) => events.push(`exit ${code}`),
    onA20: (on) => events.push(`a20 ${on}`),
    onReset: () => events.push("reset"),
  });
  return { ...c, io, pc, reports, events };
}

/** Linux-style PIC init (ICW1 0x11, vectors 0x30/0x38, cascade on IR2, 8086 mode). */
function initPics(io: IoBus) {
  for (const [port, v] of [[0x20, 0x11], [0x21, 0x30], [0x21, 0x04], [0x21, 0x01], [0xa0, 0x11], [0xa1, 0x38], [0xa1, 0x02], [0xa1, 0x01]])
    io.write(port, 1, v);
}

describe("PC platform wiring", () => {
  it("PIT counter 0 mode 2 at 100 Hz through the PIC → vector 0x30 100 times in one second of guest time (EOI each)", () => {
    const m = machine();
    initPics(m.io);
    m.io.write(0x43, 1, 0x34);
    m.io.write(0x40, 1, 11932 & 0xff);
    m.io.write(0x40, 1, 11932 >> 8);
    let n = 0;
    // a run loop: stop at each deadline, take interrupts at the boundary
    for (;;) {
      const d = m.clock.nextDeadlineIcount();
      if (d > 1_000_000_000) break;
      m.advanceTo(d);
      while (m.pc.pic.interruptPending()) {
        expect(m.pc.pic.acknowledge()).toBe(0x30);
        n++;
        m.io.write(0x20, 1, 0x20);
      }
    }
    // rises at load + 11932*j ticks, load = tick 1; 1 s = 1193182 ticks
    expect(n).toBe(Math.floor((1193182 - 1) / 11932));
  });
  it("COM1 at 0x3f8 transmits; RTC at 0x70/0x71 reads the CMOS memory size; 0xe9 and 0xf4 reach their callbacks", () => {
    const m = machine();
    m.io.write(0x3f8, 1, 0x4f);
    m.io.write(0x70, 1, 0x30);
    const ext = m.io.read(0x71, 1);
    m.io.write(0x70, 1, 0x31);
    expect(ext | (m.io.read(0x71, 1) << 8)).toBe(63 * 1024);
    m.io.write(0xe9, 1, 0x21);
    m.io.write(0xf4, 4, 3);
    expect(m.events).toEqual(["tx 79", "e9 33", "exit 7"]);
  });
  it("UART IRQ 4 with OUT2 → slave-free master vector 0x34; RTC IRQ 8 → slave vector 0x38", () => {
    const m = machine();
    initPics(m.io);
    m.io.write(0x3fc, 1, 0x08);
    m.io.write(0x3f9, 1, 0x02);
    expect(m.pc.pic.acknowledge()).toBe(0x34);
    m.io.write(0x20, 1, 0x20);
    m.io.write(0x3f9, 1, 0x00);
    m.io.write(0x70, 1, 0x0b);
    m.io.write(0x71, 1, 0x12); // UIE
    m.advanceTo(1_000_000_000);
    expect(m.pc.pic.interruptPending()).toBe(true);
    expect(m.pc.pic.acknowledge()).toBe(0x38);
  });
  it("8042 0xD1 clearing A20 and port 0x92 setting it → A20 = either source", () => {
    const m = machine();
    m.io.write(0x64, 1, 0xd1);
    m.io.write(0x60, 1, 0x01);
    m.io.write(0x92, 1, 0x02);
    m.io.write(0x92, 1, 0x00);
    expect(m.events).toEqual(["a20 false", "a20 true", "a20 false"]);
  });
  it("ports Linux probes that are not modelled (0x3f0 floppy, 0xcf8 PCI) read all ones and are reported once each", () => {
    const m = machine();
    expect(m.io.read(0x3f4, 1, 0xc0100000)).toBe(0xff);
    expect(m.io.read(0xcf8, 4, 0xc0100010)).toBe(0xffffffff);
    m.io.read(0x3f4, 1, 0xc0100020);
    expect(m.reports.map((r) => r.address)).toEqual([0x3f4, 0xcf8, 0xcf9, 0xcfa, 0xcfb]);
  });
});

// One guest action on the platform: port I/O, a serial byte arriving, time passing, or the
// CPU taking an interrupt at an instruction boundary.
type Op =
  | { kind: "out"; port: number; value: number }
  | { kind: "in"; port: number }
  | { kind: "rx"; value: number }
  | { kind: "run"; icounts: number }
  | { kind: "eoi" };

const ports = [0x20, 0x21, 0xa0, 0xa1, 0x40, 0x42, 0x43, 0x61, 0x70, 0x71, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x60, 0x64, 0x4d0, 0x4d1];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("out" as const), port: fc.constantFrom(...ports), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("in" as const), port: fc.constantFrom(...ports) }),
  fc.record({ kind: fc.constant("rx" as const), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("run" as const), icounts: fc.integer({ min: 1, max: 3_000_000 }) }),
  fc.record({ kind: fc.constant("eoi" as const) }),
);

/** Live timers: PIT counter 0 periodic, RTC periodic interrupt, UART interrupts with FIFO timeout. */
function preamble(io: IoBus, pitCount: number) {
  initPics(io);
  for (const [port, v] of [[0x43, 0x34], [0x40, pitCount & 0xff], [0x40, pitCount >> 8], [0x70, 0x0b], [0x71, 0x42], [0x3fc, 0x0b], [0x3f9, 0x0f], [0x3fa, 0xc1]])
    io.write(port, 1, v);
}

function apply(m: ReturnType<typeof machine>, op: Op, log: number[]): void {
  switch (op.kind) {
    case "out":
      if (op.port === 0x64 && (op.value === 0xd1 || op.value >= 0xf0)) return; // keep the run going
      m.io.write(op.port, 1, op.value);
      return;
    case "in":
      log.push(m.io.read(op.port, 1));
      return;
    case "eoi":
      m.io.write(0xa0, 1, 0x20);
      m.io.write(0x20, 1, 0x20);
      return;
    case "rx":
      log.push(m.pc.com1.receive(op.value) ? 1 : 0);
      return;
    case "run": {
      const target = m.icount() + op.icounts;
      for (;;) {
        const d = Math.min(m.clock.nextDeadlineIcount(), target);
        m.advanceTo(d);
        if (m.pc.pic.interruptPending()) log.push(0x1000 + m.pc.pic.acknowledge(), m.icount());
        if (d === target) return;
      }
    }
  }
}

describe("PC platform snapshots", () => {
  it("property: save → msgpackr → restore into a new platform → continuing gives the same reads, vectors, timing and outputs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20000 }), fc.array(opArb, { maxLength: 40 }), fc.array(opArb, { maxLength: 40 }), (pitCount, before, after) => {
        const a = machine();
        preamble(a.io, pitCount);
        const logA: number[] = [];
        for (const op of before) apply(a, op, logA);
        const blob = pack(a.pc.save());
        const b = machine();
        b.advanceTo(a.icount());
        b.pc.restore(unpack(blob) as DeviceState);
        const tailA: number[] = [];
        const tailB: number[] = [];
        const eventsA = a.events.length;
        for (const op of after) apply(a, op, tailA);
        for (const op of after) apply(b, op, tailB);
        expect(tailB).toEqual(tailA);
        expect(b.events).toEqual(a.events.slice(eventsA));
        expect(b.clock.nextDeadlineIcount()).toBe(a.clock.nextDeadlineIcount());
      }),
      { numRuns: 150, seed: 20240229 },
    );
  });
});
