#!/usr/bin/env node
// x86rr command line. Reading files, the terminal and the host clock is allowed here (the CLI is
// the outside world); everything it hands the machine will go through the Environment (design §2).

import "source-map-support/register.js";
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { Machine, type EntryState } from "../vmx/machine.js";
import type { FlatGuest } from "../replay/guest-setup.js";
import { TraceError } from "../replay/trace-format.js";
import { TraceReader } from "../replay/trace-reader.js";
import { describe as describeTrace, formatDescription } from "../replay/trace-describe.js";
import { BUNDLED_GUESTS, findGuest, readGuestImage } from "./guests.js";
import { serveGdb, serveGdbReplay } from "./gdb.js";
import { runBisect } from "./bisect.js";
import { runDiff } from "./diff.js";
import { applyPlan, APIC_E820 } from "../vmx/boot.js";
import { loadBzImage } from "../loaders/bzimage.js";
import { loadMultiboot } from "../loaders/multiboot.js";
import { ImageError } from "../loaders/image-error.js";
import { PlacementError, type LoadPlan } from "../loaders/plan.js";
import { biosGuest, BIOS_DEFAULT_MEM_MIB, parseCpu, readBios } from "./bios-options.js";
import { cpuModelFromSpec, modelHasApic } from "../cpu/cpu-model.js";
import { loaderGuest, parseClock, recordCommand, recordedImages, replayCommand, runLive, snapshotStoreLines } from "./record-replay.js";

