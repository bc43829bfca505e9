import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { EmulatorBug } from "../../src/cpu/fault.js";
import { EventKind } from "../../src/replay/trace-events.js";
import { FILE_HEADER_SIZE, FRAME_SIZE, TRAILER_SIZE } from "../../src/replay/trace-format.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { TraceWriter } from "../../src/replay/trace-writer.js";
import { header, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());
let files = 0;
const newWriter = (opts = {}) => new TraceWriter(tmp.file(`w${files++}.x86rr`), header(), opts);

describe("trace writer", () => {
  it("event at icount 5 after one at icount 9 → EmulatorBug naming both icounts", () => {
    const w = newWriter();
    w.append(9, EventKind.RDTSC, [1]);
    expect(() => w.append(5, EventKind.RDTSC, [2])).toThrow(EmulatorBug);
    expect(() => w.append(5, EventKind.RDTSC, [2])).toThrow(/icount 5 after one at icount 9/);
    w.append(9, EventKind.RDTSC, [3]); // equal icounts are allowed
    w.close();
  });

  it("unknown kind, wrong payload shape, negative or fractional icount, append after close → EmulatorBug", () => {
    const w = newWriter();
    expect(() => w.append(1, 99 as EventKind, [1] as never)).toThrow(/unknown kind 99/);
    expect(() => w.append(1, EventKind.IO_IN, [0x3f8, 3, 0])).toThrow(/IO_IN at icount 1 has a payload of the wrong shape/);
    expect(() => w.append(-1, EventKind.RDTSC, [1])).toThrow(EmulatorBug);
    expect(() => w.append(1.5, EventKind.RDTSC, [1])).toThrow(EmulatorBug);
    w.close();
    expect(() => w.append(2, EventKind.RDTSC, [1])).toThrow(/after close/);
  });

  it("closing with instructions below the last event's icount → EmulatorBug", () => {
    const w = newWriter();
    w.append(100, EventKind.RDTSC, [1]);
    expect(() => w.close({ instructions: 99 })).toThrow(EmulatorBug);
  });

  it("no chunk is written until maxEvents events are buffered; flush() writes the rest", () => {
    const w = newWriter({ maxEvents: 3 });
    const afterHeader = w.bytesWritten;
    w.append(1, EventKind.HOST_TIMER, [0]);
    w.append(2, EventKind.HOST_TIMER, [0]);
    expect(w.bytesWritten).toBe(afterHeader);
    w.append(3, EventKind.HOST_TIMER, [0]);
    expect(w.bytesWritten).toBeGreaterThan(afterHeader + FRAME_SIZE);
    const one = w.bytesWritten;
    w.append(4, EventKind.HOST_TIMER, [0]);
    w.flush();
    expect(w.bytesWritten).toBeGreaterThan(one + FRAME_SIZE);
    w.flush(); // nothing buffered: no empty chunk
    const two = w.bytesWritten;
    w.close({ instructions: 1000 });
    const r = TraceReader.open(w.path);
    expect(r.chunks.map((c) => c.count)).toEqual([3, 1]);
    expect(r.totals.instructions).toBe(1000);
    expect(r.size).toBeGreaterThan(two + FRAME_SIZE + TRAILER_SIZE);
    r.close();
  });

  it("chunk flushes once its events reach maxBytes", () => {
    const w = newWriter({ maxBytes: 100 });
    for (let i = 0; i < 10; i++) w.append(i, EventKind.ENTROPY, [new Uint8Array(30)]);
    w.close();
    const r = TraceReader.open(w.path);
    expect(r.chunks.map((c) => c.count)).toEqual([3, 3, 3, 1]);
    r.close();
  });

  it("SNAPSHOT starts and ends its own chunk; the index points at that chunk", () => {
    const w = newWriter();
    w.append(10, EventKind.IO_IN, [0x60, 1, 0x1c]);
    w.append(20, EventKind.SNAPSHOT, { encoding: "raw", state: new Uint8Array(100) });
    w.append(30, EventKind.DIGEST, { cpu: new Uint8Array(4), mem: new Uint8Array(4), pages: 2 });
    w.close();
    const r = TraceReader.open(w.path);
    expect(r.chunks.map((c) => [c.firstIcount, c.count])).toEqual([[10, 1], [20, 1], [30, 1]]);
    expect(r.snapshots).toEqual([{ offset: r.chunks[1].offset, icount: 20 }]);
    expect(r.digests).toEqual([{ offset: r.chunks[2].offset, icount: 30 }]);
    expect([...r.eventsFrom(20)][0]).toMatchObject({ icount: 20, kind: EventKind.SNAPSHOT });
    r.close();
  });

  it("file layout: magic, version 1 and header CRC at their offsets; trailer = footer offset + 'X86RREND'", () => {
    const w = newWriter();
    w.append(7, EventKind.MARK, { label: "x" });
    w.close();
    const b = readFileSync(w.path);
    expect(b.subarray(0, 8).toString("latin1")).toBe("X86RR\0TR");
    expect(b.readUInt32LE(8)).toBe(1);
    expect(b.subarray(b.length - 8).toString("latin1")).toBe("X86RREND");
    const footerAt = Number(b.readBigUInt64LE(b.length - 16));
    expect(b.subarray(footerAt, footerAt + 4).toString("latin1")).toBe("XRFT");
    const chunkAt = FILE_HEADER_SIZE + b.readUInt32LE(12);
    expect(b.subarray(chunkAt, chunkAt + 4).toString("latin1")).toBe("XRCK");
    expect(b.readUInt32LE(chunkAt + 12)).toBe(7); // first icount, low half
    expect(b.readUInt32LE(chunkAt + 28)).toBe(1); // event count
  });

  it("icount above 2^32 is stored in both u64 halves and read back exactly", () => {
    const w = newWriter();
    const big = 2 ** 40 + 12345;
    w.append(big, EventKind.RDTSC, [2 ** 50]);
    w.close();
    const r = TraceReader.open(w.path);
    expect([...r.events()]).toEqual([{ icount: big, kind: EventKind.RDTSC, payload: [2 ** 50] }]);
    const b = readFileSync(w.path);
    expect(b.readUInt32LE(r.chunks[0].offset + 16)).toBe(256); // high half of 2^40 + 12345
    r.close();
  });

  it("empty trace (no events) closes cleanly and reads as complete with zero totals", () => {
    const w = newWriter();
    w.close();
    const r = TraceReader.open(w.path);
    expect(r.status).toEqual({ complete: true });
    expect(r.totals).toMatchObject({ events: 0, instructions: 0, firstIcount: 0, lastIcount: 0 });
    expect([...r.events()]).toEqual([]);
    r.close();
  });

  it("sync: 'chunk' writes the same bytes as the default", () => {
    const a = newWriter({ sync: "chunk", maxEvents: 2 });
    const b = newWriter({ maxEvents: 2 });
    for (const w of [a, b]) {
      for (let i = 0; i < 5; i++) w.append(i, EventKind.IRQ_INJECT, [4, i & 1]);
      w.close();
    }
    expect(Buffer.compare(readFileSync(a.path), readFileSync(b.path))).toBe(0);
  });
});
