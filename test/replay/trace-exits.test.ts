// A closed trace carries the VM exits of the recorded run in its footer, so `x86rr info` can show
// them. Oracle: the same guest run live (Machine.run, no recorder) counts the same exits, and
// every byte the guest printed on COM1 was one OUT to the UART's data port 0x3F8.
import { afterAll, describe, expect, it } from "vitest";
import { findGuest, readGuestImage } from "../../src/cli/guests.js";
import { recordRun } from "../../src/replay/session.js";
import { describe as describeTrace, formatDescription } from "../../src/replay/trace-describe.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { ExitReason } from "../../src/vmx/exit-reasons.js";
import { Machine } from "../../src/vmx/machine.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

describe("exits in the trace footer", () => {
  it("record hello → footer exits equal a live run's counts; 0x3F8 writes ≥ serial bytes; info prints the table", () => {
    const g = findGuest("hello")!;
    const spec = { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes };
    const path = tmp.file("hello.x86rr");
    recordRun({ guest: spec, path, createdAt: "2026-11-23T00:00:00Z", world: { wallClockMs: () => 0, pollSerial: () => null, waitForInput: () => false } });

    const serial: number[] = [];
    const live = new Machine({ memBytes: spec.memBytes, onSerial: (b) => serial.push(b) });
    live.loadBytes(spec.loadAddress, spec.image);
    live.enter(spec.entry);
    live.run(10_000_000);
    expect(serial.length).toBeGreaterThan(0);

    const r = TraceReader.open(path);
    try {
      const ex = r.totals.exits!;
      expect(ex).toBeDefined();
      expect(ex).toEqual(live.vmm.stats.toRecord());
      const io = new Map(ex.io.map(([p, rd, wr]) => [p, { rd, wr }]));
      expect(io.get(0x3f8)!.wr).toBeGreaterThanOrEqual(serial.length);
      expect(new Map(ex.byReason).get(ExitReason.IO_INSTRUCTION)).toBe(ex.io.reduce((n, [, rd, wr]) => n + rd + wr, 0));
      const text = formatDescription(describeTrace(r));
      expect(text).toContain("VM exits by reason:");
      expect(text).toMatch(/0x03f8 +\d+ +\d+/);
    } finally {
      r.close();
    }
  });
});
