#!/usr/bin/env node
// x86rr command line. Reading files, the terminal and the host clock is allowed here (the CLI is
// the outside world); everything it hands the machine will go through the Environment (design §2).

import "source-map-support/register.js";
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { Machine, type EntryState } from "../vmx/machine.js";
import { BUNDLED_GUESTS, findGuest, readGuestImage } from "./guests.js";

function parseCount(v: string): number {
  const n = Number(v.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${v}"`);
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
  .option("--mem <MiB>", "guest RAM in MiB", parseCount)
  .option("--max-instructions <n>", "stop after this many instructions", parseCount)
  .option("--exit-stats", "print VM-exit statistics at the end (like perf kvm stat)")
  .action((guestName: string | undefined, opts) => {
    let image: Uint8Array, addr: number, entry: EntryState, memBytes: number;
    if (opts.flat) {
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
    const machine = new Machine({
      memBytes,
      onSerial: (b) => { out.push(b); if (b === 10 || out.length > 4096) flush(); },
      onDebugConsole: (b) => { out.push(b); if (b === 10) flush(); },
      onReport: (m) => { flush(); process.stderr.write(`x86rr: ${m}\n`); },
    });
    machine.loadBytes(addr, image);
    machine.enter(entry);
    const end = machine.run(opts.maxInstructions ?? Infinity);
    flush();
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
      case "hung":
        process.stderr.write(`x86rr: guest hung: ${end.reason}\n`);
        process.exitCode = 3;
        break;
      default:
        break;
    }
  });

function fail(message: string): never {
  process.stderr.write(`x86rr: ${message}\n`);
  process.exit(2);
}

program.parseAsync(process.argv).catch((e: unknown) => {
  fail(e instanceof Error ? e.message : String(e));
});
