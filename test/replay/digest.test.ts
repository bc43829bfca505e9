// XXH32 against published reference values, and the incremental memory digest against a full rehash.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cpuDigest, MemoryDigest, xxh32, xxh32Words } from "../../src/replay/digest.js";
import { bundled, Rig, timerGuest } from "./snapshot-guests.js";

const ascii = (s: string) => new TextEncoder().encode(s);

describe("XXH32", () => {
  // Reference values published with xxHash implementations (seed 0 unless given).
  it.each([
    ["", 0, 0x02cc5d05],
    ["", 42, 0xd5be6eb8],
    ["a", 0, 0x550d7456],
    ["abc", 0, 0x32d153ff],
    ["abcd", 0, 0xa3643705],
    ["abcd", 42, 0xe37d5ac5],
    ["abcdefghijklmnop", 0, 0x9d2d8b62],
    ["Nobody inspects the spammish repetition", 0, 0xe2293b2f],
  ] as const)("xxh32(%j, seed %i) = %d", (text, seed, want) => {
    expect(xxh32(ascii(text), seed)).toBe(want);
  });

  it("xxh32Words over int32 words = xxh32 over their little-endian bytes (any words, any seed)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 300 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (ws, seed) => {
        const w = Int32Array.from(ws);
        expect(xxh32Words(w, 0, w.length, seed)).toBe(xxh32(new Uint8Array(w.buffer), seed));
      }),
      { seed: 21, numRuns: 200 },
    );
  });
});

describe("MemoryDigest", () => {
  /** The page-hash table recomputed from scratch for every page. */
  function fullTable(mem: { bytes: Uint8Array; size: number }): Int32Array {
    const words = new Int32Array(mem.bytes.buffer, 0, mem.size >>> 2);
    const t = new Int32Array(mem.size >>> 12);
    for (let p = 0; p < t.length; p++) t[p] = xxh32Words(words, p << 10, 1024) | 0;
    return t;
  }

  it("bench-mem: after each interval, the incrementally updated page hashes equal a full rehash, and only written pages were rehashed", () => {
    const r = new Rig(bundled("bench-mem"));
    const d = new MemoryDigest(r.m.mem);
    expect(d.update(r.m.cpu)).toBe((32 << 20) >>> 12); // the first update hashes everything
    for (let i = 0; i < 4; i++) {
      r.run(30_000 + 20_000 * i);
      const n = d.update(r.m.cpu);
      expect(d.pageHash).toEqual(fullTable(r.m.mem));
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThan(8192);
    }
  });

  it("generated guest (fast-path writes through cached TLB entries between digests): no written page is missed", () => {
    const r = new Rig(timerGuest({ divisor: 40, copyDwords: 4000, touchPages: 90, ticks: 30 }));
    const d = new MemoryDigest(r.m.mem);
    d.update(r.m.cpu);
    for (let i = 0; i < 10; i++) {
      r.run(9_001);
      d.update(r.m.cpu);
      expect(d.pageHash).toEqual(fullTable(r.m.mem));
    }
  });

  it("two digests of the same memory agree; one write to one byte changes the memory value", () => {
    const r = new Rig(bundled("hello"));
    r.run(500);
    const a = new MemoryDigest(r.m.mem), b = new MemoryDigest(r.m.mem);
    a.update(r.m.cpu); b.update(r.m.cpu);
    expect(a.value()).toEqual(b.value());
    const before = a.value();
    r.m.mem.bytes[0x9000] ^= 1;
    r.m.mem.dirty[9] = 1; // as a DMA write would mark it
    expect(a.update(r.m.cpu)).toBe(1);
    expect(a.value()).not.toEqual(before);
  });

  it("cpuDigest: equal for two machines at the same icount of the same guest, different one instruction later", () => {
    const x = new Rig(bundled("bench-int")), y = new Rig(bundled("bench-int"));
    x.run(10_000); y.run(10_000);
    expect(cpuDigest(x.m.cpu)).toEqual(cpuDigest(y.m.cpu));
    y.run(1);
    expect(cpuDigest(x.m.cpu)).not.toEqual(cpuDigest(y.m.cpu));
  });
});
