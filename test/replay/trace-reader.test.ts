import fc from "fast-check";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { crc32 } from "../../src/replay/crc32.js";
import { EventKind, type TraceEvent } from "../../src/replay/trace-events.js";
import { CHUNK_MAGIC, FRAME_SIZE, TraceError, codec, writeFrame } from "../../src/replay/trace-format.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { norm, tempDir, writeTrace } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

/** 100 IO_IN events, icount 10*i, 10 per chunk. */
const ioEvents: TraceEvent[] = Array.from({ length: 100 }, (_, i) => ({ icount: 10 * i, kind: EventKind.IO_IN, payload: [0x60, 1, i] }));

let files = 0;
function traceBytes(close: boolean): { path: string; bytes: Buffer; r: TraceReader } {
  const path = tmp.file(`io-${files++}.x86rr`);
  writeTrace(path, ioEvents, { maxEvents: 10 }, close);
  return { path, bytes: readFileSync(path), r: TraceReader.open(path) };
}

function expectTraceError(f: () => unknown, offset: number, message: RegExp): TraceError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TraceError);
  const e = caught as TraceError;
  expect({ offset: e.offset, reason: e.reason }).toEqual({ offset, reason: expect.stringMatching(message) });
  return e;
}

/** The bytes of a valid events chunk frame around an arbitrary payload. */
function forgedChunk(payload: Uint8Array, first: number, last: number, count: number): Buffer {
  const b = Buffer.alloc(FRAME_SIZE + payload.length);
  b.set(payload, FRAME_SIZE);
  writeFrame(b, 0, { magic: CHUNK_MAGIC, length: payload.length, crc: crc32(payload), firstIcount: first, lastIcount: last, count });
  return b;
}

