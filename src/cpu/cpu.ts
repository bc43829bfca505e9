// The virtual CPU: architectural state, the run loop, and the instruction-boundary logic
// (interrupts, single-step, halt). Instruction semantics live in ops/, system behaviour in
// system/, the FPU in x87/, address translation in mmu.ts.

import { Cr0, Desc, Eflags, Exc, Reg, Seg } from "./constants.js";
import { decode, Rec } from "./decoder.js";
import { FAULT, raise } from "./fault.js";
import type { CpuHost } from "./host.js";
import { HostMemory, PhysicalMap } from "./memory.js";
import { Tlb, TlbBit, Xl, type AccessWatch } from "./mmu.js";
import { HANDLERS } from "./ops/index.js";
import { BlockCache, BLOCK_ARENA_RECORDS, BLOCK_HOT } from "./blocks.js";
import { deliverException, deliverExternal, EV_TRAP_DB } from "./system/interrupts.js";
import { DR6_BS, instructionBreakpoints, noteDebugException } from "./system/debug.js";
import { MsrFile } from "./system/msr.js";
import { CPUID_DEFAULT_ECX1, CPUID_DEFAULT_EDX1 } from "./cpuid.js";
import { Fpu } from "./x87/fpu.js";

/**
 * Decoded-instruction cache: DCACHE_SLOTS records, direct-mapped by host-physical address of the
 * instruction's first byte. A slot is valid when decTag = host address (bit 31 set for 32-bit
 * code) and decGen = the page's codeGen. Instructions crossing a page are never cached.
 * The record after the last slot (DEC_SCRATCH) is for uncached decodes.
 */
const DCACHE_SLOTS = 1 << 16;
const DCACHE_MASK = DCACHE_SLOTS - 1;
export const DEC_SCRATCH = DCACHE_SLOTS * Rec.STRIDE;

/** Why run() returned. */
export const STOP_LIMIT = 0, STOP_HALT = 1, STOP_REQUEST = 2, STOP_SHUTDOWN = 3;

export class Cpu {
  // ---- general state ----
  readonly regs = new Int32Array(8);
  eip = 0;
  /** EFLAGS except the status flags named in lzMask (see flags.ts). */
  flags = Eflags.FIXED1;
  lzMask = 0; lzOp = 0; lzSz = 31; lzA = 0; lzB = 0; lzRes = 0;

  // ---- segment descriptor caches: ES CS SS DS FS GS LDTR TR ----
  readonly segSel = new Uint16Array(8);
  readonly segBase = new Int32Array(8);
  /** Byte-granular limit (uint32 stored in int32). */
  readonly segLimit = new Int32Array(8);
  /** Access rights in VMX layout: type 0-3, S 4, DPL 5-6, P 7, AVL 12, D/B 14, G 15, unusable 16. */
  readonly segAttr = new Int32Array(8);
  /** Highest offset a read/write may start its last byte at without the slow check, or -1 (mmu.ts). */
  readonly segLimR = new Float64Array(6);
  readonly segLimW = new Float64Array(6);
  gdtrBase = 0; gdtrLimit = 0xffff;
  idtrBase = 0; idtrLimit = 0x3ff;

  // ---- control, debug, model-specific ----
  cr0 = 0; cr2 = 0; cr3 = 0; cr4 = 0;
  /** PAE page-directory-pointer-table registers, low/high dword pairs (pae.ts loadPdptes). */
  readonly pdpte = new Int32Array(8);
  readonly dr = new Int32Array(8);
  sysenterCs = 0; sysenterEsp = 0; sysenterEip = 0;
  /** IA32_PAT low and high halves (power-on value 0x0007040600070406). */
  patLo = 0x00070406; patHi = 0x00070406;
  tscOffset = 0;
  /** MTRRs, IA32_MISC_ENABLE (system/msr.ts). */
  readonly msrs = new MsrFile();
  /** CPUID.1 EDX/ECX of the CPU model: gate CR4 bits and MSRs (cpuid.ts applyCpuModel). */
  cpuidEdx1 = CPUID_DEFAULT_EDX1;
  cpuidEcx1 = CPUID_DEFAULT_ECX1;
  /** Enabled breakpoints by kind, derived from DR7 (system/debug.ts). */
  dbgExecLive = false;
  dbgDataLive = false;
  dbgIoLive = false;
  /** B0-B3 bits of data/I/O breakpoints hit by the current instruction (a #DB trap after it). */
  dbgTrap = 0;
  /** Debugger data-access observer (mmu.ts AccessWatch); flush the TLB after changing it. */
  accessWatch: AccessWatch | null = null;

