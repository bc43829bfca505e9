// The emulator side of the differential oracle: runs a DiffCase in x86rr with the same layout as
// the host runner (hostcpu.ts) and returns the same DiffResult.
//
// Setup: flat 32-bit protected mode at CPL 3 like the host process (CR0.AM set as Linux does,
// IOPL 0), paging on, with only the three runner pages (code, scratch, stack) identity-mapped as
// user pages, so a stray access faults (#PF) as it does on the host;
// segment selectors read as on the host (CS 0x23, DS/ES/SS 0x2b, GS null); FS holds the
// runner's LDT data segment (base SCRATCH_ADDR, limit 0xFFFF).
// The snippet is followed by HLT (the host runner has its jump there instead); at CPL 3 it raises
// #GP(0), which at that address means the snippet ran to its end.
//
// Faults: the CPU is started with excInProgress = #DF, so the first exception takes the
// architectural triple-fault path (SDM Vol.3 Table 6-5) instead of being delivered: run() stops
// with EIP and ESP rolled back to the faulting instruction and the vector in FAULT. The IDT
// limit is 0, so a software interrupt (INT3, INTO, INT n) turns into #GP with error code
// vector*8+2, from which the original vector is recovered (EIP is then put after the
// instruction, as the host's trap frame has it). Vectors map to the Linux signals the host
// would get: #DE/#MF/#XM→SIGFPE, #UD→SIGILL, #GP/#PF/#OF/#BR→SIGSEGV, #SS/#AC→SIGBUS,
// #DB/#BP→SIGTRAP. An instruction budget stands in for the host's alarm (SIGALRM).

import { Cpu, STOP_HALT, STOP_LIMIT, STOP_SHUTDOWN } from "../../src/cpu/cpu.js";
import { Cr0, Desc, Eflags, Exc, Reg, Seg } from "../../src/cpu/constants.js";
import { FAULT } from "../../src/cpu/fault.js";
import { getEflags } from "../../src/cpu/flags.js";
import type { Fpu } from "../../src/cpu/x87/fpu.js";
import { flat32, makeCpu, TestHost } from "../cpu/harness.js";
import { CODE_ADDR, DiffCase, DiffResult, FS_BASE, FS_LIMIT, FS_SELECTOR, PAGE, SCRATCH_ADDR, SIGALRM, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP, STACK_ADDR } from "./hostcpu.js";

const MEM_SIZE = 2 << 20;
/** Linux's i386 user selectors (__USER32_CS, __USER_DS), which the host runner runs with. */
const HOST_CS = 0x23, HOST_DS = 0x2b;
const PD_ADDR = 0x10000, PT_ADDR = 0x11000;
const FLAGS_LOAD = 0x0ed5; // CF PF AF ZF SF DF OF, as the host runner loads them
const MAX_INSNS = 100_000;

export interface EmuResult extends DiffResult {
  /** An EmulatorBug or other internal error thrown by the emulator (then the state is partial). */
  error?: string;
  /** Diagnostics the CPU reported (unimplemented instructions...). */
  reports: string[];
}

/** Linux signal for an exception vector (arch/x86/kernel/traps.c). */
export function signalForVector(v: number): number {
  switch (v) {
    case 0: case 16: case 19: return SIGFPE;
    case 1: case 3: return SIGTRAP;
    case 6: return SIGILL;
    case 12: case 17: return SIGBUS;
    default: return SIGSEGV;
  }
}

let shared: { cpu: Cpu; host: TestHost } | undefined;

function machine(): { cpu: Cpu; host: TestHost } {
  if (!shared) {
    const { cpu, host } = makeCpu(MEM_SIZE);
    shared = { cpu, host };
  }
  return shared;
}

