// Digest spacing while recording: an explicit digestEvery is exact; the default (1M) is stretched
// to 2000 instructions per page after a digest that rehashed 2000 pages or more (at most 10M), so a guest that writes
// much memory does not spend its recording hashing. Replay follows the recorded icounts either way.
// The memory digest's zero-page shortcut gives the same page hash as hashing the zeros.
import { describe, expect, it } from "vitest";
import { MemoryDigest, xxh32 } from "../../src/replay/digest.js";
import { recordRun, replayRun, type GuestSpec } from "../../src/replay/session.js";
import { EventKind } from "../../src/replay/trace-events.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { Machine } from "../../src/vmx/machine.js";
import { tempDir } from "./helpers.js";
import { assemble } from "./snapshot-guests.js";

const tmp = tempDir();

/** Writes one dword into each of the 2048 pages from 2 MiB to 10 MiB, over and over (4 instructions per page). */
const WRITER = `
bits 32
org 0x100000
again:
  mov edi, 0x200000
page:
  mov [edi], eax
  add edi, 4096
  cmp edi, 0xa00000
  jb page
  inc eax
  jmp again
`;

const writer: GuestSpec = { name: "writer", image: assemble(WRITER), loadAddress: 0x100000, entry: { mode: "flat32", eip: 0x100000, esp: 0xff000 }, memBytes: 16 << 20 };

function digests(path: string): { icount: number; pages: number }[] {
  const r = TraceReader.open(path);
  try {
    return [...r.events()].filter((e) => e.kind === EventKind.DIGEST).map((e) => ({ icount: e.icount, pages: (e.payload as { pages: number }).pages }));
  } finally {
    r.close();
  }
}

describe("digest spacing", () => {
  it("guest rewriting 2048 pages per ~8,200 instructions, default spacing → first digest at 1M (all 4096 pages: does not count), the next 1M later, then every 2048 × 2000 = 4,096,000 instructions; replay verifies them all", () => {
    const path = tmp.file("default.x86rr");
    const rec = recordRun({ guest: writer, path, world: { wallClockMs: () => 0, pollSerial: () => null, waitForInput: () => false }, createdAt: "2026-11-23T00:00:00Z", maxInstructions: 6_200_000 });
    const d = digests(path);
    expect(d[0]).toEqual({ icount: 1_000_000, pages: 4096 });
    expect(d.slice(1, -1).map((x) => x.icount)).toEqual([2_000_000, 6_096_000]);
    for (const x of d.slice(1, -1)) expect(x.pages).toBe(2048);
    const rep = replayRun({ path, image: () => writer.image });
    expect(rep.divergence).toBeNull();
    expect(rep.digestsVerified).toBe(d.length);
    expect(rep.icount).toBe(rec.icount);
  });

  it("same guest, digestEvery 1,000,000 given → a digest at every multiple of 1M, however many pages were written", () => {
    const path = tmp.file("exact.x86rr");
    recordRun({ guest: writer, path, world: { wallClockMs: () => 0, pollSerial: () => null, waitForInput: () => false }, createdAt: "2026-11-23T00:00:00Z", maxInstructions: 5_000_000, digestEvery: 1_000_000 });
    expect(digests(path).map((x) => x.icount)).toEqual([1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000, 5_000_000]);
  });

  it("pages of zeros, one zero page then given a non-zero word → page hashes equal XXH32 of their bytes (the zero shortcut changes nothing)", () => {
    const m = new Machine({ memBytes: 1 << 20 });
    const md = new MemoryDigest(m.mem);
    md.update(m.cpu);
    const zero = xxh32(new Uint8Array(4096)) | 0;
    expect(md.pageHash[3]).toBe(zero);
    m.mem.bytes[3 * 4096 + 4095] = 0x80;
    m.mem.dirty[3] = 1;
    md.update(m.cpu);
    expect(md.pageHash[3]).toBe(xxh32(m.mem.bytes.subarray(3 * 4096, 4 * 4096)) | 0);
    expect(md.pageHash[3]).not.toBe(zero);
  });
});
