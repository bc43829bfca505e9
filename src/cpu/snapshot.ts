// CPU and x87 state as a snapshot with named fields (save/restore, Firecracker style), and the
// caches a snapshot point drops.
//
// Saved: everything architectural or that steers future execution — registers, EIP, EFLAGS as
// the lazy-flag fields exactly as they stand (so a restored CPU computes every flag bit the way
// the original would), descriptor caches, GDTR/IDTR, CR0-CR4, the PAE PDPTEs, DR0-DR7, the MSR
// state, the CPU model's CPUID.1 feature words, icount, HLT / interrupt-shadow / stop /
// attention state, the exception being delivered, a shutdown reason, a pending data-breakpoint
// trap, and the x87 registers and environment.
//
// Not saved (derived or transient): CPL, code32/stack32, segment fast-check limits and the
// access masks (updateMode), the breakpoint summaries (updateDebugState), the TLB, the
// decoded-instruction cache, the code-fetch page, per-instruction scratch (startEip/startEsp,
// rmwSeg/rmwOff, icountLimit), and the once-only report keys.
//
// Canonical caches: a snapshot point is a point where the TLB and the decode cache are empty,
// both in the machine that took the snapshot (dropTranslationCaches at take time) and in one
// restored from it. A TLB flush is always architecturally allowed (SDM Vol.3 4.10.4.4: the
// processor may invalidate entries at any time), and doing it on both sides keeps "restore, run
// M" identical to "keep running M" even for a guest that relies on stale translations.

import type { Cpu } from "./cpu.js";
import { getEflags } from "./flags.js";
import { updateDebugState } from "./system/debug.js";
import type { Fpu } from "./x87/fpu.js";

export interface SegmentState {
  sel: number;
  base: number;
  /** Byte-granular limit (uint32 as int32). */
  limit: number;
  /** Access rights in VMX layout (cpu.ts segAttr). */
  attr: number;
}

export interface FpuRegisterState {
  /** Sign (bit 15) and biased exponent. */
  signExp: number;
  /** Significand bits 63..32 and 31..0. */
  mantHi: number;
  mantLo: number;
}

export interface FpuState {
  /** Physical registers R0..R7 (not ST(i): TOP says which is ST(0)). */
  physRegs: FpuRegisterState[];
  cw: number;
  /** Status word without TOP. */
  sw: number;
  top: number;
  /** Abridged tag: bit i set = R_i not empty. */
  ftw: number;
  fip: number; fcs: number; fdp: number; fds: number; fop: number;
}

export interface CpuState {
  regs: { eax: number; ecx: number; edx: number; ebx: number; esp: number; ebp: number; esi: number; edi: number };
  eip: number;
  /** EFLAGS as the guest would read it (informational: restore uses `lazyFlags`). */
  eflags: number;
  /** flags.ts representation: `raw` holds every bit not named in `mask`; the masked status flags follow from op/size/a/b/res. */
  lazyFlags: { raw: number; mask: number; op: number; size: number; a: number; b: number; res: number };
  segments: { es: SegmentState; cs: SegmentState; ss: SegmentState; ds: SegmentState; fs: SegmentState; gs: SegmentState; ldtr: SegmentState; tr: SegmentState };
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  cr0: number; cr2: number; cr3: number; cr4: number;
  /** PAE PDPTE registers, low/high dword pairs. */
  pdpte: number[];
  /** DR0..DR7 (DR4/DR5 unused). */
  dr: number[];
  msr: {
    sysenterCs: number; sysenterEsp: number; sysenterEip: number;
    patLo: number; patHi: number;
    /** Added to the host's TSC reading (WRMSR IA32_TSC). */
    tscOffset: number;
    mtrrVarLo: number[]; mtrrVarHi: number[]; mtrrFixedLo: number[]; mtrrFixedHi: number[];
    mtrrDefType: number;
    miscEnableLo: number; miscEnableHi: number;
  };
  cpuid: { edx1: number; ecx1: number };
  exec: {
    icount: number;
    halted: boolean;
    inhibitIrq: boolean;
    /** Vector being delivered (double-fault rules), -1 if none. */
    excInProgress: number;
    shutdownReason: string;
    stopRequested: boolean;
    attention: number;
    /** B0-B3 of data/I/O breakpoints awaiting their #DB trap. */
    dbgTrap: number;
  };
  fpu: FpuState;
}