  // ---- derived mode (updateMode) ----
  cpl = 0;
  code32 = false;
  stack32 = false;
  /** TLB permission bits needed for a data read / write at the current privilege. */
  accR = TlbBit.RS; accW = TlbBit.WS;
  /** XL_USER when accesses are user-mode (CPL 3), else 0. */
  xlUser = 0;
  alignCheckLive = false;

  // ---- execution ----
  /**
   * Guest instructions retired since reset: the timeline every event is addressed by.
   * An instruction that faults is not retired. Each iteration of a REP-prefixed string
   * instruction retires as one instruction (so interrupts and deadlines can fall between
   * iterations, with EIP still at the string instruction, as on hardware).
   */
  icount = 0;
  /**
   * The icount run() must not pass. A handler that retires several units at once (REP string
   * iterations) stops when icount + 1 reaches this, or when attention is set.
   */
  icountLimit = 0;
  halted = false;
  /** Nonzero: the loop must leave the fast path at the next boundary (interrupt, TF, stop...). */
  attention = 0;
  stopRequested = false;
  shutdownReason = "";
  /** Interrupts are inhibited for one instruction after STI / MOV SS / POP SS (SDM Vol.3 6.8.3). */
  inhibitIrq = false;
  startEip = 0;
  startEsp = 0;
  /** Decoded instruction records (see decoder.ts): the cache slots, then the scratch record. */
  readonly dec = new Int32Array(DEC_SCRATCH + Rec.STRIDE + BLOCK_ARENA_RECORDS * Rec.STRIDE);
  readonly decTag = new Int32Array(DCACHE_SLOTS).fill(-1);
  readonly decGen = new Int32Array(DCACHE_SLOTS);
  /** Compiled basic blocks (blocks.ts), keyed like the decode cache; their records follow the scratch record. */
  readonly blocks = new BlockCache(DCACHE_SLOTS, DEC_SCRATCH + Rec.STRIDE);
  /** Set while the block compiler decodes ahead: decoding must not report anything. */
  quietDecode = false;
  /** Run compiled blocks (false: interpret every instruction; tests compare the two). */
  useBlocks = true;
  /** Address of a read-modify-write operand between its read and its write (ops/operands.ts). */
  rmwSeg = 0;
  rmwOff = 0;
  /** CS limit as an unsigned number, and whether it can ever fail (false for a 4 GiB CS): hot-loop shortcut. */
  csLimitU = 0xffff;
  csLimitChecked = true;
  /** Code-fetch page cache: linear page and its host offset (-1 = none). */
  fetchLin = 0;
  fetchHost = -1;

  readonly tlb = new Tlb();
  readonly fpu = new Fpu();
  /** Vector of the exception being delivered, for the double-fault rules (-1: none). */
  excInProgress = -1;
  private readonly reported = new Set<string>();

  constructor(
    readonly mem: HostMemory,
    public phys: PhysicalMap,
    public host: CpuHost,
  ) {
    this.reset();
  }

  /** Power-on / RESET state (SDM Vol.3 Table 10-1). */
  reset(): void {
    this.regs.fill(0);
    this.regs[2] = 0x0663; // EDX: family 6, model 6, stepping 3 (CPUID signature)
    this.eip = 0xfff0;
    this.flags = Eflags.FIXED1;
    this.lzMask = 0;
    this.cr0 = Cr0.ET | Cr0.NW | Cr0.CD;
    this.cr2 = 0; this.cr3 = 0; this.cr4 = 0;
    this.pdpte.fill(0);
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0 | 0; this.dr[7] = 0x400;
    this.dbgExecLive = false; this.dbgDataLive = false; this.dbgIoLive = false; this.dbgTrap = 0;
    this.msrs.reset();
    this.tscOffset = 0;
    // SDM Vol.3 Table 9-1: every segment, CS included, is "present, R/W, accessed" after reset.
    for (let s = 0; s < 6; s++) this.setSegCache(s, 0, 0, 0xffff, Desc.P | Desc.S | Desc.RW | 1);
    this.setSegCache(Seg.CS, 0xf000, 0xffff0000 | 0, 0xffff, Desc.P | Desc.S | Desc.RW | 1);
    this.setSegCache(6, 0, 0, 0xffff, Desc.P | 2);
    this.setSegCache(7, 0, 0, 0xffff, Desc.P | 11);
    this.gdtrBase = 0; this.gdtrLimit = 0xffff; this.idtrBase = 0; this.idtrLimit = 0x3ff;
    this.sysenterCs = 0; this.sysenterEsp = 0; this.sysenterEip = 0;
    this.halted = false; this.inhibitIrq = false; this.stopRequested = false;
    this.fpu.reset();
    this.tlb.flush(false);
    this.updateMode();
  }

