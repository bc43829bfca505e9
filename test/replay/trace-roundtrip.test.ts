import fc from "fast-check";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { EventKind } from "../../src/replay/trace-events.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { arbEvents, norm, tempDir, writeTrace } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

const arbChunking = fc.record({ maxEvents: fc.integer({ min: 1, max: 70 }), maxBytes: fc.integer({ min: 1, max: 4000 }) });

describe("trace round trip", () => {
  it("any event stream, any chunking: the closed trace reads back the same events, totals and index", () => {
    let n = 0;
    fc.assert(
      fc.property(arbEvents(), arbChunking, (events, opts) => {
        const path = tmp.file(`rt${n++}.x86rr`);
        writeTrace(path, events, opts);
        const r = TraceReader.open(path);
        try {
          expect(r.status).toEqual({ complete: true });
          expect(norm(r.events())).toEqual(norm(events));
          expect(r.totals.events).toBe(events.length);
          expect(r.totals.lastIcount).toBe(events.at(-1)?.icount ?? 0);
          expect(r.totals.firstIcount).toBe(events[0]?.icount ?? 0);
          expect(r.chunks.every((c) => c.count <= opts.maxEvents)).toBe(true);
          expect(r.digests.map((d) => d.icount)).toEqual(events.filter((e) => e.kind === EventKind.DIGEST).map((e) => e.icount));
          expect(r.snapshots.map((d) => d.icount)).toEqual(events.filter((e) => e.kind === EventKind.SNAPSHOT).map((e) => e.icount));
          for (const [kind, count] of r.totals.byKind) expect(count).toBe(events.filter((e) => e.kind === kind).length);
        } finally {
          r.close();
        }
      }),
      { seed: 0x5eed01, numRuns: 150 },
    );
  });

  it("any event stream, trace not closed: the scan rebuilds the same events, index and per-kind counts, and says incomplete", () => {
    let n = 0;
    fc.assert(
      fc.property(arbEvents(), arbChunking, (events, opts) => {
        const closed = tmp.file(`c${n}.x86rr`);
        const open = tmp.file(`o${n++}.x86rr`);
        writeTrace(closed, events, opts);
        writeTrace(open, events, opts, false);
        const a = TraceReader.open(closed);
        const b = TraceReader.open(open);
        try {
          expect(b.status.complete).toBe(false);
          expect(norm(b.events())).toEqual(norm(events));
          expect(b.chunks).toEqual(a.chunks);
          expect(b.digests).toEqual(a.digests);
          expect(b.snapshots).toEqual(a.snapshots);
          expect(new Map(b.totals.byKind)).toEqual(new Map(a.totals.byKind));
          expect(b.totals.events).toBe(a.totals.events);
          // The unclosed file is the closed one minus footer and trailer.
          expect(Buffer.compare(readFileSync(open), readFileSync(closed).subarray(0, b.size))).toBe(0);
        } finally {
          a.close();
          b.close();
        }
      }),
      { seed: 0x5eed02, numRuns: 100 },
    );
  });

  it("eventsFrom(k) over any stream and any k yields exactly the events with icount >= k", () => {
    let n = 0;
    fc.assert(
      fc.property(arbEvents(200), arbChunking, fc.double({ min: 0, max: 1, noNaN: true }), (events, opts, frac) => {
        const path = tmp.file(`ef${n++}.x86rr`);
        writeTrace(path, events, opts);
        const last = events.at(-1)?.icount ?? 0;
        const k = Math.floor(frac * (last + 2));
        const r = TraceReader.open(path);
        try {
          expect(norm(r.eventsFrom(k))).toEqual(norm(events.filter((e) => e.icount >= k)));
        } finally {
          r.close();
        }
      }),
      { seed: 0x5eed03, numRuns: 100 },
    );
  });
});