function parseCount(v: string): number {
  const n = Number(v.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${v}"`);
  return n;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a TCP port (0 picks a free one), got "${v}"`);
  return n;
}

function parseFlat(v: string): { file: string; addr: number } {
  const m = /^(.+)@(0x[0-9a-f]+|\d+)$/i.exec(v);
  if (!m) throw new InvalidArgumentError(`expected FILE@ADDRESS (e.g. boot.bin@0x7c00), got "${v}"`);
  return { file: m[1], addr: Number(m[2]) };
}

const program = new Command();
program.name("x86rr").description("deterministic x86 full-system emulator with record/replay").version("0.1.0");

program
  .command("run")
  .description("run a guest: a bundled one by name, or a flat binary")
  .argument("[guest]", `bundled guest: ${BUNDLED_GUESTS.map((g) => g.name).join(", ")}`)
  .option("--flat <file@addr>", "load a flat binary at a guest-physical address", parseFlat)
  .option("--entry <mode>", "entry state for --flat: real16 (CS:IP from the address) or flat32", "real16")
  .option("--kernel <file>", "boot a Linux bzImage (32-bit boot protocol)")
  .option("--initrd <file>", "initrd / initramfs for --kernel")
  .option("--append <cmdline>", "kernel command line for --kernel or --multiboot")
  .option("--multiboot <file>", "boot a multiboot v1 kernel (ELF or a.out kludge)")
  .option("--module <file>", "multiboot module (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option("--bios <file>", "run a BIOS ROM (e.g. SeaBIOS bios.bin) from the reset vector; its debug console (ports 0x402, 0xE9) goes to stderr")
  .option("--cpu <features>", "CPU model and features, e.g. pentium or +pse,-pge,-sep (see docs/architecture.md)", parseCpu)
  .option("--mem <MiB>", "guest RAM in MiB", parseCount)
  .option("--max-instructions <n>", "stop after this many instructions", parseCount)
  .option("--exit-stats", "print VM-exit statistics at the end (like perf kvm stat)")
  .option("--gdb <port>", "serve the GDB remote protocol on this TCP port (gdb may attach while the guest runs)", parsePort)
  .option("--gdb-wait", "with --gdb: wait for gdb before the first instruction")
  .option("--clock <mode>", "guest time: virtual (from the instruction count) or host (follows the host's clock)", parseClock, "virtual")
  .action(async (guestName: string | undefined, opts) => {
    let image: Uint8Array | undefined, addr = 0, entry: EntryState | undefined, memBytes: number;
    let plan: (() => LoadPlan) | undefined;
    const bytesOf = (f: string) => new Uint8Array(readFileSync(f));
    const base = (f: string) => f.slice(f.lastIndexOf("/") + 1);
    let bios: Uint8Array | undefined;
    if (opts.bios) {
      if (opts.kernel || opts.multiboot || opts.flat || guestName !== undefined) fail("--bios runs the ROM alone: no guest, --flat, --kernel or --multiboot with it");
      const rom = readBios(opts.bios);
      if (typeof rom === "string") fail(rom);
      bios = rom.bytes;
      memBytes = BIOS_DEFAULT_MEM_MIB << 20;
    } else if (opts.kernel || opts.multiboot) {
      if (opts.kernel && opts.multiboot) fail("--kernel and --multiboot are exclusive");
      memBytes = (opts.mem ?? 256) << 20;
      const mem = memBytes;
      if (opts.kernel) {
        const initrd = opts.initrd ? { file: base(opts.initrd), bytes: bytesOf(opts.initrd) } : undefined;
        const k = bytesOf(opts.kernel);
        plan = () => loadBzImage(base(opts.kernel), k, { memBytes: mem, cmdline: opts.append ?? "", initrd, reservedE820: APIC_E820 });
      } else {
        const modules = (opts.module as string[]).map((f) => ({ file: base(f), bytes: bytesOf(f) }));
        const k = bytesOf(opts.multiboot);
        plan = () => loadMultiboot(base(opts.multiboot), k, { memBytes: mem, cmdline: opts.append, modules, reservedE820: APIC_E820 });
      }
    } else if (opts.flat) {
      image = new Uint8Array(readFileSync(opts.flat.file));
      addr = opts.flat.addr;
      entry = opts.entry === "flat32" ? { mode: "flat32", eip: addr } : { mode: "real16", cs: (addr >>> 4) & 0xf000, ip: addr & 0xffff };
      memBytes = 64 << 20;
    } else {
      const g = findGuest(guestName ?? "hello");
      if (!g) fail(`no bundled guest named "${guestName}"; choose one of: ${BUNDLED_GUESTS.map((x) => x.name).join(", ")}`);
      image = readGuestImage(g);
      addr = g.loadAddress;
      entry = g.entry;
      memBytes = g.memBytes;
    }
    if (opts.mem) memBytes = opts.mem << 20;
    const out: number[] = [];
    const flush = () => { if (out.length) { process.stdout.write(Buffer.from(out)); out.length = 0; } };
    if (opts.clock === "host" && opts.gdb !== undefined) fail("--clock host cannot be combined with --gdb");
    const dbg: number[] = [];
    const flushDbg = () => { if (dbg.length) { process.stderr.write(Buffer.from(dbg)); dbg.length = 0; } };
    const cpuModel = cpuModelFromSpec(opts.cpu);
    let machine: Machine;
    try {
      machine = new Machine({
        memBytes,
        bios,
        cpuModel,
        apic: modelHasApic(cpuModel),
        clock: opts.clock,
        onSerial: (b) => { out.push(b); if (b === 10 || out.length > 4096) flush(); },
        // A BIOS logs on the debug console while its serial console prints the same text: the log goes to stderr.
        onDebugConsole: bios ? (b) => { dbg.push(b); if (b === 10) flushDbg(); } : (b) => { out.push(b); if (b === 10) flush(); },
        onReport: (m) => { flush(); process.stderr.write(`x86rr: ${m}\n`); },
      });
    } catch (e) {
      if (e instanceof RangeError) fail(e.message); // a RAM size a BIOS machine cannot have
      throw e;
    }
    if (bios) {
      machine.enterReset();
    } else if (plan) {
      try {
        applyPlan(machine, plan());
      } catch (e) {
        // RangeError: a RAM size the PC memory map cannot describe (--mem below 2 MiB ...).
        if (e instanceof ImageError || e instanceof PlacementError || e instanceof RangeError) fail(e.message);
        throw e;
      }
    } else {
      machine.loadBytes(addr, image!);
      machine.enter(entry!);
    }
    if (opts.gdb !== undefined) return serveGdb(machine, opts.gdb, !!opts.gdbWait, flush);
    const end = await runLive(machine, { clock: opts.clock, maxInstructions: opts.maxInstructions, flush });
    flush();
    flushDbg();
    if (opts.exitStats) process.stderr.write(machine.vmm.stats.format((p) => machine.io.nameAt(p)) + "\n");
    const icount = machine.cpu.icount;
    switch (end.kind) {
      case "exit":
        // isa-debug-exit: the guest wrote v to port 0xf4, the run ends with status (v << 1) | 1.
        process.stderr.write(`x86rr: guest wrote ${end.code >> 1} to the debug-exit port after ${icount} instructions\n`);
        process.exitCode = end.code >> 1;
        break;
      case "limit":
        process.stderr.write(`x86rr: stopped at the instruction limit (${icount} instructions)\n`);
        break;
      case "shutdown":
        process.stderr.write(`x86rr: guest shut down (${end.reason}) after ${icount} instructions\n`);
        process.exitCode = 2;
        break;
      case "poweroff":
        process.stderr.write(`x86rr: guest powered off (ACPI S5) after ${icount} instructions\n`);
        break;
      case "hung":
        process.stderr.write(`x86rr: guest hung: ${end.reason}\n`);
        process.exitCode = 3;
        break;
      case "stopped":
        process.stderr.write(`x86rr: stopped by the user after ${icount} instructions\n`);
        break;
      default:
        break;
    }
  });

/** The bundled guest named on the command line. */
function guestSpec(name: string): FlatGuest {
  const g = findGuest(name);
  if (!g) fail(`no bundled guest named "${name}"; choose one of: ${BUNDLED_GUESTS.map((x) => x.name).join(", ")}`);
  return { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes };
}

program
  .command("record")
  .description("run a guest (bundled, or a kernel by --kernel/--multiboot) and record every input into a trace")
  .argument("[guest]", `bundled guest: ${BUNDLED_GUESTS.map((g) => g.name).join(", ")}`)
  .option("--kernel <file>", "boot a Linux bzImage (32-bit boot protocol); its path and SHA-256 go into the trace")
  .option("--initrd <file>", "initrd / initramfs for --kernel")
  .option("--append <cmdline>", "kernel command line for --kernel or --multiboot")
  .option("--multiboot <file>", "boot a multiboot v1 kernel (ELF or a.out kludge)")
  .option("--module <file>", "multiboot module (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option("--mem <MiB>", "guest RAM in MiB for --kernel/--multiboot (default 256) or --bios (default 64)", parseCount)
  .option("--bios <file>", "run a BIOS ROM from the reset vector; its path and SHA-256 go into the trace")
  .option("--cpu <features>", "CPU model and features, e.g. pentium or +pse,-pge,-sep (stored in the trace)", parseCpu)
  .requiredOption("-o, --output <trace>", "trace file to write (.x86rr)")
  .option("--serial-in <file>", "bytes to type on COM1 (delivered as the guest's UART takes them)")
  .option("--max-instructions <n>", "stop after this many instructions", parseCount)
  .option("--digest-every <n>", "instructions between state digests (default 1,000,000, up to 10× more while the guest rewrites over 8 MiB per interval)", parseCount)
  .option("--clock <mode>", "guest time: virtual (from the instruction count) or host (follows the host's clock; stored in the trace)", parseClock, "virtual")
  .action((name: string | undefined, opts) => {
    if (opts.bios) {
      if (name !== undefined || opts.kernel || opts.multiboot) fail("--bios runs the ROM alone: no bundled guest, --kernel or --multiboot with it");
      const g = biosGuest(opts);
      if (typeof g === "string") fail(g);
      return recordCommand(g, opts);
    }
    if (opts.kernel || opts.multiboot || opts.initrd || opts.module.length || opts.append !== undefined || opts.mem !== undefined) {
      if (name !== undefined) fail(`give a bundled guest or --kernel/--multiboot, not both ("${name}")`);
      const g = loaderGuest(opts);
      if (typeof g === "string") fail(g);
      return recordCommand({ ...g, cpu: opts.cpu }, opts);
    }
    if (name === undefined) fail("expected a bundled guest, --kernel FILE, --multiboot FILE or --bios FILE");
    return recordCommand({ ...guestSpec(name), cpu: opts.cpu }, opts);
  });

program
  .command("replay")
  .description("replay a trace, verifying every digest; stops at the first divergence")
  .argument("<trace>", "trace file (.x86rr)")
  .option("--to <icount>", "stop at this instruction count", parseCount)
  .option("-q, --quiet", "do not print the guest's serial output")
  .option("--verify-only", "print only the verdict")
  .option("--snapshot-every <n>", "save a snapshot every N instructions into TRACE.snapshots (listed by info)", parseCount)
  .option("--from-snapshot <icount>", "start from the saved snapshot at or before this icount", (v: string) => (v === "0" ? 0 : parseCount(v)))
  .option("--print-digest", "print the final whole-machine digest")
  .option("--kernel <file>", "the recorded kernel image, instead of its recorded path (SHA-256 checked)")
  .option("--initrd <file>", "the recorded initrd, instead of its recorded path (SHA-256 checked)")
  .option("--bios <file>", "the recorded BIOS ROM, instead of its recorded path (SHA-256 checked)")
  .action((path: string, opts) => replayCommand(path, opts, recordedImages((n) => guestSpec(n).image, opts)));

program
  .command("gdb")
  .description("serve a trace to gdb over the remote protocol, with reverse execution")
  .argument("<trace>", "trace file (.x86rr)")
  .requiredOption("--port <port>", "TCP port to listen on (0 picks a free one)", parsePort)
  .option("--snapshot-every <n>", "instructions between reverse-execution snapshots", parseCount)
  .option("--kernel <file>", "the recorded kernel image, instead of its recorded path (SHA-256 checked)")
  .option("--initrd <file>", "the recorded initrd, instead of its recorded path (SHA-256 checked)")
  .option("--bios <file>", "the recorded BIOS ROM, instead of its recorded path (SHA-256 checked)")
  .action((path: string, opts) => serveGdbReplay(path, opts.port, recordedImages((n) => guestSpec(n).image, opts), opts.snapshotEvery));

program
  .command("bisect")
  .description("find the first icount at which a predicate holds (serial:/RE/, mem:ADDR:u32 OP V, phys:, reg:NAME OP V, pc:, exits:REASON OP N, js:PATH)")
  .argument("<trace>", "trace file (.x86rr)")
  .requiredOption("--until <predicate>", "the condition to find, e.g. 'serial:/RACE/' or 'mem:counter:u32 < mem:ops:u32'")
  .option("--snapshot-every <n>", "instructions between snapshots of the forward pass", parseCount)
  .option("--port <port>", "TCP port to suggest for gdb", parsePort)
  .action(async (path: string, opts) => { process.exitCode = await runBisect(path, { until: opts.until, snapshotEvery: opts.snapshotEvery, port: opts.port }); });

program
  .command("diff")
  .description("where two recordings of the same guest part: headers, first differing input, first differing instruction")
  .argument("<a>", "trace file (.x86rr)")
  .argument("<b>", "trace file (.x86rr)")
  .action((a: string, b: string) => { process.exitCode = runDiff(a, b); });

program
  .command("info")
  .description("describe a trace: configuration, images, duration, events, digests, size")
  .argument("<trace>", "trace file (.x86rr)")
  .action((path: string) => {
    const reader = TraceReader.open(path, { salvage: true });
    try {
      process.stdout.write(formatDescription(describeTrace(reader)) + snapshotStoreLines(path) + "\n");
    } finally {
      reader.close();
    }
  });

function fail(message: string): never {
  process.stderr.write(`x86rr: ${message}\n`);
  process.exit(2);
}

program.parseAsync(process.argv).catch((e: unknown) => {
  // Bad input (a trace, an image) is a clear message; anything else is a bug with its stack.
  if (e instanceof TraceError || (e instanceof Error && (e.name === "ReplayMismatch" || e.name === "PredicateError"))) fail(e.message);
  if (e instanceof Error && (e as NodeJS.ErrnoException).code === "ENOENT") fail(e.message);
  throw e;
});