  /** Loads a descriptor cache and derives the fast segment-check limits (mmu.ts). */
  setSegCache(seg: number, sel: number, base: number, limit: number, attr: number): void {
    this.segSel[seg] = sel;
    this.segBase[seg] = base | 0;
    this.segLimit[seg] = limit | 0;
    this.segAttr[seg] = attr;
    if (seg >= 6) return;
    this.deriveSegLimits(seg);
    if (seg === Seg.CS) {
      this.csLimitU = limit >>> 0;
      this.csLimitChecked = limit !== -1;
    }
    if (seg === Seg.CS) this.code32 = (attr & Desc.DB) !== 0 && (this.cr0 & Cr0.PE) !== 0 && (this.flags & Eflags.VM) === 0;
    if (seg === Seg.SS) this.stack32 = (attr & Desc.DB) !== 0;
  }

  /** The fast-check limits of one segment register (mmu.ts), from its cached type and limit. */
  private deriveSegLimits(seg: number): void {
    const attr = this.segAttr[seg];
    const lim = this.segLimit[seg] >>> 0;
    const usable = (attr & Desc.UNUSABLE) === 0;
    const code = (attr & Desc.CODE) !== 0;
    const expandDown = !code && (attr & Desc.DC) !== 0;
    const readable = usable && !expandDown && (!code || (attr & Desc.RW) !== 0);
    const writable = usable && !expandDown && !code && (attr & Desc.RW) !== 0;
    this.segLimR[seg] = readable ? lim : -1;
    this.segLimW[seg] = writable ? lim : -1;
  }

  /** Recomputes privilege-derived fields after CR0, CS, SS or EFLAGS.AC/VM changes. */
  updateMode(): void {
    const pe = (this.cr0 & Cr0.PE) !== 0;
    const vm = (this.flags & Eflags.VM) !== 0;
    // CPL is SS.DPL in protected mode (as VMX defines it; equal to CS.RPL except in conforming code).
    this.cpl = !pe ? 0 : vm ? 3 : (this.segAttr[Seg.SS] >> 5) & 3;
    this.code32 = pe && !vm && (this.segAttr[Seg.CS] & Desc.DB) !== 0;
    this.stack32 = (this.segAttr[Seg.SS] & Desc.DB) !== 0;
    const user = this.cpl === 3;
    this.alignCheckLive = user && (this.cr0 & Cr0.AM) !== 0 && (this.flags & Eflags.AC) !== 0;
    this.accR = this.alignCheckLive ? TlbBit.NEVER : user ? TlbBit.RU : TlbBit.RS;
    this.accW = this.alignCheckLive ? TlbBit.NEVER : user ? TlbBit.WU : TlbBit.WS;
    this.xlUser = user ? Xl.USER : 0;
    this.fetchHost = -1;
    for (let s = 0; s < 6; s++) this.deriveSegLimits(s);
  }

  /** Drops cached translations (CR3 load keeps global pages when `keepGlobal`). */
  flushTlb(keepGlobal = false): void {
    this.tlb.flush(keepGlobal);
    this.fetchHost = -1;
  }

  /** Sends every access through the slow path again without touching the architectural TLB. */
  dropFastPaths(): void {
    this.tlb.dropFast();
    this.fetchHost = -1;
  }

  /** Asks the run loop to come out of the fast path at the next instruction boundary. */
  poke(): void {
    this.attention = 1;
  }

  /**
   * A device deadline (icount) was set during run() before the run's limit: run() stops at the
   * first boundary at or after it, wherever the caller's slices fall.
   */
  lowerRunLimit(icount: number): void {
    if (icount < this.icountLimit) {
      this.icountLimit = icount;
      this.attention = 1;
    }
  }

  /** Stops run() at the next instruction boundary (used by debuggers and the machine). */
  requestStop(): void {
    this.stopRequested = true;
    this.attention = 1;
  }

