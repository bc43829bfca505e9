// `x86rr run` (its live session), `record`, `replay` and the snapshot side file's lines of `info`.
// Host I/O (terminal, clock, files) stays here and in console.ts.

import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { ImageError } from "../loaders/image-error.js";
import { PlacementError } from "../loaders/plan.js";
import type { ImageSource, LoaderGuest } from "../replay/guest-setup.js";
import { machineDigest } from "../replay/digest.js";
import { Environment } from "../replay/environment.js";
import { Recorder, type ClockMode } from "../replay/recorder.js";
import { finishRecording, replayRun, startRecording, type GuestSpec, type SessionResult } from "../replay/session.js";
import { saveMachine, type MachineState } from "../replay/snapshot.js";
import { SnapshotError } from "../replay/snapshot-file.js";
import { TraceError, type ImageRecord } from "../replay/trace-format.js";
import { loadSnapshotAtOrBefore, readSnapshotStore, writeSnapshotStore } from "../replay/trace-snapshots.js";
import type { Machine, RunEnd } from "../vmx/machine.js";
import { drive, HostConsole } from "./console.js";

export function parseClock(v: string): ClockMode {
  if (v !== "virtual" && v !== "host") throw new InvalidArgumentError(`expected virtual or host, got "${v}"`);
  return v;
}

function serialSink(): { on: (b: number) => void; flush: () => void } {
  const out: number[] = [];
  const flush = () => { if (out.length) { process.stdout.write(Buffer.from(out)); out.length = 0; } };
  return { on: (b) => { out.push(b); if (b === 10 || out.length > 4096) flush(); }, flush };
}

/** Runs an already loaded machine live: stdin (or nothing) as COM1 input, host time with --clock host. */
export async function runLive(machine: Machine, o: { clock: ClockMode; maxInstructions?: number; flush?: () => void }): Promise<RunEnd> {
  const con = new HostConsole();
  try {
    const r = new Recorder(machine, Environment.live(con.world), { clock: o.clock, maxInstructions: o.maxInstructions });
    await drive(r, con, o.flush);
    return r.end;
  } finally {
    con.close();
  }
}

export interface RecordCliOptions {
  output: string;
  serialIn?: string;
  maxInstructions?: number;
  digestEvery?: number;
  clock: ClockMode;
}

/** Command-line options naming a kernel and what its loader takes with it. */
export interface KernelOptions {
  kernel?: string;
  initrd?: string;
  multiboot?: string;
  module?: string[];
  append?: string;
  /** MiB (default 256). */
  mem?: number;
}

/** The loader guest of --kernel/--initrd or --multiboot/--module (files read now, paths made absolute for the trace), or a usage problem. */
export function loaderGuest(o: KernelOptions): LoaderGuest | string {
  if (o.kernel && o.multiboot) return "--kernel and --multiboot are exclusive";
  if (o.initrd && !o.kernel) return "--initrd goes with --kernel";
  if (o.module?.length && !o.multiboot) return "--module goes with --multiboot";
  const read = (role: "kernel" | "initrd" | "module", f: string) => {
    const path = resolve(f);
    return { role, name: basename(path), path, bytes: new Uint8Array(readFileSync(path)) };
  };
  const memBytes = (o.mem ?? 256) * 1024 * 1024;
  if (o.kernel) {
    const images = [read("kernel", o.kernel), ...(o.initrd ? [read("initrd", o.initrd)] : [])];
    return { loader: "bzimage", name: images[0].name, memBytes, cmdline: o.append ?? "", images };
  }
  if (!o.multiboot) return "expected a bundled guest, --kernel FILE or --multiboot FILE";
  const images = [read("kernel", o.multiboot), ...(o.module ?? []).map((f) => read("module", f))];
  // The multiboot loader's default command line is the kernel's file name (as GRUB passes it).
  return { loader: "multiboot", name: images[0].name, memBytes, cmdline: o.append ?? images[0].name, images };
}

/**
 * Where a replay finds a recorded image: a loader guest's kernel/initrd from --kernel/--initrd
 * when given, else from the path recorded in the trace; a flat guest's from the bundled guests.
 */
export function recordedImages(bundled: (name: string) => Uint8Array, o: { kernel?: string; initrd?: string; bios?: string } = {}): ImageSource {
  return (name: string, rec: ImageRecord) => {
    if (!rec.role) return { bytes: bundled(name), from: `bundled guest ${name}` };
    const given = rec.role === "kernel" ? o.kernel : rec.role === "initrd" ? o.initrd : rec.role === "bios" ? o.bios : undefined;
    const path = given ?? rec.path ?? name;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch (e) {
      const flag = rec.role === "module" ? "" : ` (give --${rec.role} FILE)`;
      throw new TraceError(path, 0, `cannot read the ${rec.role} image ${name}${given ? "" : " at its recorded path"}: ${(e as Error).message}${given ? "" : flag}`);
    }
    return { bytes, from: path };
  };
}

