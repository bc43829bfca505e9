// Intel-syntax disassembler driven by the opcode table (table.ts), in the style of
// `objdump -M intel`. A pure function over bytes: it mirrors decoder.ts's rules for prefixes,
// opcode maps, modrm/SIB (SDM Vol.2 2.1, Tables 2-1/2-2/2-3), displacements and immediates,
// without a Cpu.

import { ONE_BYTE, PREFIX, THREE_BYTE_38, TWO_BYTE, type Entry } from "./table.js";
import { formatOperand, type Inst } from "./disasm-operands.js";

export interface Disassembly { text: string; length: number }

const BAD: Disassembly = { text: "(bad)", length: 1 };

// Prefix bytes (SDM Vol.2 2.1.1): segment overrides ES..GS, operand size, address size, LOCK, REPNE, REP.
const SEG_PREFIX: Record<number, number> = { 0x26: 0, 0x2e: 1, 0x36: 2, 0x3e: 3, 0x64: 4, 0x65: 5 };
const SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs"];
const isPrefix = (b: number) => ONE_BYTE[b] === PREFIX;

// Condition-code mnemonics: the table spells them as SDM Appendix A (jnb, jz, ...); objdump
// prints the aliases below.
const CC_ALIAS: Record<string, string> = { nb: "ae", z: "e", nz: "ne", nbe: "a", nl: "ge", nle: "g" };
const NAME_ALIAS: Record<string, string> = { callf: "call", jmpf: "jmp" };

// String instructions: the table lists no operands; objdump prints the implicit ones.
// X = DS:[eSI] (segment overridable), Y = ES:[eDI], B = DS:[eBX] (XLAT). SDM Vol.2 A.2.1.
const STRING_FORMS: Record<string, string> = {
  "movsb": "movs Yb,Xb", "movsw|movsd": "movs Yv,Xv",
  "cmpsb": "cmps Xb,Yb", "cmpsw|cmpsd": "cmps Xv,Yv",
  "stosb": "stos Yb,AL", "stosw|stosd": "stos Yv,eAX",
  "lodsb": "lods AL,Xb", "lodsw|lodsd": "lods eAX,Xv",
  "scasb": "scas AL,Yb", "scasw|scasd": "scas eAX,Yv",
  "insb": "ins Yb,DX", "insw|insd": "ins Yv,DX",
  "outsb": "outs DX,Xb", "outsw|outsd": "outs DX,Xv",
  "xlatb": "xlat Bb",
};
// REP (F3) prints as "rep" on these, "repz" elsewhere (objdump).
const REP_PLAIN = new Set(["movs", "stos", "lods", "ins", "outs"]);

// Stores of a selector or the MSW to r/m: the register form is operand-size wide, memory is
// always 16 bits (SDM Vol.2 SLDT/STR/SMSW "r32/m16", MOV "r16/r32/m16, Sreg", LAR/LSL "r32/m16").
const RV_MW = new Set(["sldt Ew", "str Ew", "smsw Ew", "mov Ew,Sw", "lar Gv,Ew", "lsl Gv,Ew"]);

// Operands read from modrm (decoder.ts leafInfo); STi appears only where modrm is already read.
const MODRM_OPERAND = /^[EGR][a-z]|^M|^Sw$|^[CD]d$|^STi$/;
// Operands whose width follows the operand size (so a 66 prefix is "used").
// Jb counts: a 16-bit operand size truncates the target to 16 bits (SDM Vol.2 Jcc).
// Ms counts: LGDT/LIDT with a 16-bit operand size load a 24-bit base (SDM Vol.2 LGDT).
const OPSIZE_OPERAND = /^(?:[EGRZ]v|eAX|I[zv]|Ibs|J[bz]|Ap|M[pas]|[XY]v)$/;
// Instructions whose implicit stack or instruction-pointer width follows the operand size.
const OPSIZE_IMPLICIT = new Set(["push", "pop", "ret", "retf", "call", "jmp", "callf", "jmpf", "enter", "leave",
  "loop", "loope", "loopne"]);

