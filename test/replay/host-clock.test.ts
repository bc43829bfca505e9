// --clock host: guest time follows host time samples taken at slice boundaries (HOST_TIME events),
// so interrupt timing depends on host speed, and replay reproduces it exactly without the host.
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HostConsole } from "../../src/cli/console.js";
import { machineDigest } from "../../src/replay/digest.js";
import { Environment, type HostWorld } from "../../src/replay/environment.js";
import { guestFromHeader } from "../../src/replay/guest-setup.js";
import { applyHostTime, hostSample } from "../../src/replay/host-clock.js";
import { driveSync } from "../../src/replay/recorder.js";
import { finishRecording, replayRun, startRecording, type GuestSpec } from "../../src/replay/session.js";
import { EventKind } from "../../src/replay/trace-events.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { GuestTime } from "../../src/vmx/guest-time.js";
import { Machine } from "../../src/vmx/machine.js";
import { jitterClock, type HostJitter } from "../props/harness.js";
import { assemble, timerGuest } from "./snapshot-guests.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
let n = 0;

/**
 * Flat 32-bit guest: PIT channel 0 mode 2 with divisor 12 (a tick every 12 / 1.193182 MHz =
 * 10.06 µs), IRQ0 unmasked; the main loop spins; the IRQ0 handler's first instruction writes the
 * tick number to port 0xE9 (so the icount of that OUT is the icount the interrupt was taken at).
 * Exits through port 0xF4 after 12 ticks.
 */
const BUSY = `
bits 32
org 0x100000
start:
  lgdt [gdtr]
  jmp 0x08:.reload
.reload:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, 0x1f0000
  lidt [idtr]
  mov al, 0x11
  out 0x20, al
  mov al, 0x20
  out 0x21, al
  mov al, 0x04
  out 0x21, al
  mov al, 0x01
  out 0x21, al
  mov al, 0xfe
  out 0x21, al
  mov al, 0x34
  out 0x43, al
  mov al, 12
  out 0x40, al
  mov al, 0
  out 0x40, al
  sti
spin:
  inc esi
  cmp dword [ticks], 12
  jb spin
  mov al, 0
  out 0xf4, al
  cli
  hlt
irq0:
  out 0xe9, al
  inc dword [ticks]
  mov al, 0x20
  out 0x20, al
  iretd
align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff
  dq 0x00cf92000000ffff
gdtr:
  dw gdtr - gdt - 1
  dd gdt
align 8
idt:
  times 0x20 dq 0
  dw (irq0 - $$ + 0x100000) & 0xffff, 0x08, 0x8e00, (irq0 - $$ + 0x100000) >> 16
idtr:
  dw idtr - idt - 1
  dd idt
ticks: dd 0
`;

const busy: GuestSpec = { name: "busy", image: assemble(BUSY), loadAddress: 0x100000, entry: { mode: "flat32", eip: 0x100000, esp: 0x1f0000 }, memBytes: 4 << 20, clock: "host" };

function world(j: HostJitter): HostWorld & { clock: ReturnType<typeof jitterClock> } {
  const clock = jitterClock(j);
  return { clock, hostClock: clock, wallClockMs: () => 1_700_000_000_000, pollSerial: () => null, waitForInput: () => false };
}

/** Records `guest` with a scripted host clock; returns the trace, the result and the icount of every port 0xE9 byte. */
function recordHost(guest: GuestSpec, j: HostJitter, slice: number, digestEvery = 7_000) {
  const path = tmp.file(`h${n++}.x86rr`);
  const w = world(j);
  const e9Icounts: number[] = [];
  let out = "";
  const r = startRecording({
    guest, path, world: w, createdAt: "2026-11-23T00:00:00Z", pollEvery: slice, digestEvery,
    onDebugConsole: (b) => { e9Icounts.push(r.m.cpu.icount); out += `E${b} `; }, onSerial: (b) => { out += `S${b} `; },
  });
  driveSync(r, () => false, (ns) => w.clock.idleUntil(ns));
  const rec = finishRecording(r);
  return { path, rec, e9Icounts, out, world: w };
}

function replayOf(path: string, guest: GuestSpec) {
  let out = "";
  const rep = replayRun({ path, image: () => guest.image, onDebugConsole: (b) => { out += `E${b} `; }, onSerial: (b) => { out += `S${b} `; } });
  return { rep, out };
}

function events(path: string, kind: EventKind): { icount: number; payload: unknown }[] {
  const r = TraceReader.open(path);
  try {
    return [...r.events()].filter((e) => e.kind === kind);
  } finally {
    r.close();
  }
}

