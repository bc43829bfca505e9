// Transcripts with the real gdb against recorded traces (x86rr gdb TRACE): the end of the trace
// is replaylog:end, recorded serial input is handed over again at its icount after reverse
// execution, and the timeline's monitor commands.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findGuest, readGuestImage } from "../../src/cli/guests.js";
import { openReplayTarget } from "../../src/gdbstub/replay-target.js";
import { recordRun, type GuestSpec } from "../../src/replay/session.js";
import { gdb, helloSymbols, serve, type Symbols } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "x86rr-gdbreplay-"));
let sym: Symbols;
let helloTrace: { path: string; icount: number };
let echoTrace: { path: string; icount: number; serial: string };

function spec(name: string): GuestSpec {
  const g = findGuest(name)!;
  return { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes };
}
function record(name: string, input: string[]): { path: string; icount: number; serial: string } {
  const path = join(dir, `${name}.x86rr`);
  let poll = 0;
  const out: number[] = [];
  const r = recordRun({
    guest: spec(name), path, createdAt: "2026-11-23T00:00:00Z", pollEvery: 50, onSerial: (b) => out.push(b),
    world: {
      wallClockMs: () => 1_700_000_000_000,
      pollSerial: () => { const p = input[poll++]; return p ? new Uint8Array(Buffer.from(p, "latin1")) : null; },
      waitForInput: () => poll < input.length,
    },
  });
  return { path, icount: r.icount, serial: Buffer.from(out).toString("latin1") };
}
const image = (n: string) => spec(n).image;
const values = (out: string) => [...out.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]);

beforeAll(() => {
  sym = helloSymbols();
  helloTrace = record("hello", []);
  echoTrace = record("echo", ["ab", "", "c."]);
});

describe("gdb on a replayed trace", () => {
  it("continue → stops at the recorded end (replaylog:end, 'No more reverse-execution history'); monitor icount = recorded count; reverse-stepi → one less", async () => {
    const s = await serve(openReplayTarget(helloTrace.path, { image, snapshotEvery: 64 }));
    const out = await gdb(s.port, ["continue", "monitor icount", "reverse-stepi", "monitor icount", "stepi", "monitor icount"], sym.elf);
    await s.close();
    expect(out).toContain("No more reverse-execution history.");
    const counts = [...out.matchAll(/^(\d+)$/gm)].map((m) => Number(m[1]));
    expect(counts).toEqual([helloTrace.icount, helloTrace.icount - 1, helloTrace.icount]);
  });

  it("monitor seek 100 then monitor where: icount 100, back to 0 with seek 0 at 0000:7c00 in real mode", async () => {
    const s = await serve(openReplayTarget(helloTrace.path, { image, snapshotEvery: 64 }));
    const out = await gdb(s.port, ["monitor seek 100", "monitor where", "monitor seek 0", "monitor where", "monitor help"], sym.elf);
    await s.close();
    expect(out).toContain("at icount 100");
    expect(out).toMatch(/icount 0\s+pc 0000:7c00 \(linear 0x7c00\)\s+cli\nmode real\s+CPL 0\s+paging off/);
    expect(out).toContain("seek ICOUNT");
  });

  it("echo with recorded serial input: reverse-continue to the start and continue again reaches the recorded end; echoed output printed once, as recorded", async () => {
    const serial: number[] = [];
    const t = openReplayTarget(echoTrace.path, { image, snapshotEvery: 200, onSerial: (b) => serial.push(b) });
    const s = await serve(t);
    const out = await gdb(s.port, ["continue", "reverse-continue", "monitor icount", "continue", "monitor icount"]);
    await s.close();
    const counts = [...out.matchAll(/^(\d+)$/gm)].map((m) => Number(m[1]));
    expect(counts).toEqual([0, echoTrace.icount]);
    // The second forward pass re-runs the recorded inputs to the same end; its output is not printed twice.
    expect(Buffer.from(serial).toString("latin1")).toBe(echoTrace.serial);
  });
});