// x87 environment/state images have a 16- and a 32-bit format chosen by the operand size
// (SDM Vol.1 8.1.10); an override shows as a w/d suffix, as objdump prints it.
const FPU_ENV = new Set(["fldenv", "fnstenv", "frstor", "fnsave"]);

interface Leaf {
  text: string; mnem: string; variants: Map<number, string>; ops: string[];
  usesModrm: boolean; memOnly: boolean; memIndex: number; opsizeOps: boolean;
}
const leafCache = new Map<string, Leaf>();

/** Parses a table entry "m/66=a/f3=b A,B" or "m16|m32 A,B" once. */
function parseLeaf(entry: string): Leaf {
  let leaf = leafCache.get(entry);
  if (leaf) return leaf;
  const form = STRING_FORMS[entry] ?? entry;
  const sp = form.indexOf(" ");
  const names = (sp < 0 ? form : form.slice(0, sp)).split("/");
  const variants = new Map<number, string>();
  for (const v of names.slice(1)) {
    const [pfx, m] = v.split("=");
    variants.set(parseInt(pfx, 16), m);
  }
  const ops = sp < 0 ? [] : form.slice(sp + 1).split(",");
  leaf = {
    text: entry, mnem: names[0], variants, ops,
    usesModrm: ops.some((o) => MODRM_OPERAND.test(o)),
    memOnly: ops.some((o) => /^M/.test(o)),
    memIndex: ops.findIndex((o) => /^E[a-z]|^M/.test(o)),
    opsizeOps: ops.some((o) => OPSIZE_OPERAND.test(o)),
  };
  leafCache.set(entry, leaf);
  return leaf;
}

function displayName(mnem: string, op32: boolean, ad32: boolean, isJcxz: boolean): string {
  if (mnem.includes("|")) {
    const [m16, m32] = mnem.split("|");
    // JCXZ/JECXZ is selected by the address size (SDM Vol.2 Jcc), not the operand size.
    return (isJcxz ? ad32 : op32) ? m32 : m16;
  }
  const cc = /^(j|set|cmov)(nb|z|nz|nbe|nl|nle)$/.exec(mnem);
  if (cc) return cc[1] + CC_ALIAS[cc[2]];
  return NAME_ALIAS[mnem] ?? mnem;
}

/**
 * Disassembles one instruction at bytes[offset]. Undefined opcodes, forms the decoder rejects
 * (register operand where memory is required) and truncated input give "(bad)" with length 1.
 */
export function disassemble(bytes: Uint8Array | number[], offset: number, opts: { code32: boolean; address?: number }): Disassembly {
  const n = bytes.length;
  return disassembleWith((i) => (offset + i < n ? bytes[offset + i] & 0xff : -1), opts.address ?? offset, opts.code32);
}

/** Disassembles the instruction at `address` read byte by byte; a throwing reader ends the bytes. */
export function disassembleAt(read: (addr: number) => number, address: number, code32: boolean): Disassembly {
  const buf: number[] = [];
  for (let i = 0; i < 15; i++) {
    try { buf.push(read((address + i) >>> 0) & 0xff); } catch { break; }
  }
  return disassemble(buf, 0, { code32, address });
}

