// JavaScript source for one compiled block (blocks.ts decides which instructions it holds).
//
// The block is the instructions i0..in-1 decoded in a row from the entry EIP `e`. Per instruction
// it does what the interpreter loop does: startEip/startEsp for fault rollback, EIP advanced
// before the handler, icount after it. Control flow stays inside the block in two cases, both
// decided at run time by comparing the EIP the branch handler left against fixed offsets, so the
// branch semantics stay in the handler:
// - a branch to a later instruction of the block (a Jcc over some instructions) breaks out of a
//   labelled JavaScript block that ends just before that instruction;
// - a branch back to the entry (the loop's back edge) continues an enclosing for(;;), after the
//   same checks the interpreter loop makes before it enters a block: nothing needs attention,
//   the block fits before the run's icount limit, its page's code is unchanged, and the TLB
//   still maps the entry's linear page to the same host page (a slow-path write to that page may
//   have walked and refilled it).
// Anything else returns to the interpreter loop.

import type { Cpu } from "./cpu.js";
import type { Handler } from "./ops/registry.js";

/** One instruction of a block as the compiler planned it. */
export interface PlannedInsn {
  /** Record index in cpu.dec. */
  d: number;
  handler: Handler;
  /** Offset from the entry EIP of the next instruction. */
  end: number;
  /** May touch memory or a device: check attention and the code page after it. */
  access: boolean;
  /** A relative branch (Jcc, LOOP, JCXZ, JMP rel): look where it went. */
  branch: boolean;
  /** Offset from the entry EIP of the branch target, when known (NaN otherwise). */
  target: number;
  /**
   * Cannot fault, touches only registers and EFLAGS, and reads none of EIP, startEip/startEsp,
   * icount: the block skips the bookkeeping before it and counts it into the next instruction's.
   */
  pure: boolean;
  /** Source doing the handler's work with its memory fast path inline (block-inline.ts), or null. */
  inline: string | null;
}

export type BlockFn = (cpu: Cpu) => void;
type Maker = (...a: unknown[]) => BlockFn;

/**
 * Block factories by source text. The same code compiled again (after a snapshot restore
 * clears the blocks, or by another Cpu in the process) reuses the factory, and with it the
 * type feedback and optimized code V8 already has for the blocks it makes. The source names
 * every record index and constant; per-CPU arrays and the handlers are arguments.
 */
const makers = new Map<string, Maker>();
const MAKERS_MAX = 1 << 14;

/** Builds the function for `plan` (at least one instruction), whose code is on host page `page` at generation `gen`. */
export function buildBlock(cpu: Cpu, plan: PlannedInsn[], page: number, gen: number, code32: boolean): BlockFn {
  const n = plan.length;
  const wrap = code32 ? "| 0" : "& 0xffff";
  const startOf = (k: number) => (k === 0 ? "e" : `((e + ${plan[k - 1].end}) ${wrap})`);
  // Offset → instruction index, for branch targets inside the block.
  const indexAt = new Map<number, number>();
  indexAt.set(0, 0);
  for (let k = 0; k + 1 < n; k++) indexAt.set(plan[k].end, k + 1);
  const forward = new Set<number>();
  let loops = false, access = false;
  for (let k = 0; k < n; k++) {
    const p = plan[k];
    if (p.access) access = true;
    if (!p.branch) continue;
    const j = indexAt.get(p.target);
    if (j === 0) loops = true;
    else if (j !== undefined && j > k + 1) forward.add(j);
  }
  const backEdge = "{ if (cpu.attention !== 0 || cpu.icount + " + n + " > cpu.icountLimit || codeGen[" + page + "] !== " + gen +
    (access ? " || (tlbFlags[vpn] & cpu.accR) === 0 || tlbHost[vpn] !== hp" : "") + ") return; continue; }\n";
  let src = "return function block(cpu) {\nconst regs = cpu.regs, e = cpu.eip;\n";
  if (loops && access) src += "const vpn = ((cpu.segBase[1] + e) | 0) >>> 12, hp = tlbHost[vpn];\n";
  if (loops) src += "for (;;) {\n";
  const labels = [...forward].sort((a, b) => b - a);
  for (const j of labels) src += `L${j}: {\n`;
  // Instructions retired by pure instructions and not yet added to cpu.icount. Zero wherever the
  // block can return or fault (every exit follows an instruction with the full bookkeeping) and at
  // every label end, where the paths that join must agree.
  let pending = 0;
  for (let k = 0; k < n; k++) {
    const p = plan[k];
    if (forward.has(k)) {
      if (pending !== 0) src += `cpu.icount += ${pending};\n`;
      pending = 0;
      src += `}\n`;
    }
    const end = `((e + ${p.end}) ${wrap})`;
    const last = k === n - 1;
    const call = `h${k}(cpu, ${p.d})`;
    const work = p.inline ?? call + ";\n";
    if (p.pure && !last && !p.branch) {
      src += work;
      pending++;
      continue;
    }
    const add = pending === 0 ? "" : ` cpu.icount += ${pending};`;
    pending = 0;
    src += `cpu.startEip = ${startOf(k)}; cpu.startEsp = regs[4]; cpu.eip = ${end};${add}\n${work}cpu.icount++;\n`;
    if (p.branch) {
      const j = indexAt.get(p.target);
      let taken = "";
      if (j !== undefined && j > k + 1) taken += `if (cpu.eip === ${startOf(j)}) break L${j};\n`;
      if (j === 0) taken += "if (cpu.eip === e) " + backEdge;
      if (last) src += taken + "return;\n";
      else src += `if (cpu.eip !== ${end}) {\n${taken}return;\n}\n`;
    } else if (!last && p.access) {
      src += `if (cpu.attention !== 0 || codeGen[${page}] !== ${gen}) return;\n`;
    }
  }
  if (loops) src += "return;\n}\n";
  src += "};";
  let make = makers.get(src);
  if (make === undefined) {
    if (makers.size >= MAKERS_MAX) makers.clear();
    const names = plan.map((_, k) => `h${k}`);
    make = new Function("codeGen", "tlbFlags", "tlbHost", "segBase", "segLimR", "segLimW", "bytes", "view", ...names, src) as Maker;
    makers.set(src, make);
  }
  return make(cpu.mem.codeGen, cpu.tlb.flags, cpu.tlb.host, cpu.segBase, cpu.segLimR, cpu.segLimW, cpu.mem.bytes, cpu.mem.view, ...plan.map((p) => p.handler));
}