const SEGMENT_NAMES = ["es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"] as const;
const REG_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;

/** A snapshot whose structure does not match what restore expects; `field` is the path. */
export class StateShapeError extends Error {
  constructor(readonly field: string, reason: string) {
    super(`state field ${field}: ${reason}`);
    this.name = "StateShapeError";
  }
}

/** The CPU's state with named fields. */
export function saveCpu(cpu: Cpu): CpuState {
  const seg = (s: number): SegmentState => ({ sel: cpu.segSel[s], base: cpu.segBase[s], limit: cpu.segLimit[s], attr: cpu.segAttr[s] });
  const m = cpu.msrs;
  return {
    regs: {
      eax: cpu.regs[0], ecx: cpu.regs[1], edx: cpu.regs[2], ebx: cpu.regs[3],
      esp: cpu.regs[4], ebp: cpu.regs[5], esi: cpu.regs[6], edi: cpu.regs[7],
    },
    eip: cpu.eip,
    eflags: getEflags(cpu),
    lazyFlags: { raw: cpu.flags, mask: cpu.lzMask, op: cpu.lzOp, size: cpu.lzSz, a: cpu.lzA, b: cpu.lzB, res: cpu.lzRes },
    segments: { es: seg(0), cs: seg(1), ss: seg(2), ds: seg(3), fs: seg(4), gs: seg(5), ldtr: seg(6), tr: seg(7) },
    gdtr: { base: cpu.gdtrBase, limit: cpu.gdtrLimit },
    idtr: { base: cpu.idtrBase, limit: cpu.idtrLimit },
    cr0: cpu.cr0, cr2: cpu.cr2, cr3: cpu.cr3, cr4: cpu.cr4,
    pdpte: Array.from(cpu.pdpte),
    dr: Array.from(cpu.dr),
    msr: {
      sysenterCs: cpu.sysenterCs, sysenterEsp: cpu.sysenterEsp, sysenterEip: cpu.sysenterEip,
      patLo: cpu.patLo, patHi: cpu.patHi,
      tscOffset: cpu.tscOffset,
      mtrrVarLo: Array.from(m.varLo), mtrrVarHi: Array.from(m.varHi),
      mtrrFixedLo: Array.from(m.fixedLo), mtrrFixedHi: Array.from(m.fixedHi),
      mtrrDefType: m.defType,
      miscEnableLo: m.miscEnableLo, miscEnableHi: m.miscEnableHi,
    },
    cpuid: { edx1: cpu.cpuidEdx1, ecx1: cpu.cpuidEcx1 },
    exec: {
      icount: cpu.icount,
      halted: cpu.halted,
      inhibitIrq: cpu.inhibitIrq,
      excInProgress: cpu.excInProgress,
      shutdownReason: cpu.shutdownReason,
      stopRequested: cpu.stopRequested,
      attention: cpu.attention,
      dbgTrap: cpu.dbgTrap,
    },
    fpu: saveFpu(cpu.fpu),
  };
}

export function saveFpu(f: Fpu): FpuState {
  const physRegs: FpuRegisterState[] = [];
  for (let r = 0; r < 8; r++) physRegs.push({ signExp: f.signExp[r], mantHi: f.mantHi[r], mantLo: f.mantLo[r] });
  return { physRegs, cw: f.cw, sw: f.sw, top: f.top, ftw: f.ftw, fip: f.fip, fcs: f.fcs, fdp: f.fdp, fds: f.fds, fop: f.fop };
}

/**
 * Replaces the CPU's state with `s` (from saveCpu, possibly decoded from a file: every field is
 * checked first, so a malformed state throws StateShapeError and leaves the CPU untouched),
 * then rederives the mode, drops the TLB and decode cache, and recomputes the debug state.
 */
