// Bisect over a recorded demo trace, checked against a brute-force oracle that shares no code
// with it: a fresh Machine stepped one instruction at a time from reset (no trace, no snapshots),
// reading RAM and the serial output directly; symbol addresses from nm (binutils).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findGuest, guestSymbolFile, readGuestImage } from "../../src/cli/guests.js";
import { bisect } from "../../src/replay/bisect.js";
import { TraceCursor } from "../../src/replay/bisect-cursor.js";
import { parsePredicate, PredicateError } from "../../src/replay/predicate.js";
import { recordRun, replayRun, type GuestSpec } from "../../src/replay/session.js";
import { Machine } from "../../src/vmx/machine.js";

const dir = mkdtempSync(join(tmpdir(), "x86rr-bisect-"));
const g = findGuest("demo")!;
const spec: GuestSpec = { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes };
const image = () => spec.image;
const sym: Record<string, number> = {};
const symbol = (n: string) => sym[n];
const path = join(dir, "demo.x86rr");
let oracle: { firstLost: number; firstRace: number; end: number };

function u32(m: Machine, a: number): number {
  return m.mem.view.getUint32(a, true);
}

beforeAll(() => {
  for (const m of execFileSync("nm", ["--defined-only", guestSymbolFile(g)], { encoding: "latin1" }).matchAll(/^([0-9a-f]+) \w (\S+)$/gm)) sym[m[2]] = parseInt(m[1], 16);
  recordRun({
    guest: spec, path, createdAt: "2026-11-23T00:00:00Z", digestEvery: 5_000,
    world: { wallClockMs: () => 1_700_000_000_000, pollSerial: () => null, waitForInput: () => false },
  });
  // Oracle: step from reset; the demo's paging is an identity map, so RAM offset = address.
  const out: number[] = [];
  const m = new Machine({ memBytes: spec.memBytes, onSerial: (b) => out.push(b) });
  m.loadBytes(spec.loadAddress, spec.image);
  m.enter(spec.entry);
  let firstLost = -1, firstRace = -1;
  for (;;) {
    const e = m.run(1);
    const k = m.cpu.icount;
    if (firstLost < 0 && u32(m, sym.counter) < u32(m, sym.ops)) firstLost = k;
    if (firstRace < 0 && Buffer.from(out).toString("latin1").includes("RACE")) firstRace = k;
    if (e.kind !== "limit") break;
  }
  oracle = { firstLost, firstRace, end: m.cpu.icount };
}, 120_000);

describe("bisect on the demo trace", () => {
  it("mem:counter:u32 < mem:ops:u32 → the oracle's first icount of a lost update; monotonic", () => {
    expect(oracle.firstLost).toBeGreaterThan(0);
    const cursor = new TraceCursor(path, { image });
    const { result, stats } = bisect(cursor, parsePredicate("mem:counter:u32 < mem:ops:u32", { symbol }));
    expect(result).toEqual({ kind: "found", icount: oracle.firstLost, nonMonotonic: [] });
    // Bounded work: one forward pass plus probes and steps within one snapshot interval (snapshots
    // are taken only at digest points, where the recording emptied the TLB too).
    // Each probe replays at most one digest interval; the probes halve one sampling interval.
    expect(cursor.flushStep).toBe(5_000);
    const probes = Math.ceil(Math.log2(cursor.every / 64)) + 2;
    expect(stats.instructions - stats.forwardInstructions).toBeLessThan(probes * cursor.flushStep);
  });

  it("serial:/RACE/ → the oracle's icount just after the OUT that wrote the 'E' of RACE", () => {
    const { result } = bisect(new TraceCursor(path, { image }), parsePredicate("serial:/RACE/"));
    expect(result).toMatchObject({ kind: "found", icount: oracle.firstRace });
  });

  it("the same answer whatever the snapshot spacing (1000, 4096, 77777)", () => {
    for (const every of [1000, 4096, 77_777]) {
      const { result } = bisect(new TraceCursor(path, { image, snapshotEvery: every }), parsePredicate("phys:counter:u32 < phys:ops:u32", { symbol }));
      expect(result).toMatchObject({ kind: "found", icount: oracle.firstLost });
    }
  });

  it("reg:eip == 0x100000 → already true at icount 0; reg:eax == 0xdeadbeef → never, up to the recorded end", () => {
    expect(bisect(new TraceCursor(path, { image }), parsePredicate("reg:eip == 0x100000")).result).toEqual({ kind: "at-start" });
    expect(bisect(new TraceCursor(path, { image }), parsePredicate("reg:eax == 0xdeadbeef")).result).toEqual({ kind: "never", endIcount: oracle.end });
  });

  it("exits:IO_INSTRUCTION >= 20 → the icount after the 20th IN/OUT (oracle: stepping and counting exits)", () => {
    const m = new Machine({ memBytes: spec.memBytes });
    m.loadBytes(spec.loadAddress, spec.image);
    m.enter(spec.entry);
    while (m.vmm.stats.byReason[30] < 20) m.run(1);
    const { result } = bisect(new TraceCursor(path, { image }), parsePredicate("exits:IO_INSTRUCTION >= 20"));
    expect(result).toMatchObject({ kind: "found", icount: m.cpu.icount });
  });

  it("pc:report → the icount where the next instruction is the label report (first time)", () => {
    const { result } = bisect(new TraceCursor(path, { image }), parsePredicate("pc:report", { symbol }));
    expect(result.kind).toBe("found");
    const c = new TraceCursor(path, { image });
    c.seek((result as { icount: number }).icount);
    expect(c.machine.cpu.eip >>> 0).toBe(sym.report);
  });

  it("reg:edx == 3 (true now and then, false in between) → a true state, reported as not monotonic", () => {
    const c = new TraceCursor(path, { image });
    const { result } = bisect(c, parsePredicate("reg:edx == 3"));
    expect(result.kind).toBe("found");
    const r = result as { icount: number; nonMonotonic: string[] };
    expect(r.nonMonotonic.length).toBeGreaterThan(0);
    c.seek(r.icount);
    expect(c.machine.cpu.regs[2]).toBe(3);
    c.seek(r.icount - 1);
    expect(c.machine.cpu.regs[2]).not.toBe(3);
  });

  it("js:PATH module → called with the machine; same answer as the mem: form", () => {
    const js = join(dir, "lost.mjs");
    writeFileSync(js, `export default (m) => m.mem.view.getUint32(${sym.counter}, true) < m.mem.view.getUint32(${sym.ops}, true);\n`);
    const f = (m: Machine) => m.mem.view.getUint32(sym.counter, true) < m.mem.view.getUint32(sym.ops, true);
    const { result } = bisect(new TraceCursor(path, { image }), parsePredicate(`js:${js}`, { jsModule: () => f }));
    expect(result).toMatchObject({ kind: "found", icount: oracle.firstLost });
  });
});

