// Property (a) and (b) under --clock host: a generated guest recorded with a jittery scripted host
// clock (readings that advance by generated steps, idle waits that wake late) replays identically
// — same output, icount, end, digests and machineDigest — and a replay split at a random icount,
// snapshotted and resumed, ends like the straight one. The host is never asked during replay.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { machineDigest } from "../../src/replay/digest.js";
import { replayRun } from "../../src/replay/session.js";
import { SnapshotStore } from "../../src/replay/snapshot-store.js";
import { EventKind } from "../../src/replay/trace-events.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { arbHostCase, countDigests, Output, propParams, record, REGRESSIONS, type Case } from "./harness.js";

function hostSamples(path: string): number {
  const r = TraceReader.open(path);
  try {
    let n = 0;
    for (const e of r.events()) if (e.kind === EventKind.HOST_TIME) n++;
    return n;
  } finally {
    r.close();
  }
}

const hostRegressions: Case[] = REGRESSIONS.map((c) => ({ ...c, schedule: { ...c.schedule, host: { origin: 1e12, steps: [7, 3_000_000], overshoot: [0, 500_000] } } }));

describe("record (--clock host, jittery host clock) → replay", () => {
  it("generated program + serial schedule + host clock jitter → replay has the same output, icount, end, digests and machine digest", () => {
    fc.assert(
      fc.property(arbHostCase, (c) => {
        const { path, rec, out, guest } = record(c);
        expect(guest.clock).toBe("host");
        const rout = new Output();
        const rep = replayRun({ path, image: () => guest.image, onSerial: rout.onSerial, onDebugConsole: rout.onDebugConsole });
        expect(rep.divergence).toBeNull();
        expect(rep.incomplete).toBeNull();
        expect(rep.icount).toBe(rec.icount);
        expect(rep.end).toEqual(rec.end);
        expect(rout.text).toBe(out.text);
        expect(out.text).not.toContain("E21 ");
        expect(rep.digestsVerified).toBe(countDigests(path));
        expect(machineDigest(rep.machine)).toBe(machineDigest(rec.machine));
        if (rec.icount >= c.schedule.pollEvery) expect(hostSamples(path)).toBeGreaterThan(0);
      }),
      { ...propParams(30, 0x5eed_0c), examples: hostRegressions.map((c) => [c]) },
    );
  });

  it("host-clock recording, replay split at a random icount, snapshot → restore → resume ends like the straight replay", () => {
    const fraction = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(arbHostCase, fraction, (c, f) => {
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
        const store = new SnapshotStore();
        const state = store.materialize(store.take(a.machine));
        const tail = new Output();
        const b = replayRun({ path, image, from: state, onSerial: tail.onSerial, onDebugConsole: tail.onDebugConsole });
        expect(b.divergence).toBeNull();
        expect(b.icount).toBe(straight.icount);
        expect(b.end).toEqual(straight.end);
        expect(head.text + tail.text).toBe(all.text);
        expect(machineDigest(b.machine)).toBe(machineDigest(straight.machine));
      }),
      { ...propParams(15, 0x5eed_0d), examples: hostRegressions.map((c) => [c, 0.5] as [Case, number]) },
    );
  });
});