export function restoreCpu(cpu: Cpu, s: CpuState): void {
  checkCpuState(s);
  const regs = s.regs;
  for (let i = 0; i < 8; i++) cpu.regs[i] = regs[REG_NAMES[i]];
  cpu.eip = s.eip;
  const lf = s.lazyFlags;
  cpu.flags = lf.raw; cpu.lzMask = lf.mask; cpu.lzOp = lf.op; cpu.lzSz = lf.size;
  cpu.lzA = lf.a; cpu.lzB = lf.b; cpu.lzRes = lf.res;
  cpu.cr0 = s.cr0; cpu.cr2 = s.cr2; cpu.cr3 = s.cr3; cpu.cr4 = s.cr4;
  for (let i = 0; i < 8; i++) {
    const g = s.segments[SEGMENT_NAMES[i]];
    cpu.setSegCache(i, g.sel, g.base, g.limit, g.attr);
  }
  cpu.gdtrBase = s.gdtr.base; cpu.gdtrLimit = s.gdtr.limit;
  cpu.idtrBase = s.idtr.base; cpu.idtrLimit = s.idtr.limit;
  cpu.pdpte.set(s.pdpte);
  cpu.dr.set(s.dr);
  const ms = s.msr, m = cpu.msrs;
  cpu.sysenterCs = ms.sysenterCs; cpu.sysenterEsp = ms.sysenterEsp; cpu.sysenterEip = ms.sysenterEip;
  cpu.patLo = ms.patLo; cpu.patHi = ms.patHi;
  cpu.tscOffset = ms.tscOffset;
  m.varLo.set(ms.mtrrVarLo); m.varHi.set(ms.mtrrVarHi);
  m.fixedLo.set(ms.mtrrFixedLo); m.fixedHi.set(ms.mtrrFixedHi);
  m.defType = ms.mtrrDefType;
  m.miscEnableLo = ms.miscEnableLo; m.miscEnableHi = ms.miscEnableHi;
  cpu.cpuidEdx1 = s.cpuid.edx1; cpu.cpuidEcx1 = s.cpuid.ecx1;
  const e = s.exec;
  cpu.icount = e.icount;
  cpu.halted = e.halted;
  cpu.inhibitIrq = e.inhibitIrq;
  cpu.excInProgress = e.excInProgress;
  cpu.shutdownReason = e.shutdownReason;
  cpu.stopRequested = e.stopRequested;
  cpu.dbgTrap = e.dbgTrap;
  restoreFpu(cpu.fpu, s.fpu);
  cpu.startEip = cpu.eip;
  cpu.startEsp = cpu.regs[4];
  cpu.updateMode();
  dropTranslationCaches(cpu);
  updateDebugState(cpu);
  cpu.attention = e.attention; // updateDebugState pokes; the saved value is the exact one
}

export function restoreFpu(f: Fpu, s: FpuState): void {
  for (let r = 0; r < 8; r++) {
    const p = s.physRegs[r];
    f.signExp[r] = p.signExp; f.mantHi[r] = p.mantHi; f.mantLo[r] = p.mantLo;
  }
  f.cw = s.cw; f.sw = s.sw; f.top = s.top & 7; f.ftw = s.ftw & 0xff;
  f.fip = s.fip; f.fcs = s.fcs; f.fdp = s.fdp; f.fds = s.fds; f.fop = s.fop;
}

/**
 * Empties the TLB, the code-fetch page and the decoded-instruction cache (and the per-page
 * "holds cached code" marks that go with it). Called at every snapshot point, on both sides.
 */
export function dropTranslationCaches(cpu: Cpu): void {
  cpu.flushTlb(false);
  cpu.phys.dropCaches();
  cpu.decTag.fill(-1);
  cpu.blocks.clear();
  cpu.mem.codePage.fill(0);
}

// ---- shape checks (a snapshot read from a file is untrusted input) ----