describe("host clock: applying samples", () => {
  it("busy CPU, samples 1 ms apart every 20,000 instructions (50 ns/instruction) → guest time moves continuously, at most 2× the host's pace, and ends within 1% of host time", () => {
    const m = new Machine({ memBytes: 1 << 20, clock: "host" });
    const t = m.time;
    let prev = 0;
    for (let k = 1; k <= 200; k++) {
      const i = k * 20_000, s = k * 1_000_000;
      const before = t.nowNs(i);
      hostSample(t, i, s, false);
      expect(t.nowNs(i)).toBe(before); // continuous: a sample changes the rate, not the time
      expect(before).toBeGreaterThanOrEqual(prev);
      expect(t.host!.rate).toBeLessThanOrEqual(100);
      prev = before;
    }
    expect(Math.abs(t.nowNs(200 * 20_000) - 200_000_000)).toBeLessThan(2_000_000);
    expect(t.host!.rate).toBeCloseTo(50, 0);
  });

  it("CPU halted at a sample 3 ms past the timer it waited for (deadline 5 ms, host 8 ms) → time skips to the deadline, not to the host; the timer fires once, with its own deadline", () => {
    const m = new Machine({ memBytes: 1 << 20, clock: "host" });
    const fired: number[] = [];
    const tm = m.clock.createTimer("test", (at) => fired.push(at));
    m.clock.schedule(tm, 5_000_000);
    m.cpu.halted = true;
    applyHostTime(m, 8_000_000);
    expect([m.clock.nowNs(), fired]).toEqual([5_000_000, [5_000_000]]);
    // The 3 ms it is behind the host are made up by slewing: a faster rate, not a jump.
    expect(m.time.host!.rate).toBeGreaterThan(1);
  });

  it("CPU halted, host sample behind guest time (input woke it early) → time does not go back and does not jump", () => {
    const m = new Machine({ memBytes: 1 << 20, clock: "host" });
    const tm = m.clock.createTimer("test", () => {});
    m.clock.schedule(tm, 9_000_000);
    m.time.startSegment(0, 4_000_000, 1);
    m.cpu.halted = true;
    applyHostTime(m, 3_000_000);
    expect(m.clock.nowNs()).toBe(4_000_000);
  });

  it("rate 0.3 ns/instruction segment → icountAt is the least icount whose time reaches the deadline (never early), evaluated with nowNs", () => {
    const t = new GuestTime(1, "host");
    t.startSegment(1000, 777, 0.3);
    for (const ns of [778, 779, 1000, 1_000_001, 2 ** 40 + 1]) {
      const i = t.icountAt(ns);
      expect(t.nowNs(i)).toBeGreaterThanOrEqual(ns);
      expect(t.nowNs(i - 1)).toBeLessThan(ns);
      // Independent recomputation: floor(777 + (i - 1000) * 0.3) >= ns first at i = 1000 + ceil((ns - 777) / 0.3), ±1 for rounding.
      expect(Math.abs(i - (1000 + Math.ceil((ns - 777) / 0.3)))).toBeLessThanOrEqual(1);
    }
    expect(t.icountAt(777)).toBe(1000);
    expect(t.icountAt(700)).toBeLessThan(1000); // already due: before the segment
  });

  it("virtual mode → time is icount × nsPerInstruction + idleNs, icountAt its ceiling inverse (unchanged: committed traces replay)", () => {
    const t = new GuestTime(7);
    t.idleUntil(10, 100);
    expect([t.nowNs(10), t.nowNs(11), t.icountAt(100), t.icountAt(101), t.icountAt(108), t.icountAt(0)]).toEqual([100, 107, 10, 11, 12, 0]);
    expect(t.host).toBeNull();
  });
});