describe("trace header", () => {
  it("file starting with an ELF header → TraceError at 0 naming both magics", () => {
    const e = expectTraceError(
      () => TraceReader.fromBytes("vmlinux", Buffer.from("7f454c46010101000000000000000000000000000000", "hex")),
      0,
      /^not an x86rr trace: magic is "\\x7fELF\\x01\\x01\\x01\\0", expected "X86RR\\0TR"$/,
    );
    expect(e.file).toBe("vmlinux");
    expect(e.message).toBe(`vmlinux: offset 0: ${e.reason}`);
  });

  it("format version field 2 → TraceError at 8: 'trace format version 2, but this x86rr reads format version 1 (written by a newer x86rr)'", () => {
    const { bytes } = traceBytes(true);
    bytes.writeUInt32LE(2, 8);
    expectTraceError(() => TraceReader.fromBytes("t", bytes), 8, /^trace format version 2, but this x86rr reads format version 1 \(written by a newer x86rr\)$/);
    bytes.writeUInt32LE(0, 8);
    expectTraceError(() => TraceReader.fromBytes("t", bytes), 8, /^trace format version 0, .* \(written by an older x86rr\)$/);
  });

  it("empty file, 5-byte file, header cut inside the record → TraceErrors, not crashes", () => {
    const { bytes } = traceBytes(true);
    expectTraceError(() => TraceReader.fromBytes("t", Buffer.alloc(0)), 0, /^not an x86rr trace/);
    expectTraceError(() => TraceReader.fromBytes("t", bytes.subarray(0, 5)), 0, /^truncated file header \(needs 20 bytes, file has 5\)$/);
    expectTraceError(() => TraceReader.fromBytes("t", bytes.subarray(0, 30)), 20, /^truncated header record/);
  });

  it("header record fields come back as written; a flipped header byte → 'header record CRC mismatch'", () => {
    const { bytes, r } = traceBytes(true);
    expect(r.header.semanticsVersion).toBe(3);
    expect(r.header.createdAt).toBe("2024-05-01T12:00:00.000Z");
    expect(r.header.machine).toEqual({ memory: 16 << 20, cpu: "i686", features: ["fpu", "tsc", "vmx"], clock: "host", cmdline: "console=ttyS0" });
    // SHA-256("abc") from FIPS 180-2 appendix B.1.
    expect(r.header.images).toEqual([{ name: "bios.bin", size: 3, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" }]);
    bytes[25] ^= 1;
    expectTraceError(() => TraceReader.fromBytes("t", bytes), 20, /^header record CRC mismatch$/);
  });

  it("well-formed file with a header record of the wrong shape (valid CRC) → TraceError naming the field", () => {
    const rec = codec.pack({ semanticsVersion: "3", machine: {}, images: [], createdAt: "", tags: {} });
    const head = Buffer.alloc(20);
    Buffer.from("X86RR\0TR", "latin1").copy(head);
    head.writeUInt32LE(1, 8);
    head.writeUInt32LE(rec.length, 12);
    head.writeUInt32LE(crc32(rec), 16);
    expectTraceError(() => TraceReader.fromBytes("t", Buffer.concat([head, rec])), 20, /semanticsVersion/);
  });
});

describe("incomplete and damaged bodies", () => {
  it("unclosed trace cut 10 bytes into its last chunk's payload → incomplete, 'truncated chunk at offset N (needs L bytes, file has 46)', 90 events", () => {
    const { path, r } = traceBytes(false);
    const last = r.chunks[9];
    const needs = r.size - last.offset;
    truncateSync(path, last.offset + FRAME_SIZE + 10);
    const t = TraceReader.open(path);
    expect(t.status).toEqual({
      complete: false,
      endsAt: { offset: last.offset, icount: 890 },
      reason: `truncated chunk at offset ${last.offset} (needs ${needs} bytes, file has ${FRAME_SIZE + 10})`,
    });
    expect(norm(t.events())).toEqual(norm(ioEvents.slice(0, 90)));
    t.close();
  });

  it("cut inside a chunk frame (20 of 36 bytes) → 'needs 36 bytes, file has 20'", () => {
    const { bytes, r } = traceBytes(false);
    const at = r.chunks[3].offset;
    const t = TraceReader.fromBytes("t", bytes.subarray(0, at + 20));
    expect(t.status).toMatchObject({ complete: false, reason: `truncated chunk at offset ${at} (needs 36 bytes, file has 20)` });
    expect(t.totals.events).toBe(30);
  });

  it("unclosed trace ending at a chunk boundary → incomplete 'not closed cleanly', all events, index rebuilt by scanning", () => {
    const { r } = traceBytes(false);
    expect(r.status).toEqual({
      complete: false,
      endsAt: { offset: r.size, icount: 990 },
      reason: `not closed cleanly: no footer after the last chunk (file ends at offset ${r.size})`,
    });
    expect(r.chunks.map((c) => c.firstIcount)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(norm(r.events())).toEqual(norm(ioEvents));
  });

  it("closed trace with a flipped payload byte in chunk 4 → reading throws TraceError at chunk 4's offset after yielding chunks 0-3", () => {
    const { bytes, r } = traceBytes(true);
    const at = r.chunks[4].offset;
    bytes[at + FRAME_SIZE + 3] ^= 0x40;
    const t = TraceReader.fromBytes("t", bytes);
    expect(t.status.complete).toBe(true); // the footer index is trusted until a chunk is read
    const got: TraceEvent[] = [];
    expectTraceError(() => {
      for (const e of t.events()) got.push(e);
    }, at, /^chunk payload CRC mismatch$/);
    expect(norm(got)).toEqual(norm(ioEvents.slice(0, 40)));
    expectTraceError(() => t.verify(), at, /CRC/);
  });

  it("same damage, salvage mode → opens, status names the damage offset, events are chunks 0-3", () => {
    const { bytes, r } = traceBytes(true);
    const at = r.chunks[4].offset;
    bytes[at + FRAME_SIZE + 3] ^= 0x40;
    const t = TraceReader.fromBytes("t", bytes, { salvage: true });
    expect(t.status).toMatchObject({ complete: false, endsAt: { offset: at, icount: 390 }, reason: `damaged at offset ${at}: chunk payload CRC mismatch` });
    expect(t.status.complete === false && t.status.error).toBeInstanceOf(TraceError);
    expect(norm(t.events())).toEqual(norm(ioEvents.slice(0, 40)));
  });

  it("unclosed trace with chunk 2's magic overwritten → strict open throws 'bad chunk magic \"JUNK\"' at its offset", () => {
    const { bytes, r } = traceBytes(false);
    const at = r.chunks[2].offset;
    bytes.write("JUNK", at, "latin1");
    expectTraceError(() => TraceReader.fromBytes("t", bytes), at, /^bad chunk magic "JUNK" \(expected "XRCK" or "XRFT"\)$/);
  });

  it("closed trace whose trailer points past the file → TraceError at the trailer; salvage still reads every event", () => {
    const { bytes } = traceBytes(true);
    bytes.writeUInt32LE(0x7fffffff, bytes.length - 16);
    expectTraceError(() => TraceReader.fromBytes("t", bytes), bytes.length - 16, /^trailer points to footer offset 2147483647/);
    const s = TraceReader.fromBytes("t", bytes, { salvage: true });
    expect(s.status).toMatchObject({ complete: false, reason: expect.stringMatching(/footer at offset \d+ is not followed by a valid trailer/) });
    expect(norm(s.events())).toEqual(norm(ioEvents));
  });

  it("salvage mode on an undamaged closed trace → complete, with the footer's totals", () => {
    const { bytes } = traceBytes(true);
    const s = TraceReader.fromBytes("t", bytes, { salvage: true });
    expect(s.status).toEqual({ complete: true });
    expect(s.totals.events).toBe(100);
    expect(s.chunks.length).toBe(10);
  });

  it("chunk with a valid frame and CRC but arbitrary msgpack content → TraceError or well-formed events, never another exception", () => {
    const { bytes, r } = traceBytes(false);
    const head = bytes.subarray(0, r.bodyOffset);
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.anything().map((v) => new Uint8Array(codec.pack(v)))),
        fc.nat({ max: 1000 }),
        fc.nat({ max: 1000 }),
        fc.nat({ max: 5 }),
        (payload, a, b, count) => {
          const file = Buffer.concat([head, forgedChunk(payload, Math.min(a, b), Math.max(a, b), count)]);
          let t: TraceReader;
          try {
            t = TraceReader.fromBytes("t", file);
            for (const e of t.events()) expect(Number.isSafeInteger(e.icount)).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(TraceError);
          }
        },
      ),
      { seed: 31337, numRuns: 400 },
    );
  });

  it("forged chunk whose events are well-formed msgpack but disagree with the frame or the kinds table → specific TraceErrors", () => {
    const { bytes, r } = traceBytes(false);
    const head = bytes.subarray(0, r.bodyOffset);
    const open = (events: unknown[], first: number, last: number, count = events.length) => () =>
      TraceReader.fromBytes("t", Buffer.concat([head, forgedChunk(codec.pack(events), first, last, count)]));
    const at = r.bodyOffset;
    expectTraceError(open([[0, 99, [1]]], 5, 5), at, /unknown kind 99/);
    expectTraceError(open([[0, EventKind.IO_IN, [0x10000, 1, 0]]], 5, 5), at, /IO_IN at icount 5\) has a payload of the wrong shape/);
    expectTraceError(open([[0, EventKind.RDTSC, [1]]], 5, 5, 2), at, /not an array of the 2 events/);
    expectTraceError(open([[0, EventKind.RDTSC, [1]], [7, EventKind.RDTSC, [2]]], 5, 9), at, /icount 12 is past the chunk's last icount 9/);
    expectTraceError(open([[0, EventKind.RDTSC, [1]]], 5, 9), at, /events end at icount 5, the frame says 9/);
    expectTraceError(open([[1, EventKind.RDTSC, [1]]], 5, 6), at, /event 0 has a bad icount delta/);
  });

  it("missing file → TraceError naming the path", () => {
    expectTraceError(() => TraceReader.open(tmp.file("nope.x86rr")), 0, /^cannot open: ENOENT/);
  });

  it("a written file re-read through a file descriptor and from memory → same events", () => {
    const { path, r } = traceBytes(true);
    writeFileSync(path + ".copy", readFileSync(path));
    expect(norm(TraceReader.fromBytes("m", readFileSync(path + ".copy")).events())).toEqual(norm(r.events()));
  });
});
