// Record → replay of bundled guests: identical output, verified digests, refused mismatches.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findGuest, readGuestImage } from "../../src/cli/guests.js";
import type { HostWorld } from "../../src/replay/environment.js";
import { EventKind } from "../../src/replay/trace-events.js";
import { imageRecord } from "../../src/replay/trace-format.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { TraceWriter } from "../../src/replay/trace-writer.js";
import { recordRun, replayRun, type GuestSpec } from "../../src/replay/session.js";
import { MACHINE_SEMANTICS_VERSION } from "../../src/vmx/machine.js";

const dir = mkdtempSync(join(tmpdir(), "x86rr-session-"));
let n = 0;
const tracePath = () => join(dir, `t${n++}.x86rr`);

function spec(name: string): GuestSpec {
  const g = findGuest(name)!;
  return { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes };
}

/** A scripted outside world: serial input arrives in pieces, one piece per poll of the host. */
function scripted(pieces: string[], epochMs = 1_700_000_000_000): HostWorld {
  let poll = 0;
  return {
    wallClockMs: () => epochMs,
    pollSerial: () => {
      const p = pieces[poll++];
      return p ? new Uint8Array(Buffer.from(p, "latin1")) : null;
    },
    waitForInput: () => poll < pieces.length,
  };
}

function collect() {
  const bytes: number[] = [];
  return { on: (b: number) => bytes.push(b), text: () => Buffer.from(bytes).toString("latin1") };
}

describe("record and replay", () => {
  it("hello: replay reproduces the serial output, the end and every digest", () => {
    const path = tracePath();
    const recOut = collect();
    const rec = recordRun({ guest: spec("hello"), path, world: scripted([]), createdAt: "2026-11-23T00:00:00Z", onSerial: recOut.on, digestEvery: 200 });
    expect(rec.end).toEqual({ kind: "exit", code: 1 });
    const repOut = collect();
    const rep = replayRun({ path, image: () => spec("hello").image, onSerial: repOut.on });
    expect(rep.divergence).toBeNull();
    expect(rep.incomplete).toBeNull();
    expect(rep.recordedEnd).toBe("exit 1");
    expect(rep.icount).toBe(rec.icount);
    expect(repOut.text()).toBe(recOut.text());
    // digests every 200 instructions of a ~1000-instruction run, plus the final one
    expect(rep.digestsVerified).toBe(Math.floor(rec.icount / 200) + 1);
  });

  it("echo: serial input typed in pieces while the guest sleeps in HLT is replayed at the same icounts with the same output", () => {
    const path = tracePath();
    const recOut = collect();
    const rec = recordRun({ guest: spec("echo"), path, world: scripted(["hel", "", "lo, ", "world."]), createdAt: "2026-11-23T00:00:00Z", onSerial: recOut.on, pollEvery: 50 });
    expect(recOut.text()).toBe("HELLO, WORLD.");
    expect(rec.end).toEqual({ kind: "exit", code: (13 << 1) | 1 });
    const reader = TraceReader.open(path);
    const inputs = [...reader.events()].filter((e) => e.kind === EventKind.SERIAL_IN);
    reader.close();
    expect(inputs.map((e) => Buffer.from((e.payload as [number, Uint8Array])[1]).toString("latin1")).join("")).toBe("hello, world.");
    const repOut = collect();
    const rep = replayRun({ path, image: () => spec("echo").image, onSerial: repOut.on });
    expect(rep.divergence).toBeNull();
    expect(repOut.text()).toBe("HELLO, WORLD.");
    expect(rep.icount).toBe(rec.icount);
  });

  it("a different guest image is refused with both SHA-256 values named", () => {
    const path = tracePath();
    recordRun({ guest: spec("hello"), path, world: scripted([]), createdAt: "2026-11-23T00:00:00Z" });
    const other = spec("echo").image;
    expect(() => replayRun({ path, image: () => other })).toThrow(
      new RegExp(`image hello differs from the one recorded: trace has \\d+ bytes sha256 ${imageRecord("hello", spec("hello").image).sha256}, given ${other.length} bytes sha256 ${imageRecord("x", other).sha256}`),
    );
  });

  it("a trace from another semantics version is refused, naming both versions", () => {
    const path = tracePath();
    const g = spec("hello");
    const w = new TraceWriter(path, {
      semanticsVersion: MACHINE_SEMANTICS_VERSION + 1,
      machine: { guest: "hello", memBytes: g.memBytes, loadAddress: g.loadAddress, entry: g.entry },
      images: [imageRecord("hello", g.image)], createdAt: "2026-11-23T00:00:00Z", tags: {},
    });
    w.append(0, EventKind.RTC_TIME, [0]);
    w.close({ instructions: 0 });
    expect(() => replayRun({ path, image: () => g.image })).toThrow(
      `recorded with emulator semantics version ${MACHINE_SEMANTICS_VERSION + 1}, this x86rr implements version ${MACHINE_SEMANTICS_VERSION}`,
    );
  });

  it("a digest that does not match is reported with the icount interval and the differing registers", () => {
    const path = tracePath();
    const rec = recordRun({ guest: spec("hello"), path, world: scripted([]), createdAt: "2026-11-23T00:00:00Z", digestEvery: 300 });
    // Re-write the trace with the second digest's EAX altered: as if the recording had computed differently.
    const reader = TraceReader.open(path);
    const events = [...reader.events()];
    const header = reader.header;
    reader.close();
    const forged = tracePath();
    const w = new TraceWriter(forged, header);
    let digests = 0;
    for (const e of events) {
      if (e.kind === EventKind.DIGEST && ++digests === 2) {
        const cpu = new Uint8Array(e.payload.cpu);
        cpu[0] ^= 0x01; // EAX bit 0
        w.append(e.icount, e.kind, { ...e.payload, cpu });
      } else w.append(e.icount, e.kind, e.payload as never);
    }
    w.close({ instructions: rec.icount });
    const rep = replayRun({ path: forged, image: () => spec("hello").image });
    expect(rep.divergence).not.toBeNull();
    expect(rep.divergence!.lastGood).toBe(300);
    expect(rep.divergence!.at).toBe(600);
    expect(rep.divergence!.registers).toHaveLength(1);
    expect(rep.divergence!.registers[0]).toMatch(/^eax: 0x[0-9a-f]{8} → 0x[0-9a-f]{8}$/);
  });

  it("a recording cut short (writer abandoned mid-run) replays to its last complete chunk and says it is incomplete", () => {
    const path = tracePath();
    const g = spec("hello");
    recordRun({ guest: g, path, world: scripted([]), createdAt: "2026-11-23T00:00:00Z", digestEvery: 100, writer: { maxEvents: 2 } });
    // Keep the header and the first chunks only: cut the file in the middle of a later chunk.
    const { readFileSync, writeFileSync } = require("node:fs") as typeof import("node:fs");
    const bytes = readFileSync(path);
    const cut = tracePath();
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const rep = replayRun({ path: cut, image: () => g.image });
    expect(rep.divergence).toBeNull();
    expect(rep.incomplete).toMatch(/recording incomplete: /);
    expect(rep.digestsVerified).toBeGreaterThan(0);
  });
});
