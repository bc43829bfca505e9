import { truncateSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { describe as describeTrace, formatDescription } from "../../src/replay/trace-describe.js";
import { EventKind } from "../../src/replay/trace-events.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { TraceWriter } from "../../src/replay/trace-writer.js";
import { header, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

function record(path: string, close: boolean): void {
  const w = new TraceWriter(path, header(), { maxEvents: 4 });
  w.append(0, EventKind.RTC_TIME, [1714564800000]);
  for (let i = 1; i <= 10; i++) w.append(i * 100, EventKind.SERIAL_IN, [0, Uint8Array.of(0x41)]);
  w.append(1000, EventKind.DIGEST, { cpu: new Uint8Array(8), mem: new Uint8Array(8), pages: 3 });
  w.append(1500, EventKind.SNAPSHOT, { encoding: "raw", state: new Uint8Array(64) });
  w.append(2000, EventKind.END, { reason: "guest shutdown" });
  if (close) w.close({ instructions: 2345 });
  else {
    w.flush();
    w.abandon();
  }
}

describe("describe(trace)", () => {
  it("closed trace: 14 events (RTC_TIME 1, SERIAL_IN 10, DIGEST 1, SNAPSHOT 1, END 1), 2345 instructions, complete", () => {
    const path = tmp.file("d.x86rr");
    record(path, true);
    const r = TraceReader.open(path);
    const d = describeTrace(r);
    expect(d).toMatchObject({
      file: path,
      formatVersion: 1,
      semanticsVersion: 3,
      createdAt: "2024-05-01T12:00:00.000Z",
      complete: true,
      instructions: 2345,
      firstIcount: 0,
      lastIcount: 2000,
      events: 14,
      eventsByKind: { RTC_TIME: 1, SERIAL_IN: 10, DIGEST: 1, SNAPSHOT: 1, END: 1 },
      tags: { purpose: "test" },
    });
    expect(Object.keys(d.eventsByKind)).toEqual(["SERIAL_IN", "RTC_TIME", "DIGEST", "SNAPSHOT", "END"]); // kind number order
    expect(d.digests.map((x) => x.icount)).toEqual([1000]);
    expect(d.snapshots.map((x) => x.icount)).toEqual([1500]);
    expect(d.incomplete).toBeUndefined();
    const text = formatDescription(d);
    expect(text).toContain("status      complete");
    expect(text).toContain("duration    2345 instructions");
    expect(text).toMatch(/SERIAL_IN\s+10/);
    expect(text).toContain("bios.bin 3 bytes sha256 ba7816bf");
    r.close();
  });

  it("unclosed trace cut inside its last chunk: INCOMPLETE with the reason and the readable end", () => {
    const path = tmp.file("d2.x86rr");
    record(path, false);
    const full = TraceReader.open(path);
    const lastChunk = full.chunks.at(-1)!;
    full.close();
    truncateSync(path, lastChunk.offset + 40);
    const r = TraceReader.open(path);
    const d = describeTrace(r);
    expect(d.complete).toBe(false);
    expect(d.incomplete).toEqual({
      offset: lastChunk.offset,
      icount: r.totals.lastIcount,
      reason: expect.stringMatching(new RegExp(`^truncated chunk at offset ${lastChunk.offset} \\(needs \\d+ bytes, file has 40\\)$`)),
    });
    expect(d.instructions).toBe(r.totals.lastIcount);
    expect(formatDescription(d)).toContain(`INCOMPLETE: truncated chunk at offset ${lastChunk.offset}`);
    r.close();
  });
});

describe("info on a recorded demo run", () => {
  it("virtual clock at 1 ns/instruction: guest time = instructions ns; the recorded exits are shown; 12+ digests shown first/last six", async () => {
    const { recordRun } = await import("../../src/replay/session.js");
    const { findGuest, readGuestImage } = await import("../../src/cli/guests.js");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const g = findGuest("demo")!;
    const path = join(mkdtempSync(join(tmpdir(), "x86rr-info-")), "demo.x86rr");
    const r = recordRun({
      guest: { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes },
      path, createdAt: "2026-11-23T00:00:00Z", digestEvery: 10_000,
      world: { wallClockMs: () => 0, pollSerial: () => null, waitForInput: () => false },
    });
    const reader = TraceReader.open(path);
    const d = describeTrace(reader);
    reader.close();
    expect(d.guestTimeNs).toBe(r.icount);
    const text = formatDescription(d);
    expect(r.icount).toBeLessThan(1e6);
    expect(text).toContain(`guest time  ${(r.icount / 1e3).toFixed(3)} µs of execution (virtual clock, 1 ns per instruction)`);
    expect(text).toContain("exits       of the whole recorded run");
    expect(text).toContain("VM exits by reason:");
    // One digest per 10,000 instructions plus the final one.
    expect(d.digests.length).toBe(Math.floor(r.icount / 10_000) + 1);
    expect(text).toContain(`  ... ${d.digests.length - 12} more`);
  });
});
