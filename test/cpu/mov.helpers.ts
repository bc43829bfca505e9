// Shared by the data-movement, control, stack, flag and string tests: nasm as the encoder
// (an assembler nobody here wrote), and small program runners on the bare CPU.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cpu } from "../../src/cpu/cpu.js";
import { flat32, load, makeCpu, real16, runToHalt, type TestHost } from "./harness.js";
import type { HostMemory } from "../../src/cpu/memory.js";

const cache = new Map<string, number[]>();

/** Assembles `src` with nasm (flat binary, `bits`, `org`) and returns the bytes. */
export function nasm(src: string, bits: 16 | 32 = 32, org = 0x1000): number[] {
  const text = `bits ${bits}\norg ${org}\n${src}\n`;
  const hit = cache.get(text);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), "x86rr-nasm-"));
  try {
    writeFileSync(join(dir, "a.asm"), text);
    execFileSync("nasm", ["-f", "bin", "-o", join(dir, "a.bin"), join(dir, "a.asm")], { stdio: "pipe" });
    const bytes = Array.from(readFileSync(join(dir, "a.bin")));
    cache.set(text, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Machine { cpu: Cpu; host: TestHost; mem: HostMemory }

/** Flat 32-bit PM: `src` at 0x1000 followed by HLT, `setup` before the run; runs to HLT. */
export function run32(src: string, setup?: (m: Machine) => void): Machine {
  const m = makeCpu();
  load(m.mem, 0x1000, [...nasm(src, 32, 0x1000), 0xf4]);
  flat32(m.cpu, 0x1000);
  setup?.(m);
  runToHalt(m.cpu);
  return m;
}

/** Real mode, CS=0 IP=0x1000: `src` followed by HLT. */
export function run16(src: string, setup?: (m: Machine) => void): Machine {
  const m = makeCpu();
  load(m.mem, 0x1000, [...nasm(src, 16, 0x1000), 0xf4]);
  real16(m.cpu, 0, 0x1000);
  setup?.(m);
  runToHalt(m.cpu);
  return m;
}

/** Real mode: IVT[vector] → 0000:handler, where the handler is HLT. */
export function realHandler(mem: HostMemory, vector: number, handler: number): void {
  load(mem, vector * 4, [handler & 0xff, handler >> 8, 0, 0]);
  load(mem, handler, [0xf4]);
}

export const u32 = (v: number) => v >>> 0;
export const rd32 = (mem: HostMemory, a: number) => mem.view.getUint32(a, true);
export const rd16 = (mem: HostMemory, a: number) => mem.view.getUint16(a, true);
