// Bisect predicates: a condition on the machine at an instruction boundary.
//
//   serial:/REGEX/[flags]       the guest's serial output so far matches REGEX
//   mem:ADDR:u8|u16|u32 OP V    guest-virtual memory through the guest's page tables (unmapped → false)
//   phys:ADDR:u8|u16|u32 OP V   guest-physical memory
//   reg:NAME OP V               eax..edi, eip, eflags, cr0/cr2/cr3/cr4, cs/ds/es/fs/gs/ss selectors
//   pc:ADDR | pc:SYMBOL         execution reaches this linear address (the next instruction is there)
//   exits:REASON OP N           VM-exit count by SDM reason name (IO_INSTRUCTION, HLT...) or number
//   js:PATH                     a module exporting default (machine, ctx) => boolean (loaded by the CLI)
// OP is one of == != < <= > >=; V is a number (decimal or 0x hex), a symbol, or another
// `mem:`/`phys:`/`reg:` operand (`mem:counter:u32 < mem:ops:u32`). Comparisons are unsigned.
// ADDR is a number or a symbol of the guest (with an optional +OFFSET).

import { Reg, Seg } from "../cpu/constants.js";
import { getEflags } from "../cpu/flags.js";
import { ACC_READ } from "../cpu/memory.js";
import { peekTranslate } from "../gdbstub/translate.js";
import type { Machine } from "../vmx/machine.js";
import { EXIT_REASON_NAMES } from "../vmx/exit-reasons.js";

/** A predicate the user wrote that cannot be parsed or resolved: one line for the CLI. */
export class PredicateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PredicateError";
  }
}

/** What a predicate sees besides the machine. */
export interface PredicateContext {
  machine: Machine;
  /** The guest's serial output written before the current icount (latin1). */
  serial(): string;
}

export interface Predicate {
  /** The predicate as the user wrote it. */
  text: string;
  /** Does it read the serial output? */
  serial: boolean;
  /** True only at single instants (pc:): found by a forward scan, instruction by instruction. */
  point?: boolean;
  test(ctx: PredicateContext): boolean;
}

export interface ParseOptions {
  /** Address of a guest symbol, or undefined when unknown. */
  symbol?: (name: string) => number | undefined;
  /** The default export of a js: module (the CLI imports it; src/ does no host I/O). */
  jsModule?: (path: string) => (machine: Machine, ctx: PredicateContext) => unknown;
}

type Operand = (m: Machine) => number | null;
const OPS: Record<string, (a: number, b: number) => boolean> = {
  "==": (a, b) => a === b, "!=": (a, b) => a !== b, "<": (a, b) => a < b,
  "<=": (a, b) => a <= b, ">": (a, b) => a > b, ">=": (a, b) => a >= b,
};
const SIZES: Record<string, number> = { u8: 1, u16: 2, u32: 4 };
const GPR: Record<string, number> = { eax: Reg.EAX, ecx: Reg.ECX, edx: Reg.EDX, ebx: Reg.EBX, esp: Reg.ESP, ebp: Reg.EBP, esi: Reg.ESI, edi: Reg.EDI };
const SEGS: Record<string, number> = { es: Seg.ES, cs: Seg.CS, ss: Seg.SS, ds: Seg.DS, fs: Seg.FS, gs: Seg.GS };
export const REGISTER_NAMES = [...Object.keys(GPR), "eip", "eflags", "cr0", "cr2", "cr3", "cr4", ...Object.keys(SEGS)];

function parseNumber(s: string, o: ParseOptions, what: string): number {
  const m = /^([A-Za-z_.$][\w.$]*)?(?:([+-]?)(0x[0-9a-f]+|\d+))?$/i.exec(s.trim());
  if (!m || (!m[1] && !m[3])) throw new PredicateError(`${what}: expected a number or a symbol, got "${s}"`);
  let base = 0;
  if (m[1]) {
    const a = o.symbol?.(m[1]);
    if (a === undefined) throw new PredicateError(`${what}: unknown symbol "${m[1]}"${o.symbol ? "" : " (no symbol file for this guest)"}`);
    base = a;
    if (m[3] && !m[2]) throw new PredicateError(`${what}: expected SYMBOL+OFFSET, got "${s}"`);
  }
  const n = m[3] ? Number(m[3]) * (m[2] === "-" ? -1 : 1) : 0;
  const v = base + n;
  if (!Number.isSafeInteger(v) || v < 0 || v > 0xffffffff) throw new PredicateError(`${what}: ${s} is not a 32-bit value`);
  return v;
}

/** Reads `size` bytes at guest-physical `gpa` (RAM only), or null. */
function readPhys(m: Machine, gpa: number, size: number): number | null {
  const cpu = m.cpu;
  let v = 0;
  for (let i = 0; i < size; i++) {
    const h = cpu.phys.translate((gpa + i) >>> 0, ACC_READ);
    if (h < 0 || h >= cpu.mem.size) return null;
    v += cpu.mem.bytes[h] * 2 ** (8 * i);
  }
  return v;
}

function readVirt(m: Machine, lin: number, size: number): number | null {
  let v = 0;
  for (let i = 0; i < size; i++) {
    const gpa = peekTranslate(m.cpu, (lin + i) >>> 0);
    if (gpa < 0) return null;
    const b = readPhys(m, gpa, 1);
    if (b === null) return null;
    v += b * 2 ** (8 * i);
  }
  return v;
}