  /**
   * Runs until icount reaches `until`, the CPU halts with nothing to wake it, a stop is
   * requested, or shutdown. Returns one of the STOP_* reasons.
   */
  run(until: number): number {
    this.icountLimit = until;
    for (;;) {
      if (this.attention !== 0) {
        const r = this.boundary();
        if (r >= 0) return r;
      }
      if (this.icount >= this.icountLimit) return STOP_LIMIT;
      try {
        if (this.attention !== 0 || (this.flags & (Eflags.TF | Eflags.RF)) !== 0 || this.dbgExecLive) this.stepObserved();
        else this.runFast(this.icountLimit);
      } catch (e) {
        if (e !== FAULT) throw e;
        this.eip = this.startEip;
        this.regs[Reg.ESP] = this.startEsp;
        this.dbgTrap = 0; // the instruction did not complete: its data breakpoint matches do not count
        deliverException(this, FAULT.vector, FAULT.errorCode);
      }
      if (this.shutdownReason !== "") return STOP_SHUTDOWN;
    }
  }

  private runFast(until: number): void {
    const dec = this.dec, regs = this.regs, tlbFlags = this.tlb.flags, tlbHost = this.tlb.host;
    const decTag = this.decTag, decGen = this.decGen, codeGen = this.mem.codeGen;
    const handlers = HANDLERS; // a local: an imported binding is re-checked on every use
    const blocks = this.blocks;
    while (this.icount < until && this.attention === 0) {
      const eip = this.eip;
      this.startEip = eip;
      this.startEsp = regs[Reg.ESP];
      const lin = (this.segBase[Seg.CS] + eip) | 0;
      const vpn = lin >>> 12;
      let d = DEC_SCRATCH;
      if ((tlbFlags[vpn] & this.accR) !== 0) {
        const h = tlbHost[vpn] + (lin & 0xfff);
        const slot = h & DCACHE_MASK;
        const tag = this.code32 ? h | 0x80000000 : h;
        if (!this.csLimitChecked && this.useBlocks) {
          const bf = blocks.fn[slot];
          if (bf !== undefined && blocks.tag[slot] === tag && blocks.gen[slot] === codeGen[h >>> 12]) {
            if (this.icount + blocks.len[slot] <= until) {
              bf(this);
              continue;
            }
          } else if (++blocks.heat[slot] >= BLOCK_HOT) {
            blocks.heat[slot] = 0;
            blocks.compile(this, slot, tag, lin, h);
            const cf = blocks.fn[slot];
            if (cf !== undefined && blocks.tag[slot] === tag && this.icount + blocks.len[slot] <= until) {
              cf(this);
              continue;
            }
          }
        }
        d = slot * Rec.STRIDE;
        if (decTag[slot] === tag && decGen[slot] === codeGen[h >>> 12]) {
          if (this.csLimitChecked && (eip >>> 0) + (dec[d + Rec.LEN] & 0xff) - 1 > this.csLimitU) raise(Exc.GP, 0);
        } else {
          decTag[slot] = -1;
          decode(this, d);
          if ((lin & 0xfff) + (dec[d + Rec.LEN] & 0xff) <= 4096) this.cacheDecoded(slot, tag, h >>> 12);
        }
      } else {
        decode(this, d);
      }
      this.eip = this.code32 ? (eip + (dec[d + Rec.LEN] & 0xff)) | 0 : (eip + (dec[d + Rec.LEN] & 0xff)) & 0xffff;
      handlers[dec[d]](this, d);
      this.icount++;
    }
  }

  private cacheDecoded(slot: number, tag: number, page: number): void {
    if (this.mem.codePage[page] === 0) {
      this.mem.codePage[page] = 1;
      this.tlb.revokeWrite(page);
    }
    this.decTag[slot] = tag;
    this.decGen[slot] = this.mem.codeGen[page];
  }