function fail(field: string, reason: string): never {
  throw new StateShapeError(field, reason);
}
function obj(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) fail(field, "expected a map");
  return v as Record<string, unknown>;
}
function int(o: Record<string, unknown>, k: string, path: string): void {
  const v = o[k];
  if (typeof v !== "number" || !Number.isInteger(v)) fail(`${path}.${k}`, `expected an integer, got ${typeof v === "number" ? v : typeof v}`);
}
function finite(o: Record<string, unknown>, k: string, path: string): void {
  if (typeof o[k] !== "number" || !Number.isFinite(o[k])) fail(`${path}.${k}`, "expected a number");
}
function bool(o: Record<string, unknown>, k: string, path: string): void {
  if (typeof o[k] !== "boolean") fail(`${path}.${k}`, "expected a boolean");
}
function ints(o: Record<string, unknown>, k: string, n: number, path: string): void {
  const v = o[k];
  if (!Array.isArray(v) || v.length !== n) fail(`${path}.${k}`, `expected ${n} integers`);
  for (let i = 0; i < n; i++) if (!Number.isInteger(v[i])) fail(`${path}.${k}[${i}]`, "expected an integer");
}
function intsIn(o: Record<string, unknown>, keys: readonly string[], path: string): void {
  for (const k of keys) int(o, k, path);
}

/** Throws StateShapeError naming the first field of `s` that is missing or of the wrong type. */
export function checkCpuState(s: unknown, path = "cpu"): asserts s is CpuState {
  const o = obj(s, path);
  intsIn(obj(o.regs, `${path}.regs`), REG_NAMES, `${path}.regs`);
  intsIn(o, ["eip", "eflags", "cr0", "cr2", "cr3", "cr4"], path);
  intsIn(obj(o.lazyFlags, `${path}.lazyFlags`), ["raw", "mask", "op", "size", "a", "b", "res"], `${path}.lazyFlags`);
  const segs = obj(o.segments, `${path}.segments`);
  for (const n of SEGMENT_NAMES) intsIn(obj(segs[n], `${path}.segments.${n}`), ["sel", "base", "limit", "attr"], `${path}.segments.${n}`);
  intsIn(obj(o.gdtr, `${path}.gdtr`), ["base", "limit"], `${path}.gdtr`);
  intsIn(obj(o.idtr, `${path}.idtr`), ["base", "limit"], `${path}.idtr`);
  ints(o, "pdpte", 8, path);
  ints(o, "dr", 8, path);
  const msr = obj(o.msr, `${path}.msr`);
  intsIn(msr, ["sysenterCs", "sysenterEsp", "sysenterEip", "patLo", "patHi", "mtrrDefType", "miscEnableLo", "miscEnableHi"], `${path}.msr`);
  finite(msr, "tscOffset", `${path}.msr`);
  ints(msr, "mtrrVarLo", 16, `${path}.msr`); ints(msr, "mtrrVarHi", 16, `${path}.msr`);
  ints(msr, "mtrrFixedLo", 11, `${path}.msr`); ints(msr, "mtrrFixedHi", 11, `${path}.msr`);
  intsIn(obj(o.cpuid, `${path}.cpuid`), ["edx1", "ecx1"], `${path}.cpuid`);
  const e = obj(o.exec, `${path}.exec`);
  intsIn(e, ["icount", "excInProgress", "attention", "dbgTrap"], `${path}.exec`);
  for (const k of ["halted", "inhibitIrq", "stopRequested"]) bool(e, k, `${path}.exec`);
  if (typeof e.shutdownReason !== "string") fail(`${path}.exec.shutdownReason`, "expected a string");
  if ((e.icount as number) < 0) fail(`${path}.exec.icount`, "negative");
  checkFpuState(o.fpu, `${path}.fpu`);
}

export function checkFpuState(s: unknown, path = "fpu"): asserts s is FpuState {
  const o = obj(s, path);
  intsIn(o, ["cw", "sw", "top", "ftw", "fip", "fcs", "fdp", "fds", "fop"], path);
  const regs = o.physRegs;
  if (!Array.isArray(regs) || regs.length !== 8) fail(`${path}.physRegs`, "expected 8 registers");
  regs.forEach((r, i) => intsIn(obj(r, `${path}.physRegs[${i}]`), ["signExp", "mantHi", "mantLo"], `${path}.physRegs[${i}]`));
}
