// Trace size and speed for typical event mixes: bytes per event on disk (frames, footer and
// trailer included), what absolute icounts would cost instead of deltas, write/read throughput.
// Run: npm run build && node dist/bench/trace-size.js. Figures are printed, never asserted.

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventKind, type TraceEvent } from "../src/replay/trace-events.js";
import { codec } from "../src/replay/trace-format.js";
import { TraceReader } from "../src/replay/trace-reader.js";
import { TraceWriter } from "../src/replay/trace-writer.js";

/** Deterministic pseudo-random numbers (xorshift32), so every run measures the same stream. */
function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

type Mix = { name: string; gap: number; pick: (r: () => number, icount: number) => [EventKind, unknown] };

const hash = (r: () => number) => Uint8Array.from({ length: 32 }, () => (r() * 256) | 0);

const MIXES: Mix[] = [
  {
    name: "console session (serial bytes, timer ticks)",
    gap: 200_000,
    pick: (r) => (r() < 0.5 ? [EventKind.SERIAL_IN, [0, Uint8Array.of(0x20 + ((r() * 90) | 0))]] : [EventKind.HOST_TIMER, [0]]),
  },
  {
    name: "host-clock kernel boot (RDTSC heavy, timers, IRQs)",
    gap: 5_000,
    pick: (r, ic) => {
      const x = r();
      if (x < 0.7) return [EventKind.RDTSC, [Math.floor(ic * 2.6 + r() * 1000)]];
      if (x < 0.9) return [EventKind.HOST_TIMER, [(r() * 3) | 0]];
      return [EventKind.IRQ_INJECT, [(r() * 16) | 0, 1]];
    },
  },
  {
    name: "device passthrough (IO_IN / MMIO_IN 4-byte values)",
    gap: 300,
    pick: (r) =>
      r() < 0.5
        ? [EventKind.IO_IN, [0x1f0 + ((r() * 8) | 0), 4, (r() * 0x100000000) >>> 0]]
        : [EventKind.MMIO_IN, [0xfee00000 + ((r() * 64) | 0) * 16, 4, (r() * 0x100000000) >>> 0]],
  },
  {
    name: "mixed, with a DIGEST every 10M instructions",
    gap: 20_000,
    pick: (r, ic) => {
      if (ic % 10_000_000 < 20_000) return [EventKind.DIGEST, { cpu: hash(r), mem: hash(r), pages: (r() * 500) | 0 }];
      const x = r();
      if (x < 0.4) return [EventKind.RDTSC, [Math.floor(ic * 2.6)]];
      if (x < 0.7) return [EventKind.HOST_TIMER, [0]];
      if (x < 0.9) return [EventKind.IO_IN, [0x60, 1, (r() * 256) | 0]];
      return [EventKind.SERIAL_IN, [0, Uint8Array.of(0x61)]];
    },
  },
];

const N = 200_000;
const dir = mkdtempSync(join(tmpdir(), "x86rr-bench-"));
try {
  for (const mix of MIXES) {
    const r = rng(12345);
    const events: TraceEvent[] = [];
    let icount = 5_000_000_000; // past 2^32, as in a long recording
    for (let i = 0; i < N; i++) {
      icount += Math.floor(r() * 2 * mix.gap);
      const [kind, payload] = mix.pick(r, icount);
      events.push({ icount, kind, payload } as TraceEvent);
    }
    const path = join(dir, "bench.x86rr");
    let t = performance.now();
    const w = new TraceWriter(path, { semanticsVersion: 1, machine: {}, images: [], createdAt: "bench", tags: {} });
    for (const e of events) w.append(e.icount, e.kind, e.payload as never);
    w.close();
    const writeMs = performance.now() - t;
    const size = statSync(path).size;
    t = performance.now();
    const rd = TraceReader.open(path);
    let n = 0;
    for (const _ of rd.events()) n++;
    rd.close();
    const readMs = performance.now() - t;
    let absolute = 0;
    let delta = 0;
    let prev = events[0].icount;
    for (const e of events) {
      absolute += codec.pack([e.icount, e.kind, e.payload]).length;
      delta += codec.pack([e.icount - prev, e.kind, e.payload]).length;
      prev = e.icount;
    }
    console.log(
      `${mix.name}\n  ${(size / N).toFixed(2)} bytes/event on disk; event tuples ${(delta / N).toFixed(2)} bytes with icount deltas ` +
        `vs ${(absolute / N).toFixed(2)} with absolute icounts; write ${((N / writeMs) * 1000 / 1e6).toFixed(2)} M events/s, ` +
        `read ${((n / readMs) * 1000 / 1e6).toFixed(2)} M events/s`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
