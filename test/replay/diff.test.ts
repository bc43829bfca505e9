// x86rr diff on recordings of the echo guest that differ in one typed byte, and on two
// recordings of the same run. Oracles: the bytes we typed, nm's address of the echo guest's
// receive handler, and the SDM meaning of IN AL,DX (the byte read lands in AL).
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findGuest, guestSymbolFile, readGuestImage } from "../../src/cli/guests.js";
import { TraceCursor } from "../../src/replay/bisect-cursor.js";
import { diffTraces } from "../../src/replay/diff.js";
import { recordRun } from "../../src/replay/session.js";
import { EventKind } from "../../src/replay/trace-events.js";

const dir = mkdtempSync(join(tmpdir(), "x86rr-diff-"));
const g = findGuest("echo")!;
const image = () => readGuestImage(g);
const sym: Record<string, number> = {};

function record(name: string, input: string[], epochMs: number): string {
  const path = join(dir, `${name}.x86rr`);
  let poll = 0;
  recordRun({
    guest: { name: g.name, image: image(), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes },
    path, createdAt: "2026-11-23T00:00:00Z", pollEvery: 50, digestEvery: 20,
    world: {
      wallClockMs: () => epochMs,
      pollSerial: () => { const p = input[poll++]; return p ? new Uint8Array(Buffer.from(p, "latin1")) : null; },
      waitForInput: () => poll < input.length,
    },
  });
  return path;
}

let ab: string, ax: string, ab2: string;
beforeAll(() => {
  for (const m of execFileSync("nm", ["--defined-only", guestSymbolFile(g)], { encoding: "latin1" }).matchAll(/^([0-9a-f]+) \w (\S+)$/gm)) sym[m[2]] = parseInt(m[1], 16);
  ab = record("ab", ["a", "", "b", "", "."], 1_700_000_000_000);
  ax = record("ax", ["a", "", "x", "", "."], 1_700_000_000_000);
  ab2 = record("ab2", ["a", "", "b", "", "."], 1_700_000_999_000);
});

describe("x86rr diff", () => {
  it("'a','b','.' vs 'a','x','.': first differing input is the second SERIAL_IN ('b' vs 'x'); execution parts after an IN in com1_irq with AL 0x62 vs 0x78", () => {
    const a = new TraceCursor(ab, { image }), b = new TraceCursor(ax, { image });
    const r = diffTraces(a, b);
    expect(r.header).toEqual([]);
    expect(r.rtc).toBeNull();
    expect(r.input).not.toBeNull();
    expect(r.input!.a!.kind).toBe(EventKind.SERIAL_IN);
    expect(Buffer.from((r.input!.a!.payload as [number, Uint8Array])[1]).toString()).toBe("b");
    expect(Buffer.from((r.input!.b!.payload as [number, Uint8Array])[1]).toString()).toBe("x");
    expect(r.input!.a!.icount).toBe(r.input!.b!.icount);
    expect(r.execution).not.toBeNull();
    const eax = r.execution!.registers.find((x) => x.name === "eax")!;
    expect(eax.a & 0xff).toBe(0x62);
    expect(eax.b & 0xff).toBe(0x78);
    // The instruction before the first differing state: an IN AL,DX (EC) inside the receive handler.
    a.seek(r.execution!.icount - 1);
    const pc = a.machine.cpu.eip;
    expect(pc).toBeGreaterThanOrEqual(sym.com1_irq);
    expect(pc).toBeLessThan(sym.done);
    expect(a.machine.mem.bytes[pc]).toBe(0xec);
    expect(r.execution!.icount).toBeGreaterThan(r.input!.a!.icount);
  });

  it("the same typing recorded twice at different wall-clock times: only the RTC time differs; every digest agrees", () => {
    const r = diffTraces(new TraceCursor(ab, { image }), new TraceCursor(ab2, { image }));
    expect(r.header).toEqual([]);
    expect(r.rtc).toEqual({ a: 1_700_000_000_000, b: 1_700_000_999_000 });
    expect(r.input).toBeNull();
    expect(r.digests.firstDiffer).toBeNull();
    expect(r.digests.common).toBeGreaterThan(1);
    expect(r.execution).toBeNull();
  });

  it("echo vs demo: the headers say the guest, entry and images differ; execution is not compared", () => {
    const d = findGuest("demo")!;
    const path = join(dir, "demo.x86rr");
    recordRun({
      guest: { name: d.name, image: readGuestImage(d), loadAddress: d.loadAddress, entry: d.entry, memBytes: d.memBytes },
      path, createdAt: "2026-11-23T00:00:00Z", world: { wallClockMs: () => 0, pollSerial: () => null, waitForInput: () => false },
    });
    const r = diffTraces(new TraceCursor(ab, { image }), new TraceCursor(path, { image: () => readGuestImage(d) }));
    expect(r.header.some((l) => l.startsWith('machine.guest: "echo" vs "demo"'))).toBe(true);
    expect(r.header.some((l) => l.startsWith("images:"))).toBe(true);
    expect(r.imagesDiffer).toBe(true);
    expect(r.execution).toBeNull();
  });
});
