// `npm run bench` (and `node dist/bench/gdb.js [INSTRUCTIONS]` alone): reverse execution under gdb
// on a long trace, measured through the real remote protocol: a TCP client speaking RSP to the
// GdbServer that `x86rr gdb TRACE` runs, against a recorded bench-int trace.
//   - reverse-stepi latency (`bs` → stop reply, then the `g` gdb sends next) at ~10%, 50% and the
//     end of the trace, each at a snapshot boundary + 1 (best case) and just before the next
//     boundary (worst case: the most instructions to re-run);
//   - reverse-continue (`bc`) from the end of the trace back to a breakpoint hit near its start;
//   - the same reverse-stepi figures on bench-mem (32 MiB, thousands of pages written per snapshot interval).
// Target: reverse-stepi under 200 ms anywhere. Figures are printed, never asserted.
// Wall-clock reads are fine here (bench/ is outside the deterministic core).

import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { findGuest, readGuestImage } from "../src/cli/guests.js";
import { GdbServer } from "../src/cli/gdb-server.js";
import { encodePacket } from "../src/gdbstub/packet.js";
import { openReplayTarget } from "../src/gdbstub/replay-target.js";
import { recordRun } from "../src/replay/session.js";

/** A minimal RSP client: no-ack mode, one request at a time, replies as strings. */
class RspClient {
  private buf = "";
  private waiter: ((reply: string) => void) | null = null;
  private constructor(private readonly s: Socket) {
    s.on("data", (d) => { this.buf += d.toString("latin1"); this.drain(); });
  }
  static connect(port: number): Promise<RspClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ port, host: "127.0.0.1" }, () => resolve(new RspClient(s)));
      s.setNoDelay(true);
      s.on("error", reject);
    });
  }
  private drain(): void {
    this.buf = this.buf.replace(/^[+-]+/, "");
    const m = /^\$([^#]*)#[0-9a-fA-F]{2}/.exec(this.buf);
    if (!m || !this.waiter) return;
    this.buf = this.buf.slice(m[0].length);
    const w = this.waiter;
    this.waiter = null;
    w(m[1]);
  }
  request(packet: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.s.write(encodePacket(packet));
      this.drain();
    });
  }
  async monitor(command: string): Promise<string> {
    const r = await this.request("qRcmd," + Buffer.from(command).toString("hex"));
    return /^[0-9a-f]+$/.test(r) && r !== "OK" ? Buffer.from(r, "hex").toString("latin1") : r;
  }
  close(): void { this.s.destroy(); }
}

const ms = (t0: number) => performance.now() - t0;
const fmt = (n: number) => n.toLocaleString("en-US");

/** Both workloads: bench-int over `instructions` (with reverse-continue), bench-mem (32 MiB, write-heavy) over a fifth of it. */
export async function benchGdb(instructions = 100_000_000): Promise<void> {
  await benchTrace("bench-int", instructions, true);
  await benchTrace("bench-mem", Math.round(instructions / 5), false);
}

async function benchTrace(name: string, instructions: number, reverseContinue: boolean): Promise<void> {
  const g = findGuest(name)!;
  const dir = mkdtempSync(join(tmpdir(), "x86rr-bench-gdb-"));
  const path = join(dir, `${name}.x86rr`);
  try {
    let t0 = performance.now();
    const rec = recordRun({
      guest: { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes },
      path, createdAt: "2026-11-23T00:00:00Z", maxInstructions: instructions,
      world: { wallClockMs: () => 1_700_000_000_000, pollSerial: () => null, waitForInput: () => false },
    });
    const end = rec.icount;
    console.log(`x86rr gdb reverse execution (${name} trace of ${fmt(end)} instructions, ${g.memBytes >> 20} MiB guest, recorded in ${(ms(t0) / 1000).toFixed(1)} s)`);

    const target = openReplayTarget(path, { image: () => readGuestImage(g) });
    const every = target.timeline.every;
    const server = new GdbServer(target, { port: 0 });
    const port = await server.listen();
    const c = await RspClient.connect(port);
    await c.request("QStartNoAckMode");
    t0 = performance.now();
    await c.monitor(`seek ${end}`);
    console.log(`  first run to the end (taking a snapshot every ${fmt(every)} instructions): ${(ms(t0) / 1000).toFixed(1)} s, ` +
      `${target.timeline.snapshots().length} snapshots, ${(target.timeline.store.bytesHeld() / 1048576).toFixed(1)} MiB`);

    // reverse-stepi at each position: 5 in a row from there; the stop reply and the register read gdb does next.
    const positions: [string, number][] = [];
    for (const at of [Math.round(end * 0.1), Math.round(end * 0.5), end]) {
      const base = Math.floor((at - 1) / every) * every;
      positions.push([`${fmt(base + 1)} (boundary + 1)`, base + 1], [`${fmt(Math.min(base + every, end))} (boundary + ${fmt(Math.min(every, end - base))})`, Math.min(base + every, end)]);
    }
    let worst = 0;
    for (const [label, at] of positions) {
      await c.monitor(`seek ${at}`);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        t0 = performance.now();
        const stop = await c.request("bs");
        await c.request("g");
        times.push(ms(t0));
        if (!stop.startsWith("T05")) throw new Error(`bs at ${at}: ${stop}`);
      }
      if (target.machine.cpu.icount !== at - 5) throw new Error(`reverse-stepi ×5 from ${at} left icount ${target.machine.cpu.icount}`);
      const max = Math.max(...times);
      worst = Math.max(worst, max);
      console.log(`  reverse-stepi at icount ${label.padEnd(34)} median ${median(times).toFixed(1).padStart(6)} ms, max ${max.toFixed(1).padStart(6)} ms`);
    }
    console.log(`  reverse-stepi worst ${worst.toFixed(1)} ms: ${worst < 200 ? "within" : "ABOVE"} the 200 ms target`);

    if (!reverseContinue) {
      c.close();
      await server.close();
      return;
    }
    // reverse-continue over the whole trace to a breakpoint hit only near its start.
    await c.monitor(`seek ${end}`);
    const bpAt = 0x100000 + 7; // bench-int's mov ecx, ROUNDS: executed once, at icount 2
    await c.request(`Z0,${bpAt.toString(16)},1`);
    t0 = performance.now();
    const stop = await c.request("bc");
    const took = ms(t0);
    const where = target.machine.cpu.icount;
    console.log(`  reverse-continue from ${fmt(end)} to a breakpoint at icount ${fmt(where)} (${stop.slice(0, 12)}): ${(took / 1000).toFixed(2)} s ` +
      `(${((end - where) / took / 1000).toFixed(1)} M instructions/s scanned)`);
    await c.request(`z0,${bpAt.toString(16)},1`);
    c.close();
    await server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await benchGdb(Number(process.argv[2] ?? 100_000_000));
}
