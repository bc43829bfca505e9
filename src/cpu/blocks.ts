// Compiled basic blocks: the fast path's second tier. A run of straight-line instructions (ALU,
// MOV, PUSH/POP, shifts, SETcc/CMOVcc, ...) ending in any one instruction (a branch, a string
// instruction with REP, anything that may change mode, CS, paging or IF) is decoded once into
// records of its own and turned into one JavaScript function (block-codegen.ts) that calls each
// handler in turn, or does its work inline (block-inline.ts), and loops when a branch goes back
// to the entry. V8 then sees
// one call site per instruction, always calling the same handler, and can inline it; the
// per-instruction dispatch, TLB probe and decode-cache check of the interpreter loop disappear.
//
// The function does what the interpreter loop does for each instruction (startEip / startEsp
// for fault rollback, EIP advanced before the handler, icount after it; deferred over
// register-only instructions that cannot fault or observe them) and returns
// to the loop after any instruction that sets `attention` or modifies the block's own code
// page, so execution, faults and interrupt points are identical instruction for instruction.
// Blocks are keyed like the decode cache (host-physical address of the first byte, plus the
// code size); they never cross a page, and all offsets are relative to EIP at entry, so the same
// physical code reached through two linear aliases runs correctly.

import type { Cpu } from "./cpu.js";
import { buildBlock, type BlockFn, type PlannedInsn } from "./block-codegen.js";
import { inlineSource } from "./block-inline.js";
import { decode, IMPL_NAMES, Pfx, Rec } from "./decoder.js";
import { FAULT } from "./fault.js";
import { HANDLERS } from "./ops/index.js";
import { isDefined } from "./ops/registry.js";

/** Records available to blocks (each Rec.STRIDE ints in cpu.dec after the scratch record). */
export const BLOCK_ARENA_RECORDS = 1 << 18;
/** Longest block, in instructions. */
const MAX_BLOCK = 48;
/** Executions of a start address before a block is compiled for it. */
export const BLOCK_HOT = 12;

/**
 * Table names whose instructions always fall through to the next instruction and change
 * nothing the block relies on (CS, EIP beyond the fall-through, mode, paging, IF/TF, the
 * TLB): a block continues after them. Anything else ends the block.
 */
const STRAIGHT_LINE = new RegExp(
  "^op_(" + [
    "0[0-5]", "0[89a-d]", "1[0-5]", "1[89a-d]", "2[0-57-9a-d]", "2f", "3[0-57-9a-d]", "3f",
    "4[0-9a-f]", "5[0-9a-f]", "6[01]", "6[89ab]", "8[0-3]_[0-7]", "8[4-9a-d]", "8f_0",
    "9[0-9bc]", "9[ef]", "a[0-3]", "a[4-7a-f]", "a[89]", "b[0-9a-f]", "c[01]_[0-7]", "c[67]_0", "c[89]",
    "d[0-3]_[0-7]", "d[45]", "f5", "f[67]_[0-7]", "f[89cd]", "fe_[01]", "ff_[016]",
    "0f_[49][0-9a-f]", "0f_a[345bcdf]", "0f_b[01367bcdef]", "0f_ba_[4-7]", "0f_c[01]", "0f_c7_1", "0f_c[89a-f]",
  ].join("|") + ")(_mem|_reg|_r[0-7])?$",
);

/**
 * Straight-line instructions that access memory without a modrm memory operand (the stack, moffs):
 * after them, as after any memory operand, the block re-checks attention and its code page.
 */
const IMPLICIT_MEMORY = /^op_(5[0-9a-f]|6[018a]|9c|a[0-7a-f]|c[89]|8f_0|ff_6)(_mem|_reg|_r[0-7])?$/;
/**
 * String instructions (MOVS CMPS STOS LODS SCAS) continue a block only without REP/REPNE: a
 * repeated one retires many instructions in one call and reads the run's limit.
 */
const STRING = /^op_a[4-7a-f]$/;
/** JMP rel8/rel32: ends a block, which may loop when it jumps back to the entry. */
const JUMP = /^op_e[9b]$/;
/**
 * 90 is also PAUSE (F3 90), which lets guest time pass and may lower the run's icount limit
 * (a timer now due): the block must leave after it, as after a memory access.
 */