function disassembleWith(at: (i: number) => number, address: number, code32: boolean): Disassembly {
  let len = 0;
  const prefixes: number[] = [];
  let seg = -1, has66 = false, has67 = false, rep = 0;
  let b = at(0);
  while (b >= 0 && isPrefix(b)) {
    prefixes.push(b);
    if (b in SEG_PREFIX) seg = SEG_PREFIX[b];
    else if (b === 0x66) has66 = true;
    else if (b === 0x67) has67 = true;
    else if (b !== 0xf0) rep = b;
    if (++len >= 15) return BAD;
    b = at(len);
  }
  if (b < 0) return BAD;
  len++;
  let entry: Entry;
  if (b !== 0x0f) entry = ONE_BYTE[b];
  else {
    b = at(len++);
    if (b < 0) return BAD;
    if (b === 0x38) {
      b = at(len++);
      if (b < 0) return BAD;
      entry = THREE_BYTE_38[b];
    } else entry = TWO_BYTE[b];
  }
  const opcodeByte = b;
  let modrm = -1;
  const needModrm = (): boolean => {
    if (modrm < 0) { modrm = at(len++); }
    return modrm >= 0;
  };
  while (entry !== null && typeof entry !== "string") {
    if (!needModrm()) return BAD;
    if ("group" in entry) entry = entry.group[(modrm >> 3) & 7];
    else if (modrm < 0xc0) entry = entry.mem;
    else entry = Array.isArray(entry.reg) ? entry.reg[modrm & 7] : entry.reg;
  }
  if (entry === null || entry === PREFIX || entry.startsWith("escape")) return BAD;
  const leaf = parseLeaf(entry);

  // A mandatory prefix selecting a variant is consumed by it (the last one present wins).
  let mnem = leaf.mnem, consumed = -1;
  for (const p of prefixes) {
    const v = leaf.variants.get(p);
    if (v !== undefined) { mnem = v; consumed = p; }
  }
  // "m/66=m" names a form that exists only with its mandatory prefix (INVEPT, INVVPID).
  if (consumed < 0 && [...leaf.variants.values()].includes(leaf.mnem)) return BAD;
  const op32 = code32 !== has66;
  const ad32 = code32 !== has67;
  const inst: Inst = {
    at, len, modrm, op32, ad32, seg, segUsed: false, addrUsed: false, opsizeUsed: consumed === 0x66,
    address, opcodeByte, rvmw: RV_MW.has(entry), bad: false, relTargets: [],
  };
  if (leaf.usesModrm && !needModrm()) return BAD;
  inst.modrm = modrm;
  inst.len = len;
  if (leaf.memOnly && modrm >= 0xc0) return BAD;

  // Operands are formatted in table order, which is also the order of the bytes that follow
  // modrm: SIB/displacement first (taken by the first memory operand), then immediates.
  const texts: string[] = [];
  const memFirst = modrm >= 0 && modrm < 0xc0 ? leaf.memIndex : -1;
  let memText = "";
  if (memFirst >= 0) {
    memText = formatOperand(inst, leaf.ops[memFirst]);
    if (inst.bad) return BAD;
  }
  for (let i = 0; i < leaf.ops.length; i++) {
    const o = leaf.ops[i];
    texts.push(i === memFirst ? memText : formatOperand(inst, o));
    if (inst.bad) return BAD;
  }
  if (leaf.opsizeOps) inst.opsizeUsed = true;
  len = inst.len;
  if (len > 15) return BAD;

  if (leaf.mnem.includes("|")) inst.opsizeUsed = true;
  if (OPSIZE_IMPLICIT.has(mnem)) inst.opsizeUsed = true;
  const isJcxz = leaf.mnem === "jcxz|jecxz";
  if (isJcxz) inst.addrUsed = true;
  let name = displayName(mnem, op32, ad32, isJcxz);
  if (FPU_ENV.has(name) && has66) { name += op32 ? "d" : "w"; inst.opsizeUsed = true; }

  // Prefixes that changed nothing are printed by name before the mnemonic, as objdump does.
  const words: string[] = [];
  for (const p of prefixes) {
    if (p === consumed) continue;
    if (p === 0xf0) words.push("lock");
    else if (p === 0xf3 && p === rep) words.push(REP_PLAIN.has(name) ? "rep" : "repz");
    else if (p === 0xf2 && p === rep) words.push("repnz");
    else if (p in SEG_PREFIX && SEG_PREFIX[p] === seg && !inst.segUsed) words.push(SEG_NAMES[seg]);
    else if (p === 0x66 && !inst.opsizeUsed) words.push(code32 ? "data16" : "data32");
    else if (p === 0x67 && !inst.addrUsed) words.push(code32 ? "addr16" : "addr32");
  }
  words.push(texts.length ? `${name} ${texts.join(",")}` : name);
  return { text: words.join(" "), length: len };
}
