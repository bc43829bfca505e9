// The bundled guests (guests/*.asm, built to guests/*.bin and committed) by name.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EntryState } from "../vmx/machine.js";

export interface BundledGuest {
  name: string;
  file: string;
  description: string;
  loadAddress: number;
  entry: EntryState;
  memBytes: number;
}

export const BUNDLED_GUESTS: BundledGuest[] = [
  {
    name: "hello", file: "hello.bin", description: "real mode → protected mode → paging, prints on COM1, exits with status 0",
    loadAddress: 0x7c00, entry: { mode: "real16", cs: 0, ip: 0x7c00, sp: 0x7c00 }, memBytes: 16 << 20,
  },
  {
    name: "echo", file: "echo.bin", description: "interrupt-driven serial echo (COM1 IRQ 4 wakes HLT); '.' ends the run",
    loadAddress: 0x7c00, entry: { mode: "real16", cs: 0, ip: 0x7c00, sp: 0x7c00 }, memBytes: 1 << 20,
  },
  {
    name: "bench-int", file: "bench-int.bin", description: "integer-heavy benchmark (sieve, CRC-32, mul/div)",
    loadAddress: 0x100000, entry: { mode: "flat32", eip: 0x100000, esp: 0x1f0000 }, memBytes: 4 << 20,
  },
  {
    name: "bench-mem", file: "bench-mem.bin", description: "paging/memory benchmark (page walks, REP MOVSD, CR3 reloads)",
    loadAddress: 0x100000, entry: { mode: "flat32", eip: 0x100000, esp: 0x1f0000 }, memBytes: 32 << 20,
  },
  {
    name: "demo", file: "demo.bin", description: "preemptive two-task kernel with a lost-update race on a shared counter (the bisect demo)",
    loadAddress: 0x100000, entry: { mode: "flat32", eip: 0x100000, esp: 0x1f0000 }, memBytes: 4 << 20,
  },
];

/** The repository's guests/ directory (the CLI runs from dist/src/cli). */
export function guestsDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(d, "guests", "hello.bin"))) return join(d, "guests");
    d = dirname(d);
  }
  throw new Error("cannot find the bundled guests/ directory next to the x86rr installation");
}

export function findGuest(name: string): BundledGuest | undefined {
  return BUNDLED_GUESTS.find((g) => g.name === name);
}

export function readGuestImage(g: BundledGuest): Uint8Array {
  return new Uint8Array(readFileSync(join(guestsDir(), g.file)));
}

/** The guest's symbol file for gdb (`symbol-file`): guests/NAME.elf, the same code as NAME.bin with its labels (scripts/build-guests.sh). */
export function guestSymbolFile(g: BundledGuest): string {
  return join(guestsDir(), g.file.replace(/\.bin$/, ".elf"));
}
