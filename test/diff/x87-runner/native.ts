// Runs x87 code snippets on the host CPU (runner.asm, a static ELF32 program) and returns the
// FPU state after each one. Each case: an FSAVE image to start from, EFLAGS, a 32-byte memory
// area (ESI points at it) and the snippet's bytes (RET appended here).

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface NativeCase { fsave: Uint8Array; eflags: number; mem: Uint8Array; code: number[] }
export interface NativeResult { fsave: Uint8Array; eflags: number; mem: Uint8Array; eax: number }

const REC = 192;
const here = dirname(fileURLToPath(import.meta.url));

let built = "";
/** Assembles and links the runner once per process (nasm + ld); returns its path. */
export function runnerPath(): string {
  if (built) return built;
  const src = join(here, "runner.asm");
  const dir = join(tmpdir(), "x86rr-x87-runner");
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, `runner-${statSync(src).mtimeMs | 0}`);
  if (!existsSync(exe)) {
    execFileSync("nasm", ["-f", "elf32", src, "-o", `${exe}.o`]);
    execFileSync("ld", ["-m", "elf_i386", "-z", "noexecstack", "--no-warn-rwx-segments", `${exe}.o`, "-o", exe]);
  }
  built = exe;
  return exe;
}

/** True when the host can run the runner (x86 with 32-bit ELF support, nasm and ld installed). */
export function nativeAvailable(): boolean {
  try { runnerPath(); return true; } catch { return false; }
}

export function runNative(cases: NativeCase[]): NativeResult[] {
  const input = new Uint8Array(4 + cases.length * REC);
  const dv = new DataView(input.buffer);
  dv.setUint32(0, cases.length, true);
  cases.forEach((c, i) => {
    const o = 4 + i * REC;
    if (c.code.length > 47) throw new Error("snippet too long");
    input.set(c.fsave.subarray(0, 108), o);
    dv.setUint32(o + 108, c.eflags >>> 0, true);
    input.set(c.mem.subarray(0, 32), o + 112);
    input.set([...c.code, 0xc3], o + 144);
  });
  const out = execFileSync(runnerPath(), { input, maxBuffer: 64 << 20 });
  if (out.length !== cases.length * REC) throw new Error(`runner returned ${out.length} bytes`);
  const odv = new DataView(out.buffer, out.byteOffset, out.length);
  return cases.map((_, i) => {
    const o = i * REC;
    return {
      fsave: Uint8Array.from(out.subarray(o, o + 108)),
      eflags: odv.getUint32(o + 108, true),
      mem: Uint8Array.from(out.subarray(o + 112, o + 144)),
      eax: odv.getUint32(o + 144, true),
    };
  });
}