/** `x86rr record`: the guest's serial input comes from --serial-in, else stdin (a TTY: the interactive console). */
export async function recordCommand(guest: GuestSpec, o: RecordCliOptions): Promise<void> {
  const sink = serialSink();
  const con = new HostConsole(o.serialIn);
  let r: SessionResult;
  try {
    let rec;
    try {
      rec = startRecording({
        guest: { ...guest, clock: o.clock }, path: o.output, world: con.world, createdAt: new Date().toISOString(),
        maxInstructions: o.maxInstructions, digestEvery: o.digestEvery, onSerial: sink.on,
        onReport: (m) => { sink.flush(); process.stderr.write(`x86rr: ${m}\n`); },
      });
    } catch (e) {
      // The loader refused the kernel or its placement (RangeError: a RAM size the PC memory map cannot describe).
      if (e instanceof ImageError || e instanceof PlacementError || e instanceof RangeError) {
        process.stderr.write(`x86rr: ${e.message}\n`);
        process.exitCode = 2;
        return;
      }
      throw e;
    }
    try {
      await drive(rec, con, sink.flush);
    } catch (e) {
      rec.abandon();
      throw e;
    }
    r = finishRecording(rec, con.stopped ? "stopped by the user" : undefined);
  } finally {
    sink.flush();
    con.close();
  }
  process.stderr.write(`x86rr: recorded ${r.icount} instructions (${r.end.kind}) into ${o.output}\n`);
  if (r.end.kind === "exit") process.exitCode = r.end.code >> 1;
}

export interface ReplayCliOptions {
  to?: number;
  quiet?: boolean;
  verifyOnly?: boolean;
  snapshotEvery?: number;
  fromSnapshot?: number;
  printDigest?: boolean;
}

/** `x86rr replay`: verify a trace; optionally save snapshots every N instructions, or start from a saved one. */
export function replayCommand(path: string, o: ReplayCliOptions, image: ImageSource): void {
  const sink = serialSink();
  const quiet = o.quiet || o.verifyOnly;
  let from: MachineState | undefined;
  if (o.fromSnapshot !== undefined) {
    try {
      const store = readSnapshotStore(path);
      if (!store) throw new TraceError(path, 0, "no snapshots for this trace: replay it once with --snapshot-every N");
      from = loadSnapshotAtOrBefore(store, o.fromSnapshot) ?? undefined;
      if (!from) throw new TraceError(store.path, 0, `no snapshot at or before icount ${o.fromSnapshot} (the first is at ${store.snapshots[0]?.icount ?? "none"})`);
    } catch (e) {
      if (e instanceof SnapshotError) throw new TraceError(e.file, e.offset, e.reason);
      throw e;
    }
    process.stderr.write(`x86rr: starting from the snapshot at icount ${from.icount}\n`);
  }
  const taken: MachineState[] = [];
  const r = replayRun({
    path, to: o.to, image, from,
    snapshotEvery: o.snapshotEvery, onSnapshot: (m) => { taken.push(saveMachine(m)); },
    onSerial: quiet ? undefined : sink.on,
    onReport: quiet ? undefined : (m) => { sink.flush(); process.stderr.write(`x86rr: ${m}\n`); },
  });
  sink.flush();
  if (o.snapshotEvery) {
    const file = writeSnapshotStore(path, o.snapshotEvery, taken);
    process.stderr.write(`x86rr: ${taken.length} snapshots (every ${o.snapshotEvery} instructions) saved in ${file}\n`);
  }
  if (r.divergence) {
    const d = r.divergence;
    process.stderr.write(`x86rr: DIVERGED between icount ${d.lastGood} and ${d.at}: ${d.what}\n`);
    for (const line of d.registers) process.stderr.write(`  ${line}\n`);
    process.exitCode = 1;
  } else if (r.incomplete) {
    process.stderr.write(`x86rr: replayed ${r.icount} instructions, ${r.digestsVerified} digests verified; ${r.incomplete}\n`);
  } else {
    process.stderr.write(`x86rr: replay identical: ${r.icount} instructions, ${r.digestsVerified} digests verified${r.recordedEnd ? `, ended as recorded (${r.recordedEnd})` : ""}\n`);
  }
  if (o.printDigest) process.stdout.write(`machine ${machineDigest(r.machine)} icount ${r.icount}\n`);
}

/** Lines of `x86rr info` about the trace's snapshot side file (none when it has none). */
export function snapshotStoreLines(path: string): string {
  let store;
  try {
    store = readSnapshotStore(path);
  } catch (e) {
    if (e instanceof TraceError) return `replay snapshots: ${e.message}\n`;
    throw e;
  }
  if (!store) return "";
  const lines = [`replay snapshots ${store.snapshots.length} in ${store.path} (every ${store.every} instructions)`];
  for (const s of store.snapshots) lines.push(`  icount ${s.icount} (${s.size} bytes at offset ${s.offset})`);
  return lines.join("\n") + "\n";
}