const NOP_OR_PAUSE = /^op_90$/;
/** LEA has a memory-form modrm but never accesses memory. */
const NO_ACCESS = /^op_8d(_mem)?$/;

/**
 * Conditional near branches (Jcc, LOOP/LOOPcc/JCXZ): a block continues on their fall-through
 * path, leaving as soon as one was taken (EIP is not the next instruction's).
 */
const CONDITIONAL = /^op_(7[0-9a-f]|0f_8[0-9a-f]|e[0-3])$/;

/** Per implementation id: 1 if a block continues after it, 2 if only when it falls through. */
const CONTINUES = new Uint8Array(IMPL_NAMES.length);
for (let id = 0; id < IMPL_NAMES.length; id++) CONTINUES[id] = STRAIGHT_LINE.test(IMPL_NAMES[id]) ? 1 : CONDITIONAL.test(IMPL_NAMES[id]) ? 2 : 0;
/**
 * Instructions whose register forms (and LEA) cannot fault and touch nothing but registers and
 * EFLAGS (PlannedInsn.pure): ALU, INC/DEC, MOV, XCHG, TEST, shifts and rotates, NOT/NEG/MUL/IMUL
 * (not DIV/IDIV: #DE), CBW/CWD, SAHF/LAHF, CMC/CLC/STC/CLD/STD, CMOVcc, SETcc, BT*, SHLD/SHRD,
 * BSF/BSR, MOVZX/MOVSX, BSWAP. Only those with an implementation count (the others raise #UD).
 */
const PURE_NAMES = new RegExp(
  "^op_(" + [
    "0[0-5]", "0[89a-d]", "1[0-5]", "1[89a-d]", "2[0-5]", "2[89a-d]", "3[0-5]", "3[89a-d]",
    "4[0-9a-f]", "6[9b]", "8[0-3]_[0-7]", "8[4-9ab]", "8d", "9[1-79ef]", "98", "99", "b[0-9a-f]",
    "c[01]_[0-7]", "d[0-3]_[0-7]", "f[589cd]", "f[67]_[0-5]", "fe_[01]", "ff_[01]",
    "0f_4[0-9a-f]", "0f_9[0-9a-f]", "0f_a[345bcdf]", "0f_b[367bcdef]", "0f_ba_[4-7]", "0f_c[89a-f]",
  ].join("|") + ")(_reg|_r[0-7])?$",
);
const PURE = new Uint8Array(IMPL_NAMES.length);
for (let id = 0; id < IMPL_NAMES.length; id++) PURE[id] = PURE_NAMES.test(IMPL_NAMES[id]) && isDefined(IMPL_NAMES[id]) ? 1 : 0;

/** Per implementation id: 1 for string instructions, 2 for JMP rel. */
const SPECIAL = new Uint8Array(IMPL_NAMES.length);
for (let id = 0; id < IMPL_NAMES.length; id++) SPECIAL[id] = STRING.test(IMPL_NAMES[id]) ? 1 : JUMP.test(IMPL_NAMES[id]) ? 2 : 0;
/** Per implementation id: 1 if it may access memory whatever its modrm (IMPLICIT_MEMORY), 2 if never (NO_ACCESS). */
const ACCESS = new Uint8Array(IMPL_NAMES.length);
for (let id = 0; id < IMPL_NAMES.length; id++) ACCESS[id] = IMPLICIT_MEMORY.test(IMPL_NAMES[id]) || NOP_OR_PAUSE.test(IMPL_NAMES[id]) ? 1 : NO_ACCESS.test(IMPL_NAMES[id]) ? 2 : 0;

/**
 * Can the instruction in record `d` touch memory or a device (and so set `attention` or write
 * code)? Register-only straight-line instructions cannot: the block skips its checks after them.
 */
function mayAccess(dec: Int32Array, d: number): boolean {
  const a = ACCESS[dec[d] >> 2];
  if (a !== 0) return a === 1;
  const m = dec[d + Rec.MODRM];
  return m >= 0 && m < 0xc0;
}

