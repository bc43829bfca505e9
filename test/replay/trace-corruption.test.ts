import fc from "fast-check";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { TraceEvent } from "../../src/replay/trace-events.js";
import { TraceError } from "../../src/replay/trace-format.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { arbEvents, norm, tempDir, writeTrace } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

// One fixed stream of ~600 events of every kind, written closed and unclosed with small chunks.
const events: TraceEvent[] = fc.sample(arbEvents(600, 400), { seed: 77, numRuns: 1 })[0];
const expected = norm(events);
writeTrace(tmp.file("closed.x86rr"), events, { maxEvents: 16 });
writeTrace(tmp.file("open.x86rr"), events, { maxEvents: 16 }, false);
const closed = readFileSync(tmp.file("closed.x86rr"));
const unclosed = readFileSync(tmp.file("open.x86rr"));

type Mutation = { flip: [number, number][] } | { truncate: number } | { insert: [number, Uint8Array] } | { zero: [number, number] };

/** Offsets biased toward the file header and the trailer, where the structure is densest. */
const arbOffset = (size: number) => fc.oneof(fc.nat({ max: 80 }), fc.nat({ max: size - 1 }), fc.integer({ min: Math.max(0, size - 80), max: size - 1 }));

const arbMutation = (size: number): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ flip: fc.array(fc.tuple(arbOffset(size), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }) }),
    fc.record({ truncate: fc.nat({ max: size - 1 }) }),
    fc.record({ insert: fc.tuple(arbOffset(size), fc.uint8Array({ minLength: 1, maxLength: 64 })) }),
    fc.record({ zero: fc.tuple(arbOffset(size), fc.integer({ min: 1, max: 200 })) }),
  );

function mutate(file: Buffer, m: Mutation): Buffer {
  const b = Buffer.from(file);
  if ("flip" in m) {
    for (const [at, x] of m.flip) b[at] ^= x;
    return b;
  }
  if ("truncate" in m) return b.subarray(0, m.truncate);
  if ("insert" in m) return Buffer.concat([b.subarray(0, m.insert[0]), m.insert[1], b.subarray(m.insert[0])]);
  b.fill(0, m.zero[0], Math.min(b.length, m.zero[0] + m.zero[1]));
  return b;
}

/** Open and read everything; the only acceptable failure is a TraceError. Returns what was read. */
function readAll(bytes: Buffer, salvage: boolean): { read: unknown[]; complete: boolean; error?: unknown } {
  const read: TraceEvent[] = [];
  let r: TraceReader;
  try {
    r = TraceReader.fromBytes("mutant.x86rr", bytes, { salvage });
  } catch (error) {
    return { read: [], complete: false, error };
  }
  try {
    for (const e of r.events()) read.push(e);
  } catch (error) {
    return { read: norm(read), complete: false, error };
  }
  return { read: norm(read), complete: r.status.complete };
}

describe("damaged traces", () => {
  for (const [name, file] of [["closed", closed], ["unclosed", unclosed]] as const) {
    it(`${name} trace with flipped bytes, truncation, inserted garbage or zeroed ranges → a TraceError or a prefix of the events, never another exception`, () => {
      let errors = 0;
      let partial = 0;
      fc.assert(
        fc.property(arbMutation(file.length), fc.boolean(), (m, salvage) => {
          const out = readAll(mutate(file, m), salvage);
          if (out.error !== undefined) {
            expect(out.error).toBeInstanceOf(TraceError);
            errors++;
          }
          expect(out.read).toEqual(expected.slice(0, out.read.length));
          if (out.complete) expect(out.read.length).toBe(expected.length);
          else if (out.error === undefined) partial++;
        }),
        { seed: name === "closed" ? 4242 : 4343, numRuns: 300 },
      );
      // The mutations must reach both outcomes, or the property says little.
      expect(errors).toBeGreaterThan(20);
      expect(partial).toBeGreaterThan(20);
    });
  }

  it("closed trace truncated anywhere in the body → strict open never throws and reads the whole chunks before the cut", () => {
    const r0 = TraceReader.fromBytes("t", closed);
    const bodyEnd = r0.chunks.at(-1)!.offset;
    fc.assert(
      fc.property(fc.integer({ min: r0.bodyOffset, max: closed.length - 1 }), (cut) => {
        const r = TraceReader.fromBytes("t", closed.subarray(0, cut));
        const read = norm(r.events());
        const whole = r0.chunks.filter((c, i) => (r0.chunks[i + 1]?.offset ?? bodyEnd + 1) <= cut);
        expect(r.status.complete).toBe(false);
        expect(read).toEqual(expected.slice(0, read.length));
        expect(read.length).toBeGreaterThanOrEqual(whole.reduce((n, c) => n + c.count, 0));
      }),
      { seed: 99, numRuns: 200 },
    );
  });
});