/** Runs one case in the emulator. */
export function runOnEmu(c: DiffCase): EmuResult {
  const { cpu, host } = machine();
  const mem = cpu.mem;
  const bytes = mem.bytes;
  host.reports.length = 0;
  host.shutdownReason = "";
  // Pages: code (0xCC fill, snippet, HLT), scratch, stack, then the page tables.
  bytes.fill(0xcc, CODE_ADDR, CODE_ADDR + PAGE);
  bytes.set(c.code, CODE_ADDR);
  // The HLT goes where the runner puts its jump; with no room for that (a snippet ending within 5
  // bytes of the page end), the 0xCC fill stays, as on the host.
  if (c.code.length <= PAGE - 5) bytes[CODE_ADDR + c.code.length] = 0xf4;
  bytes.fill(0, SCRATCH_ADDR, SCRATCH_ADDR + PAGE);
  if (c.scratch) bytes.set(c.scratch.subarray(0, PAGE), SCRATCH_ADDR);
  bytes.fill(0, STACK_ADDR, STACK_ADDR + PAGE);
  if (c.stack) bytes.set(c.stack.subarray(0, PAGE), STACK_ADDR);
  bytes.fill(0, PD_ADDR, PT_ADDR + PAGE);
  mem.view.setUint32(PD_ADDR, PT_ADDR | 7, true); // P RW US
  for (const a of [CODE_ADDR, SCRATCH_ADDR, STACK_ADDR]) mem.view.setUint32(PT_ADDR + (a >>> 12) * 4, a | 7, true);
  for (const a of [CODE_ADDR, SCRATCH_ADDR, STACK_ADDR, PD_ADDR, PT_ADDR]) mem.invalidateCode(a, PAGE);

  cpu.reset();
  cpu.shutdownReason = "";
  flat32(cpu, CODE_ADDR, c.regs[Reg.ESP]);
  for (let i = 0; i < 8; i++) cpu.regs[i] = c.regs[i] | 0;
  // The selectors of a 32-bit Linux process, flat DPL-3 descriptors (CPL 3); GS is null.
  for (const [seg, sel] of [[Seg.ES, HOST_DS], [Seg.CS, HOST_CS], [Seg.SS, HOST_DS], [Seg.DS, HOST_DS]]) {
    cpu.setSegCache(seg, sel, cpu.segBase[seg], cpu.segLimit[seg], cpu.segAttr[seg] | (3 << Desc.DPL_SHIFT));
  }
  cpu.setSegCache(Seg.GS, 0, 0, 0, Desc.UNUSABLE);
  // A busy 32-bit TSS too short to hold an I/O map base: at CPL 3 with IOPL 0, I/O instructions
  // then raise #GP(0), as Linux's (bitmap-less for this process) TSS makes them do on the host.
  cpu.setSegCache(Seg.TR, 0x80, 0, 0, Desc.P | 11);
  cpu.setSegCache(Seg.FS, FS_SELECTOR, FS_BASE, FS_LIMIT, Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | (3 << Desc.DPL_SHIFT));
  cpu.flags = (c.eflags & FLAGS_LOAD) | Eflags.IF | Eflags.FIXED1;
  cpu.lzMask = 0;
  cpu.cr3 = PD_ADDR;
  cpu.cr0 |= Cr0.PG | Cr0.AM; // Linux runs user code with CR0.AM set
  cpu.idtrBase = 0;
  cpu.idtrLimit = 0;
  cpu.flushTlb();
  cpu.updateMode();
  if (c.fxsave) fpuFromFxsave(cpu.fpu, c.fxsave);
  cpu.excInProgress = Exc.DF;

  let signal = 0, trapno = 0, faultAddr = 0, error: string | undefined;
  const end = CODE_ADDR + c.code.length;
  try {
    const stop = cpu.run(cpu.icount + MAX_INSNS);
    if (stop === STOP_HALT) {
      cpu.eip = (cpu.eip - 1) | 0; // report the HLT's address: where the host runner's jump is
      if (cpu.eip !== end) { signal = SIGSEGV; trapno = 13; } // HLT outside the snippet end: #GP in user mode
    } else if (stop === STOP_SHUTDOWN) {
      // The vector that hit the #DF-in-progress path, as the shutdown report names it (a trap
      // such as single-step #DB arrives there without going through FAULT).
      const m = /exception (\d+) while delivering #DF/.exec(host.shutdownReason);
      trapno = m ? Number(m[1]) : FAULT.vector;
      if (trapno === 13 && FAULT.errorCode === 0 && cpu.eip === end && c.code.length <= PAGE - 5) {
        trapno = 0; // the terminating HLT, privileged at CPL 3: the snippet ran to its end
      }
      if (trapno === 13 && FAULT.errorCode >= 0 && (FAULT.errorCode & 7) === 2) {
        // A software interrupt hit the zero-limit IDT: the event is the gate's vector.
        trapno = FAULT.errorCode >>> 3;
        cpu.eip = (cpu.eip + instructionLength(cpu)) | 0;
      }
      if (trapno !== 0 || cpu.eip !== end) signal = signalForVector(trapno);
      if (trapno === 14) faultAddr = cpu.cr2 >>> 0;
    } else if (stop === STOP_LIMIT) {
      signal = SIGALRM;
    } else {
      error = `unexpected stop reason ${stop}`;
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  cpu.excInProgress = -1;
  const regs: number[] = [];
  for (let i = 0; i < 8; i++) regs.push(cpu.regs[i] >>> 0);
  const res: EmuResult = {
    signal, trapno, faultAddr, eip: cpu.eip >>> 0, regs, eflags: getEflags(cpu) >>> 0,
    scratch: bytes.slice(SCRATCH_ADDR, SCRATCH_ADDR + PAGE),
    stack: bytes.slice(STACK_ADDR, STACK_ADDR + PAGE),
    reports: host.reports.slice(),
  };
  if (error !== undefined) res.error = error;
  if (c.dumpFpu) res.fxsave = fxsaveFromFpu(cpu.fpu);
  return res;
}

/** Length of the software-interrupt instruction at EIP: prefixes, then CC/CE/F1 (1 byte) or CD ib (2). */
function instructionLength(cpu: Cpu): number {
  const b = cpu.mem.bytes;
  let p = cpu.eip >>> 0, n = 0;
  while (n < 15 && [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3].includes(b[p + n])) n++;
  const op = b[p + n];
  return n + (op === 0xcd ? 2 : 1);
}

// ---- x87 state as FXSAVE images (SDM Vol.1 10.5.1, Table 10-2) ----

/** The x87 fields an FXSAVE image carries, as the Fpu class keeps them (abridged tag `ftw`). */
interface FpuState {
  cw: number; sw: number; top: number; ftw: number;
  fip: number; fcs: number; fdp: number; fds: number; fop: number;
  mantLo: Int32Array; mantHi: Int32Array; signExp: Uint16Array;
}

/** Loads the x87 part of a 512-byte FXSAVE image (as FXRSTOR would). */
export function fpuFromFxsave(fpu: Fpu, img: Uint8Array): void {
  const f = fpu as unknown as FpuState;
  const v = new DataView(img.buffer, img.byteOffset, 512);
  f.cw = v.getUint16(0, true);
  const sw = v.getUint16(2, true);
  f.top = (sw >> 11) & 7;
  f.sw = sw & ~0x3800;
  f.ftw = v.getUint8(4);
  f.fop = v.getUint16(6, true) & 0x7ff;
  f.fip = v.getUint32(8, true) | 0;
  f.fcs = v.getUint16(12, true);
  f.fdp = v.getUint32(16, true) | 0;
  f.fds = v.getUint16(20, true);
  for (let i = 0; i < 8; i++) {
    const phys = (f.top + i) & 7;
    f.mantLo[phys] = v.getUint32(32 + 16 * i, true) | 0;
    f.mantHi[phys] = v.getUint32(36 + 16 * i, true) | 0;
    f.signExp[phys] = v.getUint16(40 + 16 * i, true);
  }
}

/** The 512-byte FXSAVE image of the x87 state (MXCSR 0x1f80, MXCSR_MASK 0xffff, XMM zero). */
export function fxsaveFromFpu(fpu: Fpu): Uint8Array {
  const f = fpu as unknown as FpuState;
  const img = new Uint8Array(512);
  const v = new DataView(img.buffer);
  v.setUint16(0, f.cw, true);
  v.setUint16(2, (f.sw & ~0x3800) | ((f.top & 7) << 11), true);
  v.setUint8(4, f.ftw & 0xff);
  v.setUint16(6, f.fop & 0x7ff, true);
  v.setUint32(8, f.fip >>> 0, true);
  v.setUint16(12, f.fcs, true);
  v.setUint32(16, f.fdp >>> 0, true);
  v.setUint16(20, f.fds, true);
  v.setUint32(24, 0x1f80, true);
  v.setUint32(28, 0xffff, true);
  for (let i = 0; i < 8; i++) {
    const phys = (f.top + i) & 7;
    v.setUint32(32 + 16 * i, f.mantLo[phys] >>> 0, true);
    v.setUint32(36 + 16 * i, f.mantHi[phys] >>> 0, true);
    v.setUint16(40 + 16 * i, f.signExp[phys], true);
  }
  return img;
}