describe("predicate syntax errors are one line", () => {
  const bad: [string, RegExp][] = [
    ["mem:counter:u64 == 1", /mem: expected mem:ADDR:u8\|u16\|u32 OP VALUE/],
    ["mem:counter:u32 =~ 1", /expected OP VALUE/],
    ["reg:xax == 1", /unknown register "xax"/],
    ["serial:RACE", /expected serial:\/REGEX\//],
    ["serial:/(/", /bad regular expression/],
    ["exits:FOO > 1", /unknown exit reason "FOO"/],
    ["mem:nosuch:u32 == 1", /unknown symbol "nosuch"/],
    ["bogus", /unknown predicate "bogus"/],
    ["reg:eax == 0x1ffffffff", /not a 32-bit value/],
  ];
  for (const [text, msg] of bad) {
    it(`${text} → PredicateError ${msg}`, () => {
      let err: unknown;
      try { parsePredicate(text, { symbol }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(PredicateError);
      expect((err as Error).message).toMatch(msg);
      expect((err as Error).message).not.toContain("\n");
    });
  }
});

describe("bisect on a host-clock trace (HOST_TIME samples)", () => {
  it("scripted host clock running ahead of the instructions: bisect's icount k is where session.replayRun (to: k) first shows counter < ops, and not at k - 1", () => {
    const hpath = join(dir, "demo-host.x86rr");
    let now = 0;
    // Host time moves 1.5 ms per sample: far ahead of 1 ns/instruction, so the PIT fires often.
    const hostClock = { nowNs: () => (now += 1_500_000), idleUntil: (ns: number) => { now = Math.max(now, ns); } };
    const r = recordRun({
      guest: { ...spec, clock: "host" }, path: hpath, createdAt: "2026-11-23T00:00:00Z", pollEvery: 5_000,
      world: { hostClock, wallClockMs: () => 1_700_000_000_000, pollSerial: () => null, waitForInput: () => false },
    });
    expect(r.end).toEqual({ kind: "exit", code: (0x52 << 1) | 1 });
    const { result } = bisect(new TraceCursor(hpath, { image }), parsePredicate("mem:counter:u32 < mem:ops:u32", { symbol }));
    expect(result.kind).toBe("found");
    const k = (result as { icount: number }).icount;
    const lost = (to: number) => { const m = replayRun({ path: hpath, image, to }).machine; return u32(m, sym.counter) < u32(m, sym.ops); };
    expect(lost(k)).toBe(true);
    expect(lost(k - 1)).toBe(false);
  });
});
