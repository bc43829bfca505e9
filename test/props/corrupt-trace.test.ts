// Property (d), record/replay issue item 7: a RECORDED trace of a generated guest, damaged at
// random (bit flips, truncation, inserted garbage, zeroed ranges), given to replayRun: the only
// outcomes are a TraceError, a ReplayMismatch, a reported divergence, an "incomplete" result,
// or (damage the reader can step over, e.g. in the footer) the original run's clean end.
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ReplayMismatch } from "../../src/replay/environment.js";
import { replayRun } from "../../src/replay/session.js";
import { TraceError } from "../../src/replay/trace-format.js";
import { arbCase, newTracePath, propParams, readTrace, record } from "./harness.js";

type Damage =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; bytes: number[] }
  | { kind: "zero"; at: number; length: number };

const where = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const arbDamage: fc.Arbitrary<Damage[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at: where, bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant("truncate" as const), at: where }),
    fc.record({ kind: fc.constant("insert" as const), at: where, bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 40 }) }),
    fc.record({ kind: fc.constant("zero" as const), at: where, length: fc.integer({ min: 1, max: 64 }) }),
  ),
  { minLength: 1, maxLength: 3 },
);

function damage(bytes: Uint8Array, list: Damage[]): Uint8Array {
  let b = Uint8Array.from(bytes);
  for (const d of list) {
    const at = Math.floor(d.at * b.length);
    if (d.kind === "flip" && b.length > 0) b[at] ^= 1 << d.bit;
    else if (d.kind === "truncate") b = b.slice(0, at);
    else if (d.kind === "insert") b = Uint8Array.from([...b.subarray(0, at), ...d.bytes, ...b.subarray(at)]);
    else if (d.kind === "zero") b.fill(0, at, at + d.length);
  }
  return b;
}

describe("damaged recorded traces given to replayRun", () => {
  it("generated program + schedule, its trace flipped/truncated/grown/zeroed → TraceError, ReplayMismatch, divergence, incomplete, or the original end; never another exception", () => {
    fc.assert(
      fc.property(arbCase, fc.array(arbDamage, { minLength: 1, maxLength: 4 }), (c, damages) => {
        const { path, rec, guest } = record(c);
        const original = readTrace(path);
        for (const list of damages) {
          const bad = newTracePath();
          writeFileSync(bad, damage(original, list));
          let r;
          try {
            r = replayRun({ path: bad, image: () => guest.image });
          } catch (e) {
            if (e instanceof TraceError || e instanceof ReplayMismatch) continue;
            throw e;
          }
          if (r.divergence !== null || r.incomplete !== null) continue;
          expect(r.icount).toBe(rec.icount);
          expect(r.recordedEnd).not.toBeNull();
        }
      }),
      propParams(30, 0x5eed_0d),
    );
  });
});
