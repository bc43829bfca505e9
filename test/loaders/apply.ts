// Applies a load plan to a bare CPU (as the machine does): writes into RAM, entry state into the
// registers and descriptor caches. Lets loader tests run a nasm "kernel" on the interpreter.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CR0_PE, CS, DS, EAX, EBP, EBX, ECX, EDI, EDX, ES, ESI, ESP, FS, GS, SS } from "../../src/cpu/constants.js";
import type { LoadPlan } from "../../src/loaders/plan.js";
import { makeCpu } from "../cpu/harness.js";

export function applyPlan(plan: LoadPlan, memBytes: number) {
  const m = makeCpu(memBytes);
  for (const w of plan.writes) m.mem.bytes.set(w.bytes, w.gpa);
  const e = plan.entry, r = e.regs, c = m.cpu;
  const regs: Array<[number, number]> = [[EAX, r.eax], [ECX, r.ecx], [EDX, r.edx], [EBX, r.ebx], [ESP, r.esp], [EBP, r.ebp], [ESI, r.esi], [EDI, r.edi]];
  for (const [i, v] of regs) c.regs[i] = v | 0;
  const segs: Array<[number, keyof typeof e.segments]> = [[ES, "es"], [CS, "cs"], [SS, "ss"], [DS, "ds"], [FS, "fs"], [GS, "gs"]];
  for (const [i, name] of segs) {
    const s = e.segments[name];
    c.setSegCache(i, s.selector, s.base, s.limit | 0, s.accessRights);
  }
  if (e.mode === "flat32") {
    c.cr0 |= CR0_PE;
    c.gdtrBase = e.gdtr.base;
    c.gdtrLimit = e.gdtr.limit;
    c.eip = e.eip;
  } else {
    c.cr0 &= ~CR0_PE;
    c.eip = e.ip;
  }
  c.updateMode();
  return m;
}

/** nasm -f bin of `src`; the bytes. */
export function nasmBin(src: string): Uint8Array {
  return withTmp((d) => {
    writeFileSync(join(d, "a.asm"), src);
    execFileSync("nasm", ["-f", "bin", "-o", join(d, "a.bin"), join(d, "a.asm")], { stdio: "pipe" });
    return new Uint8Array(readFileSync(join(d, "a.bin")));
  });
}

/** nasm -f elf32 then ld -m elf_i386 with linker script `lds`; the executable and `readelf -lW` of it. */
export function nasmElf(src: string, lds: string): { bytes: Uint8Array; readelf: string } {
  return withTmp((d) => {
    writeFileSync(join(d, "a.asm"), src);
    writeFileSync(join(d, "a.lds"), lds);
    execFileSync("nasm", ["-f", "elf32", "-o", join(d, "a.o"), join(d, "a.asm")], { stdio: "pipe" });
    execFileSync("ld", ["-m", "elf_i386", "-n", "-T", join(d, "a.lds"), "-o", join(d, "a.elf"), join(d, "a.o")], { stdio: "pipe" });
    const readelf = execFileSync("readelf", ["-lhW", join(d, "a.elf")], { encoding: "utf8" });
    return { bytes: new Uint8Array(readFileSync(join(d, "a.elf"))), readelf };
  });
}

function withTmp<T>(f: (dir: string) => T): T {
  const d = mkdtempSync(join(tmpdir(), "x86rr-loaders-"));
  try { return f(d); } finally { rmSync(d, { recursive: true, force: true }); }
}

/** Little-endian reads over a plan write or any byte array. */
export const u8 = (b: Uint8Array, o: number): number => b[o];
export const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
export const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
export const u64 = (b: Uint8Array, o: number): number => u32(b, o) + u32(b, o + 4) * 0x100000000;

/** The byte at guest-physical `gpa` according to the plan (later writes win), or undefined. */
export function planByte(plan: LoadPlan, gpa: number): number | undefined {
  let v: number | undefined;
  for (const w of plan.writes) if (gpa >= w.gpa && gpa < w.gpa + w.bytes.length) v = w.bytes[gpa - w.gpa];
  return v;
}

export function planBytes(plan: LoadPlan, gpa: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = planByte(plan, gpa + i);
    if (b === undefined) throw new Error(`plan writes nothing at 0x${(gpa + i).toString(16)}`);
    out[i] = b;
  }
  return out;
}
