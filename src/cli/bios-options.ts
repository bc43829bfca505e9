// `--bios FILE` and `--cpu FEATURES` for run / record / replay / gdb: reading the ROM (host I/O
// stays in src/cli) and checking both before a machine is built.

import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { cpuModelFromSpec, CpuSpecError } from "../cpu/cpu-model.js";
import { checkBiosImage } from "../loaders/bios.js";
import { ImageError } from "../loaders/image-error.js";
import type { BiosGuest } from "../replay/guest-setup.js";

/** Commander parser for --cpu: the spec as given, once it parses. */
export function parseCpu(v: string): string {
  try {
    cpuModelFromSpec(v);
  } catch (e) {
    if (e instanceof CpuSpecError) throw new InvalidArgumentError(e.message);
    throw e;
  }
  return v;
}

/** Default RAM of a BIOS machine, MiB. */
export const BIOS_DEFAULT_MEM_MIB = 64;

/** The ROM at `file`, checked (a read failure or a malformed image is the returned message). */
export function readBios(file: string): { path: string; bytes: Uint8Array } | string {
  const path = resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    return `cannot read the BIOS image: ${(e as Error).message}`;
  }
  try {
    checkBiosImage(basename(path), bytes);
  } catch (e) {
    if (e instanceof ImageError) return e.message;
    throw e;
  }
  return { path, bytes };
}

/** The guest of `record --bios FILE` (path made absolute for the trace), or a usage problem. */
export function biosGuest(o: { bios: string; mem?: number; cpu?: string }): BiosGuest | string {
  const rom = readBios(o.bios);
  if (typeof rom === "string") return rom;
  const name = basename(rom.path);
  return {
    loader: "bios", name, memBytes: (o.mem ?? BIOS_DEFAULT_MEM_MIB) << 20, cpu: o.cpu,
    images: [{ role: "bios", name, path: rom.path, bytes: rom.bytes }],
  };
}
