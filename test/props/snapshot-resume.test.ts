// Property (b), record/replay issue item 7: a replay stopped at a random icount, snapshotted
// (SnapshotStore take → materialize), and resumed from that state in a fresh machine
// (replayRun `from`) ends exactly like the straight-through replay: same output after the split,
// same icount, end, recorded END, digests from the split on, and machineDigest.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { machineDigest } from "../../src/replay/digest.js";
import { replayRun } from "../../src/replay/session.js";
import { SnapshotStore } from "../../src/replay/snapshot-store.js";
import { EventKind } from "../../src/replay/trace-events.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { arbCase, Output, propParams, record, REGRESSIONS } from "./harness.js";

function digestsFrom(path: string, icount: number): number {
  const r = TraceReader.open(path);
  try {
    let n = 0;
    for (const e of r.events()) if (e.kind === EventKind.DIGEST && e.icount >= icount) n++;
    return n;
  } finally {
    r.close();
  }
}

describe("snapshot during replay → restore into a fresh machine → resume", () => {
  it("generated program + schedule, split at a random icount of the replay → the resumed replay ends like the straight one", () => {
    const fraction = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(arbCase, fraction, (c, f) => {
        const { path, guest } = record(c);
        const image = () => guest.image;
        const all = new Output();
        const straight = replayRun({ path, image, onSerial: all.onSerial, onDebugConsole: all.onDebugConsole });
        expect(straight.divergence).toBeNull();
        fc.pre(straight.icount >= 2);
        const split = 1 + Math.min(straight.icount - 2, Math.floor(f * (straight.icount - 1)));

        const head = new Output();
        const a = replayRun({ path, image, to: split, onSerial: head.onSerial, onDebugConsole: head.onDebugConsole });
        expect(a.divergence).toBeNull();
        expect(a.icount).toBe(split);
        const store = new SnapshotStore();
        const state = store.materialize(store.take(a.machine));

        const tail = new Output();
        const b = replayRun({ path, image, from: state, onSerial: tail.onSerial, onDebugConsole: tail.onDebugConsole });
        expect(b.divergence).toBeNull();
        expect(b.incomplete).toBeNull();
        expect(b.recordedEnd).toBe(straight.recordedEnd);
        expect(b.icount).toBe(straight.icount);
        expect(b.end).toEqual(straight.end);
        expect(head.text + tail.text).toBe(all.text);
        expect(b.digestsVerified).toBe(digestsFrom(path, split));
        expect(machineDigest(b.machine)).toBe(machineDigest(straight.machine));
      }),
      { ...propParams(30, 0x5eed_0b), examples: REGRESSIONS.map((c) => [c, 0.5] as [typeof c, number]) },
    );
  });
});