function register(name: string): Operand {
  const n = name.toLowerCase();
  if (n in GPR) { const i = GPR[n]; return (m) => m.cpu.regs[i] >>> 0; }
  if (n in SEGS) { const i = SEGS[n]; return (m) => m.cpu.segSel[i] & 0xffff; }
  switch (n) {
    case "eip": return (m) => m.cpu.eip >>> 0;
    case "eflags": return (m) => getEflags(m.cpu) >>> 0;
    case "cr0": return (m) => m.cpu.cr0 >>> 0;
    case "cr2": return (m) => m.cpu.cr2 >>> 0;
    case "cr3": return (m) => m.cpu.cr3 >>> 0;
    case "cr4": return (m) => m.cpu.cr4 >>> 0;
    default: throw new PredicateError(`reg: unknown register "${name}"; one of ${REGISTER_NAMES.join(" ")}`);
  }
}

/** An operand: `mem:ADDR:SIZE`, `phys:ADDR:SIZE`, `reg:NAME`, or a constant. */
function operand(s: string, o: ParseOptions, constantOk: boolean): Operand {
  const t = s.trim();
  const mm = /^(mem|phys):(.+):(u8|u16|u32)$/i.exec(t);
  if (mm) {
    const addr = parseNumber(mm[2], o, mm[1]), size = SIZES[mm[3].toLowerCase()];
    return mm[1].toLowerCase() === "mem" ? (m) => readVirt(m, addr, size) : (m) => readPhys(m, addr, size);
  }
  if (/^(mem|phys):/i.test(t)) throw new PredicateError(`${t.slice(0, t.indexOf(":"))}: expected ADDR:u8|u16|u32, got "${t}"`);
  const rm = /^reg:(\w+)$/i.exec(t);
  if (rm) return register(rm[1]);
  if (!constantOk) throw new PredicateError(`expected mem:ADDR:SIZE, phys:ADDR:SIZE or reg:NAME, got "${t}"`);
  const v = parseNumber(t, o, "value");
  return () => v;
}

function comparison(text: string, lhs: string, rest: string, o: ParseOptions, left: (m: Machine) => number | null): Predicate {
  const cm = /^\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(rest);
  if (!cm) throw new PredicateError(`${lhs}: expected OP VALUE after it (OP: == != < <= > >=), got "${rest.trim()}"`);
  const op = OPS[cm[1]], right = operand(cm[2], o, true);
  return {
    text, serial: false,
    test: ({ machine }) => {
      const a = left(machine), b = right(machine);
      return a !== null && b !== null && op(a, b);
    },
  };
}

/** Parses a predicate; throws PredicateError with a one-line message. */
export function parsePredicate(text: string, o: ParseOptions = {}): Predicate {
  const t = text.trim();
  const colon = t.indexOf(":");
  const kind = colon < 0 ? t : t.slice(0, colon).toLowerCase();
  const body = colon < 0 ? "" : t.slice(colon + 1);
  switch (kind) {
    case "serial": {
      const m = /^\/(.*)\/([a-z]*)$/s.exec(body);
      if (!m) throw new PredicateError(`serial: expected serial:/REGEX/, got "${t}"`);
      let re: RegExp;
      try { re = new RegExp(m[1], m[2].replace(/g|y/g, "")); } catch (e) { throw new PredicateError(`serial: bad regular expression: ${(e as Error).message}`); }
      return { text: t, serial: true, test: (ctx) => re.test(ctx.serial()) };
    }
    case "mem":
    case "phys": {
      const m = /^(.+?):(u8|u16|u32)(.*)$/is.exec(body);
      if (!m) throw new PredicateError(`${kind}: expected ${kind}:ADDR:u8|u16|u32 OP VALUE, got "${t}"`);
      const left = operand(`${kind}:${m[1]}:${m[2]}`, o, false);
      return comparison(t, kind, m[3], o, left);
    }
    case "reg": {
      const m = /^(\w+)(.*)$/s.exec(body);
      if (!m) throw new PredicateError(`reg: expected reg:NAME OP VALUE, got "${t}"`);
      return comparison(t, `reg:${m[1]}`, m[2], o, register(m[1]));
    }
    case "pc": {
      const addr = parseNumber(body, o, "pc");
      return { text: t, serial: false, point: true, test: ({ machine }) => ((machine.cpu.segBase[Seg.CS] + machine.cpu.eip) >>> 0) === addr };
    }
    case "exits": {
      const m = /^(\w+)(.*)$/s.exec(body);
      if (!m) throw new PredicateError(`exits: expected exits:REASON OP N, got "${t}"`);
      const reason = /^\d+$/.test(m[1]) ? Number(m[1]) : EXIT_REASON_NAMES.findIndex((n) => n === m[1].toUpperCase());
      if (reason < 0 || reason >= 80) throw new PredicateError(`exits: unknown exit reason "${m[1]}" (SDM names such as IO_INSTRUCTION, HLT, CPUID, RDTSC, EXTERNAL_INTERRUPT, or a number)`);
      return comparison(t, `exits:${m[1]}`, m[2], o, (machine) => machine.vmm.stats.byReason[reason]);
    }
    case "js": {
      if (!body) throw new PredicateError("js: expected js:PATH to a module exporting default (machine) => boolean");
      if (!o.jsModule) throw new PredicateError("js: predicates are not available here");
      const f = o.jsModule(body);
      return { text: t, serial: false, test: (ctx) => Boolean(f(ctx.machine, ctx)) };
    }
    default:
      throw new PredicateError(`unknown predicate "${t}"; expected serial:/REGEX/, mem:ADDR:u32 OP V, phys:ADDR:u32 OP V, reg:NAME OP V, pc:ADDR, exits:REASON OP N or js:PATH`);
  }
}