export type { BlockFn };

/** The block cache, direct-mapped like the decode cache. */
export class BlockCache {
  readonly fn: (BlockFn | undefined)[];
  readonly tag: Int32Array;
  readonly gen: Int32Array;
  readonly len: Int32Array;
  readonly heat: Uint8Array;
  /** Next free record in the arena (a record index). */
  private next = 0;

  constructor(slots: number, readonly arenaBase: number) {
    this.fn = new Array<BlockFn | undefined>(slots).fill(undefined);
    this.tag = new Int32Array(slots).fill(-1);
    this.gen = new Int32Array(slots);
    this.len = new Int32Array(slots);
    this.heat = new Uint8Array(slots);
  }

  /** Forgets every block (snapshot restore, arena full). */
  clear(): void {
    this.fn.fill(undefined);
    this.tag.fill(-1);
    this.heat.fill(0);
    this.next = 0;
  }

  /**
   * Compiles the block starting at the current CS:EIP, whose first byte is at host address `h`
   * (linear `lin`), into `slot`. Leaves the CPU's architectural state unchanged; gives up
   * (leaving the slot empty) when the first instruction cannot be decoded.
   */
  compile(cpu: Cpu, slot: number, tag: number, lin: number, h: number): void {
    if (this.next + MAX_BLOCK > BLOCK_ARENA_RECORDS) this.clear();
    const dec = cpu.dec;
    const e = cpu.eip;
    const code32 = cpu.code32;
    const ds: number[] = [];
    const ends: number[] = [];
    let off = 0;
    cpu.quietDecode = true;
    try {
      for (let k = 0; k < MAX_BLOCK; k++) {
        const pageOff = (lin + off) & 0xfff;
        // Decoding may only touch this page: an instruction that could cross into the next one
        // (which might not be mapped) is left to the interpreter.
        if (pageOff + 15 > 4096) break;
        const d = this.arenaBase + (this.next + k) * Rec.STRIDE;
        cpu.eip = code32 ? (e + off) | 0 : (e + off) & 0xffff;
        try {
          decode(cpu, d);
        } catch (x) {
          if (x !== FAULT) throw x;
          break;
        }
        off += dec[d + Rec.LEN] & 0xff;
        if (!code32 && e + off > 0xffff) break; // IP would wrap: leave it to the interpreter
        ds.push(d);
        ends.push(off);
        if (CONTINUES[dec[d] >> 2] === 0) break;
        if (SPECIAL[dec[d] >> 2] === 1 && (dec[d + Rec.LEN] & (Pfx.REP | Pfx.REPNE)) !== 0) break;
      }
    } finally {
      cpu.eip = e;
      cpu.quietDecode = false;
    }
    if (ds.length === 0) return;
    this.next += ds.length;
    const page = h >>> 12;
    const mem = cpu.mem;
    if (mem.codePage[page] === 0) {
      mem.codePage[page] = 1;
      cpu.tlb.revokeWrite(page);
    }
    const gen = mem.codeGen[page];
    const plan: PlannedInsn[] = ds.map((d, k) => {
      const id = dec[d] >> 2;
      const branch = CONTINUES[id] === 2 || SPECIAL[id] === 2;
      // Near relative branch target, as an offset from the entry: with a 32-bit operand size the
      // handler computes EIP + rel (wrapping at 4 GiB), which matches; otherwise leave it unknown.
      const target = branch && (dec[d] & 1) !== 0 ? ends[k] + dec[d + Rec.IMM] : NaN;
      const access = mayAccess(dec, d);
      const pure = PURE[id] === 1 && !access && (dec[d + Rec.LEN] & Pfx.LOCK) === 0;
      const inline = inlineSource(dec, d, `h${k}(cpu, ${d})`);
      return { d, handler: HANDLERS[dec[d]], end: ends[k], access, branch, target, pure, inline };
    });
    this.fn[slot] = buildBlock(cpu, plan, page, gen, code32);
    this.tag[slot] = tag;
    this.gen[slot] = gen;
    this.len[slot] = ds.length;
  }
}
