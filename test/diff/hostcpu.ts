// The host-CPU oracle: runs instruction snippets natively (test/diff/hostrunner.asm, a static
// i386 Linux program) and returns the final state. The runner is assembled with nasm and linked
// with ld at first use into node_modules/.cache/x86rr-diff/<hash of the source>/.
//
// API:
//   runOnHost(cases: DiffCase[]): DiffResult[]   one runner process for the whole batch
//   CODE_ADDR, SCRATCH_ADDR, STACK_ADDR, PAGE, DEFAULT_ESP, FS_*   the fixed layout (.asm header)
// A case's code runs at CODE_ADDR with the given registers and arithmetic flags; it ends when
// execution reaches CODE_ADDR + code.length (the runner appends a jump there), or at the first
// signal (the result then holds the signal, the exception vector and the registers at the fault).

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CODE_ADDR = 0x00110000;
export const SCRATCH_ADDR = 0x00120000;
export const STACK_ADDR = 0x00130000;
export const PAGE = 4096;
export const DEFAULT_ESP = STACK_ADDR + 0x800;
/** Longest snippet; above PAGE - 5 it must fault before its end (no room for the runner's jump). */
export const CODE_MAX = 4096;
/** FS: an LDT data segment with base SCRATCH_ADDR and limit 0xFFFF, for 16-bit addressing. */
export const FS_SELECTOR = 0x07, FS_BASE = SCRATCH_ADDR, FS_LIMIT = 0xffff;

/** Signal numbers (Linux i386). */
export const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11, SIGALRM = 14;
export const SIGNAL_NAMES: Record<number, string> = {
  0: "none", 4: "SIGILL", 5: "SIGTRAP", 7: "SIGBUS", 8: "SIGFPE", 11: "SIGSEGV", 14: "SIGALRM",
};

export interface DiffCase {
  /** Instruction bytes, placed at CODE_ADDR (at most CODE_MAX bytes). */
  code: Uint8Array;
  /** EAX ECX EDX EBX ESP EBP ESI EDI (uint32 or int32 values). ESP normally points into the stack page. */
  regs: ArrayLike<number>;
  /** Initial EFLAGS: only CF PF AF ZF SF DF OF are used. */
  eflags: number;
  /** Initial content of the scratch page at SCRATCH_ADDR (zero-padded to 4096 bytes). */
  scratch?: Uint8Array;
  /** Initial content of the stack page at STACK_ADDR (zero-padded to 4096 bytes). */
  stack?: Uint8Array;
  /** Initial x87/SSE state as a 512-byte FXSAVE image (MXCSR must be valid); else FNINIT state. */
  fxsave?: Uint8Array;
  /** Also return the final FXSAVE image. */
  dumpFpu?: boolean;
}

export interface DiffResult {
  /** 0 when the snippet ran to its end, else the Linux signal (SIGFPE for #DE, SIGILL for #UD...). */
  signal: number;
  /** The exception vector that caused the signal (sigcontext trapno); 0 when signal is 0. */
  trapno: number;
  /** Fault address (SIGSEGV from #PF: the linear address; #GP: 0). */
  faultAddr: number;
  /** EIP at the end (CODE_ADDR + code.length) or at the fault. */
  eip: number;
  /** Final EAX..EDI as uint32. */
  regs: number[];
  eflags: number;
  scratch: Uint8Array;
  stack: Uint8Array;
  fxsave?: Uint8Array;
}

const IN_HDR = 8240;
const OUT_HDR = 64;
const OUT_REC = OUT_HDR + 2 * PAGE;

let runnerPath: string | undefined;

/** Path of the built runner, assembling and linking it if the source changed. */
export function hostRunner(): string {
  if (runnerPath) return runnerPath;
  const here = dirname(fileURLToPath(import.meta.url));
  const src = join(here, "hostrunner.asm");
  const text = readFileSync(src);
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const dir = join(here, "..", "..", "node_modules", ".cache", "x86rr-diff", hash);
  const exe = join(dir, "hostrunner");
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    const obj = join(dir, `hostrunner.${process.pid}.o`);
    const tmp = join(dir, `hostrunner.${process.pid}.tmp`);
    tool("nasm", ["-f", "elf32", src, "-o", obj]);
    tool("ld", ["-m", "elf_i386", "-static", "-o", tmp, obj]);
    chmodSync(tmp, 0o755);
    renameSync(tmp, exe);
  }
  runnerPath = exe;
  return exe;
}

function tool(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) throw new Error(`diff oracle: cannot run ${cmd} (${r.error.message}); nasm and binutils are required`);
  if (r.status !== 0) throw new Error(`diff oracle: ${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
}

function encodeCase(c: DiffCase): Buffer {
  if (c.code.length > CODE_MAX) throw new RangeError(`snippet of ${c.code.length} bytes exceeds ${CODE_MAX}`);
  const fx = c.fxsave !== undefined;
  if (fx && c.fxsave!.length !== 512) throw new RangeError("fxsave image must be 512 bytes");
  const b = Buffer.alloc(IN_HDR + c.code.length + (fx ? 512 : 0));
  b.writeUInt32LE(0x43363858, 0);
  b.writeUInt32LE(c.code.length, 4);
  b.writeUInt32LE((fx ? 1 : 0) | (c.dumpFpu ? 2 : 0), 8);
  for (let i = 0; i < 8; i++) b.writeUInt32LE(c.regs[i] >>> 0, 12 + i * 4);
  b.writeUInt32LE(c.eflags >>> 0, 44);
  if (c.scratch) b.set(c.scratch.subarray(0, PAGE), 48);
  if (c.stack) b.set(c.stack.subarray(0, PAGE), 48 + PAGE);
  b.set(c.code, IN_HDR);
  if (fx) b.set(c.fxsave!, IN_HDR + c.code.length);
  return b;
}

/** Runs every case natively, in order, in one runner process. */
export function runOnHost(cases: DiffCase[]): DiffResult[] {
  if (cases.length === 0) return [];
  const input = Buffer.concat(cases.map(encodeCase));
  const r = spawnSync(hostRunner(), [], { input, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`diff oracle: host runner exited with status ${r.status} signal ${r.signal}`);
  const out = r.stdout;
  const results: DiffResult[] = [];
  let p = 0;
  for (const c of cases) {
    if (p + OUT_REC > out.length || out.readUInt32LE(p) !== 0x52363858) throw new Error(`diff oracle: bad runner output at case ${results.length}`);
    const regs: number[] = [];
    for (let i = 0; i < 8; i++) regs.push(out.readUInt32LE(p + 28 + i * 4));
    const signal = out.readUInt32LE(p + 4);
    const res: DiffResult = {
      signal,
      trapno: signal === 0 ? 0 : out.readUInt32LE(p + 16),
      faultAddr: out.readUInt32LE(p + 12),
      eip: out.readUInt32LE(p + 24),
      regs,
      eflags: out.readUInt32LE(p + 60),
      scratch: new Uint8Array(out.subarray(p + OUT_HDR, p + OUT_HDR + PAGE)),
      stack: new Uint8Array(out.subarray(p + OUT_HDR + PAGE, p + OUT_REC)),
    };
    p += OUT_REC;
    if (c.dumpFpu) {
      res.fxsave = new Uint8Array(out.subarray(p, p + 512));
      p += 512;
    }
    results.push(res);
  }
  if (p !== out.length) throw new Error("diff oracle: runner output longer than expected");
  return results;
}
