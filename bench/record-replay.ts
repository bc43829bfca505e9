// Record/replay figures for `npm run bench`: recording overhead (record vs a plain live run of the
// same guest, same slice loop, no trace), replay speed relative to recording, and trace bytes per
// million instructions, for bench-int, bench-mem and echo (serial-heavy), in the virtual and host
// clock modes; recording with the default DIGEST spacing (1M instructions, stretched to 2000
// instructions per page after a digest that rehashed 2000 or more: bench-mem rewrites ~6,000 pages per 1M, which
// took a third of the recording to hash at exact 1M), and with explicit 1M and 10M.
// Each phase is timed in wall time and in CPU time (process.cpuUsage: this process's
// user + system), best of `REPS` interleaved runs, since other processes share the machine.
// Host reads (clock, files) are fine here: bench/ is outside the deterministic core.

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findGuest, readGuestImage } from "../src/cli/guests.js";
import type { HostWorld } from "../src/replay/environment.js";
import { recordRun, replayRun, runLive, type FlatGuest } from "../src/replay/session.js";

const REPS = 5;

interface Workload { guest: string; instructions: number; input?: Uint8Array }

function spec(name: string, clock: "virtual" | "host"): FlatGuest {
  const g = findGuest(name)!;
  return { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes, clock };
}

/** The real host clock; serial input handed over all at once; idle waits sleep for real. */
function world(input?: Uint8Array): HostWorld {
  let pending: Uint8Array | null = input ?? null;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  return {
    wallClockMs: () => Date.now(),
    pollSerial: () => { const p = pending; pending = null; return p; },
    waitForInput: () => pending !== null,
    hostClock: {
      nowNs: () => Number(process.hrtime.bigint()),
      idleUntil: (ns) => {
        const ms = (ns - Number(process.hrtime.bigint())) / 1e6;
        if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
      },
    },
  };
}

interface Timing { wall: number; cpu: number }

function timed(f: () => void): Timing {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

const min = (a: Timing, b: Timing): Timing => ({ wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) });
const NONE: Timing = { wall: Infinity, cpu: Infinity };

interface Row { name: string; icount: number; plain: Timing; record: Timing; record1: Timing; record10: Timing; replay: Timing; bytes: number }

/** Plain, record and replay runs interleaved, REPS rounds, so load from other processes hits all three alike. */
function measure(w: Workload, clock: "virtual" | "host", dir: string): Row {
  const guest = spec(w.guest, clock);
  const path = join(dir, `${w.guest}-${clock}.x86rr`);
  let icount = 0;
  let plain = NONE, record = NONE, record1 = NONE, record10 = NONE, replay = NONE;
  for (let i = 0; i < REPS; i++) {
    plain = min(plain, timed(() => { icount = runLive({ guest, world: world(w.input), maxInstructions: w.instructions }).icount; }));
    record = min(record, timed(() => {
      recordRun({ guest, path, world: world(w.input), createdAt: new Date().toISOString(), maxInstructions: w.instructions });
    }));
    record1 = min(record1, timed(() => {
      recordRun({ guest, path: `${path}.1m`, world: world(w.input), createdAt: new Date().toISOString(), maxInstructions: w.instructions, digestEvery: 1_000_000 });
    }));
    record10 = min(record10, timed(() => {
      recordRun({ guest, path: `${path}.10m`, world: world(w.input), createdAt: new Date().toISOString(), maxInstructions: w.instructions, digestEvery: 10_000_000 });
    }));
    replay = min(replay, timed(() => {
      const r = replayRun({ path, image: () => guest.image });
      if (r.divergence || r.incomplete) throw new Error(`${w.guest} ${clock}: replay did not verify`);
    }));
  }
  return { name: `${w.guest} (${clock})`, icount, plain, record, record1, record10, replay, bytes: statSync(path).size };
}

export function benchRecordReplay(instructions = 10_000_000): void {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-bench-rr-"));
  const echoInput = new Uint8Array(20_000).map((_, i) => (i === 19_999 ? 0x2e : 0x61 + (i % 26)));
  const workloads: Workload[] = [
    { guest: "bench-int", instructions },
    { guest: "bench-mem", instructions },
    { guest: "echo", instructions: Infinity, input: echoInput },
  ];
  try {
    // Warm up the JIT on every path first.
    for (const clock of ["virtual", "host"] as const) for (const name of ["bench-int", "bench-mem"]) measureWarm(dir, name, clock);
    const rows: Row[] = [];
    for (const clock of ["virtual", "host"] as const) for (const w of workloads) rows.push(measure(w, clock, dir));
    console.log(`x86rr record/replay (best of ${REPS}; wall s / CPU s; overhead = record/plain - 1, target ≤ 5%; replay speed = record time / replay time, target ≥ 1.0)`);
    const pct = (a: number, b: number) => `${((a / b - 1) * 100).toFixed(1).padStart(5)}%`;
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    for (const r of rows) {
      console.log(
        `  ${r.name.padEnd(20)} ${(r.icount / 1e6).toFixed(2).padStart(6)} M instr | plain ${r.plain.wall.toFixed(2)}/${r.plain.cpu.toFixed(2)} ` +
        `record ${r.record.wall.toFixed(2)}/${r.record.cpu.toFixed(2)} replay ${r.replay.wall.toFixed(2)}/${r.replay.cpu.toFixed(2)} | ` +
        `overhead wall ${pct(r.record.wall, r.plain.wall)} CPU ${pct(r.record.cpu, r.plain.cpu)} ` +
        `(digests exactly every 1M: wall ${pct(r.record1.wall, r.plain.wall)} CPU ${pct(r.record1.cpu, r.plain.cpu)}; ` +
        `every 10M: wall ${pct(r.record10.wall, r.plain.wall)} CPU ${pct(r.record10.cpu, r.plain.cpu)}) | ` +
        `replay speed wall ${ratio(r.record.wall, r.replay.wall)} CPU ${ratio(r.record.cpu, r.replay.cpu)} | ` +
        `${(r.bytes / (r.icount / 1e6)).toFixed(0)} trace bytes/M instr (${r.bytes} bytes)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measureWarm(dir: string, name: string, clock: "virtual" | "host"): void {
  const guest = spec(name, clock);
  const path = join(dir, `warm-${name}-${clock}.x86rr`);
  runLive({ guest, world: world(), maxInstructions: 2_000_000 });
  recordRun({ guest, path, world: world(), createdAt: "warm-up", maxInstructions: 2_000_000 });
  replayRun({ path, image: () => guest.image });
}