  /**
   * One instruction with the boundary rules the fast path skips: instruction breakpoints (a #DB
   * fault unless EFLAGS.RF), RF cleared for the instruction, then the TF single-step trap and
   * data-breakpoint trap as one #DB (SDM Vol.3 17.3.1).
   */
  private stepObserved(): void {
    const dec = this.dec;
    const tf = (this.flags & Eflags.TF) !== 0;
    this.startEip = this.eip;
    this.startEsp = this.regs[Reg.ESP];
    this.inhibitIrq = false;
    if (this.dbgExecLive && (this.flags & Eflags.RF) === 0) {
      const hits = instructionBreakpoints(this, (this.segBase[Seg.CS] + this.eip) | 0);
      if (hits !== 0) {
        noteDebugException(this, hits, 0);
        raise(Exc.DB);
      }
    }
    // RF is cleared as the instruction completes; an IRET that loads RF=1 leaves it set.
    this.flags &= ~Eflags.RF;
    decode(this, DEC_SCRATCH);
    this.eip = this.code32 ? (this.eip + (dec[DEC_SCRATCH + Rec.LEN] & 0xff)) | 0 : (this.eip + (dec[DEC_SCRATCH + Rec.LEN] & 0xff)) & 0xffff;
    HANDLERS[dec[DEC_SCRATCH]](this, DEC_SCRATCH);
    this.icount++;
    if (tf || this.dbgTrap !== 0) {
      const hits = this.dbgTrap;
      this.dbgTrap = 0;
      noteDebugException(this, hits, tf ? DR6_BS : 0);
      deliverException(this, Exc.DB, -1, EV_TRAP_DB);
    }
  }

  /**
   * Instruction-boundary work when attention is set. Returns a STOP_* reason to leave run(),
   * or -1 to keep executing.
   */
  private boundary(): number {
    this.attention = 0;
    if (this.shutdownReason !== "") return STOP_SHUTDOWN;
    if (this.stopRequested) { this.stopRequested = false; return STOP_REQUEST; }
    if (this.dbgTrap !== 0) {
      // A data or I/O breakpoint matched in the instruction that just completed (system/debug.ts).
      const hits = this.dbgTrap;
      this.dbgTrap = 0;
      noteDebugException(this, hits, 0);
      try {
        deliverException(this, Exc.DB, -1, EV_TRAP_DB);
      } catch (e) {
        if (e !== FAULT) throw e;
        deliverException(this, FAULT.vector, FAULT.errorCode);
      }
      if (this.shutdownReason !== "") return STOP_SHUTDOWN;
    }
    if (this.inhibitIrq) {
      // The instruction after STI/MOV SS runs before interrupts are looked at.
      this.attention = 1;
      return -1;
    }
    if ((this.flags & Eflags.IF) !== 0 && this.host.interruptPending(this)) {
      this.halted = false;
      const vector = this.host.acknowledgeInterrupt(this);
      try {
        deliverExternal(this, vector);
      } catch (e) {
        if (e !== FAULT) throw e;
        deliverException(this, FAULT.vector, FAULT.errorCode);
      }
      if (this.shutdownReason !== "") return STOP_SHUTDOWN;
      this.attention = 1; // look again: another interrupt may be waiting
      return -1;
    }
    if (this.halted) { this.attention = 1; return STOP_HALT; }
    return -1;
  }

  /** An opcode with no table entry: reported once per opcode, then #UD. */
  noteUndefined(opcode: number, modrm: number, why = "undefined opcode"): void {
    if (this.quietDecode) return;
    const key = `u${opcode}:${modrm < 0 ? "" : (modrm >> 3) & 7}:${why}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.host.report(this, `${why} ${formatOpcode(opcode, modrm)} at ${this.whereText()}: raising #UD`);
  }

  /** A table entry with no implementation yet: reported once per entry, then #UD. */
  noteUnimplemented(what: string, opcode: number, modrm: number): void {
    const key = `i${what}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.host.report(this, `unimplemented instruction ${what} ${formatOpcode(opcode, modrm)} at ${this.whereText()}: raising #UD`);
  }

  /** Anything else unimplemented (an MSR, a mode): reported once per key. */
  noteOnce(key: string, message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.host.report(this, `${message} at ${this.whereText()}`);
  }

  whereText(): string {
    const h4 = (v: number) => (v >>> 0).toString(16).padStart(4, "0");
    return `${h4(this.segSel[Seg.CS])}:${(this.startEip >>> 0).toString(16).padStart(this.code32 ? 8 : 4, "0")} (icount ${this.icount})`;
  }
}

function formatOpcode(opcode: number, modrm: number): string {
  const bytes = opcode > 0xffff ? [0x0f, 0x38, opcode & 0xff] : opcode > 0xff ? [0x0f, opcode & 0xff] : [opcode];
  if (modrm >= 0) bytes.push(modrm);
  return `[${bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")}]`;
}