describe("record --clock host with a jittery host → replay", () => {
  it("busy PIT guest, host clock moving ~1 ms per 5000-instruction slice (~200 ns/instruction, slower than the 100 ns/instruction cap) → once measured, IRQ0 every 10,057 ns / 100 ns = 100–101 instructions, between slice boundaries (no burst of catch-up ticks at samples)", () => {
    const fast = recordHost(busy, { origin: 5e15, steps: [1_000_000, 1_300_000, 900_000], overshoot: [0] }, 5000, 1e12);
    expect(fast.rec.end).toEqual({ kind: "exit", code: 1 });
    expect(fast.e9Icounts).toHaveLength(12);
    const gaps = fast.e9Icounts.slice(1).map((x, i) => x - fast.e9Icounts[i]);
    // The first slice runs at the virtual rate (nothing measured yet), so the first tick comes at ~10,057.
    expect(fast.e9Icounts[0]).toBeGreaterThan(5000);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(100), expect(g).toBeLessThanOrEqual(101);
    expect(fast.e9Icounts.filter((i) => i % 5000 === 0).length).toBeLessThan(2);
  });

  it("busy PIT guest, host slower than 1 ns per instruction (1 µs per 5000-instruction slice) → samples never move guest time: IRQ0 every 12 / 1.193182 MHz = 10,057 ns = 10,057 instructions", () => {
    const slow = recordHost(busy, { origin: 0, steps: [1000, 1200, 800], overshoot: [0] }, 5000, 1e12);
    const gaps = slow.e9Icounts.slice(1).map((x, i) => x - slow.e9Icounts[i]);
    expect(gaps).toHaveLength(11);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(10056), expect(g).toBeLessThanOrEqual(10059);
  });

  it("busy PIT guest under a slow host (1 µs per slice) vs a fast host (1 ms per slice) → different interrupt icounts; each replays to the same output, icount and machine state", () => {
    const slow = recordHost(busy, { origin: 0, steps: [1000, 1200, 800], overshoot: [0] }, 5000);
    const fast = recordHost(busy, { origin: 0, steps: [1_000_000, 1_300_000, 900_000], overshoot: [0] }, 5000);
    // The slow host lags the nominal 1 ns/instruction: ticks fall every ~10,060 instructions, between slice boundaries.
    expect(slow.e9Icounts.some((i) => i % 5000 !== 0)).toBe(true);
    expect(slow.e9Icounts).not.toEqual(fast.e9Icounts);
    expect(slow.rec.icount).not.toBe(fast.rec.icount);
    for (const r of [slow, fast]) {
      const { rep, out } = replayOf(r.path, busy);
      expect(rep.divergence).toBeNull();
      expect(rep.recordedEnd).toBe("exit 1");
      expect(out).toBe(r.out);
      expect(rep.icount).toBe(r.rec.icount);
      expect(machineDigest(rep.machine)).toBe(machineDigest(r.rec.machine));
      expect(events(r.path, EventKind.HOST_TIME).length).toBeGreaterThan(0);
    }
  });

  it("HLT-waiting timer guest (paging, REP MOVSD, RDTSC in IRQ0) under an irregular host with late wake-ups → identical replay; every idle wait target is reached by a later host sample; guest time (= RDTSC) never behind the virtual clock (icount × 1 ns)", () => {
    const g = timerGuest({ divisor: 1193, copyDwords: 300, touchPages: 3, ticks: 25 });
    const guest: GuestSpec = { name: g.name, image: g.bytes, loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes, clock: "host" };
    const r = recordHost(guest, { origin: 123_456_789, steps: [3, 250_000, 17, 4_000_000, 90_000], overshoot: [0, 70_000, 1_500_000] }, 3000);
    expect(r.rec.end).toEqual({ kind: "exit", code: 1 });
    const { rep, out } = replayOf(r.path, guest);
    expect(rep.divergence).toBeNull();
    expect(rep.digestsVerified).toBeGreaterThan(1);
    expect(out).toBe(r.out);
    expect(rep.icount).toBe(r.rec.icount);
    expect(machineDigest(rep.machine)).toBe(machineDigest(r.rec.machine));
    // Each idle wait targets the next timer deadline, ahead of the time the guest reached; the
    // scripted host then wakes at or after it, so a later sample is at least the target.
    const samples = events(r.path, EventKind.HOST_TIME).map((e) => (e.payload as number[])[0]);
    expect(r.world.clock.waits.length).toBeGreaterThan(5);
    for (const w of r.world.clock.waits) expect(samples.some((s) => s >= w - 123_456_789)).toBe(true);
    // Guest time (what RDTSC reads at 1 GHz) runs at least at the virtual rate; it may lag the
    // host (a late wake-up skips only to the deadline; the rest is slewed in).
    expect(rep.machine.clock.nowNs()).toBeGreaterThanOrEqual(rep.icount);
    expect(rep.machine.vmm.rdtsc(rep.machine.cpu)).toBe(rep.machine.clock.nowNs());
  });
});

describe("CLI idle wait (--clock host)", () => {
  it("HostConsole.waitUntil(Environment.hostDeadline(session time now + 40 ms)) → resolves after at least 40 ms of host time (session time and the host clock's origin are converted, not compared raw)", async () => {
    const input = tmp.file("empty-input");
    writeFileSync(input, "");
    const con = new HostConsole(input);
    try {
      const env = Environment.live(con.world);
      const start = env.hostTimeNs(0);
      await con.waitUntil(env.hostDeadline(start + 40_000_000));
      expect(env.hostTimeNs(0) - start).toBeGreaterThanOrEqual(40_000_000);
    } finally {
      con.close();
    }
  });
});

describe("host clock traces of another time model", () => {
  it("host-clock trace header without machine.hostTime (recorded when guest time jumped to each sample) → refused in one message saying why; with it → accepted", () => {
    const r = recordHost(busy, { origin: 0, steps: [1_000_000], overshoot: [0] }, 5000);
    const reader = TraceReader.open(r.path);
    const header = reader.header;
    reader.close();
    expect(header.machine.hostTime).toBe("slew");
    expect(guestFromHeader(header, r.path, () => busy.image).clock).toBe("host");
    const { hostTime: _, ...old } = header.machine;
    expect(() => guestFromHeader({ ...header, machine: old }, r.path, () => busy.image))
      .toThrow(/recorded by an older x86rr, whose guest time jumped to each host time sample/);
    expect(() => guestFromHeader({ ...header, machine: { ...old, hostTime: "other" } }, r.path, () => busy.image)).toThrow(/machine\.hostTime/);
  });
});
