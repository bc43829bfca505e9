// Table-driven decoder: bytes at CS:EIP → one packed decoded record in cpu.dec.
//
// The opcode table (table.ts) is flattened once, at load, into a decode tree in typed arrays:
// ROOT[slot] (slot 0x000-0x0ff one-byte, 0x100-0x1ff 0F xx, 0x200-0x2ff 0F 38 xx) is a node;
// a node is a LEAF, a GROUP (child by modrm.reg), a SPLIT (memory child, register child or
// eight register children by r/m), UNDEF, or PREFIX.
//
// Decoded record, D_STRIDE int32 slots starting at index d of cpu.dec:
//   D_HANDLER  handler index = implId * 4 + (register form, mod = 3 ? 2 : 0) + (operand size 32 ? 1 : 0)
//   D_MODRM    modrm byte, or -1 when the instruction has none
//   D_EA       effective-address form:  bits 0-3 base reg (8 = none)  4-7 index reg (8 = none)
//              8-9 scale  12-14 segment (default or override; set even without modrm)
//              16 EA_ADDR16 (16-bit address arithmetic)
//   D_DISP     displacement (also the moffs offset of A0-A3)
//   D_IMM      first immediate (Ib zero-extended, Ibs/Jb/Jz sign-extended, Ap offset)
//   D_IMM2     second immediate (ENTER's Ib, Ap selector)
//   D_LEN      bits 0-7 length, bits 8+ PFX_* flags
//   D_OPCODE   opcode: 0x00xx, 0x0fxx or 0x0f38xx

import type { Cpu } from "./cpu.js";
import { Exc, Seg } from "./constants.js";
import { raise } from "./fault.js";
import { readLinSlow, Xl } from "./mmu.js";
import { ONE_BYTE, THREE_BYTE_38, TWO_BYTE, type Entry, PREFIX } from "./table.js";

export const enum Rec {
  HANDLER = 0,
  MODRM = 1,
  EA = 2,
  DISP = 3,
  IMM = 4,
  IMM2 = 5,
  LEN = 6,
  OPCODE = 7,
  STRIDE = 8,
}
export const enum Ea {
  NONE = 8,
  ADDR16 = 1 << 16,
}
export const enum Pfx {
  REP = 1 << 8,
  REPNE = 1 << 9,
  LOCK = 1 << 10,
  OPSIZE = 1 << 11,
  ADSIZE = 1 << 12,
  SEG = 1 << 13,
  OP32 = 1 << 14,
  AD32 = 1 << 15,
}
// Plain-name aliases kept while older code migrates: imported numbers are NOT inlined by
// V8 (they cost a load and a hole check each), so new code uses the enum members above.
/** @deprecated use Rec.HANDLER */
export const D_HANDLER = Rec.HANDLER;
/** @deprecated use Rec.MODRM */
export const D_MODRM = Rec.MODRM;
/** @deprecated use Rec.EA */
export const D_EA = Rec.EA;
/** @deprecated use Rec.DISP */
export const D_DISP = Rec.DISP;
/** @deprecated use Rec.IMM */
export const D_IMM = Rec.IMM;
/** @deprecated use Rec.IMM2 */
export const D_IMM2 = Rec.IMM2;
/** @deprecated use Rec.LEN */
export const D_LEN = Rec.LEN;
/** @deprecated use Rec.OPCODE */
export const D_OPCODE = Rec.OPCODE;
/** @deprecated use Rec.STRIDE */
export const D_STRIDE = Rec.STRIDE;
/** @deprecated use Ea.NONE */
export const EA_NONE = Ea.NONE;
/** @deprecated use Ea.ADDR16 */
export const EA_ADDR16 = Ea.ADDR16;
/** @deprecated use Pfx.REP */
export const PFX_REP = Pfx.REP;
/** @deprecated use Pfx.REPNE */
export const PFX_REPNE = Pfx.REPNE;
/** @deprecated use Pfx.LOCK */
export const PFX_LOCK = Pfx.LOCK;
/** @deprecated use Pfx.OPSIZE */
export const PFX_OPSIZE = Pfx.OPSIZE;
/** @deprecated use Pfx.ADSIZE */
export const PFX_ADSIZE = Pfx.ADSIZE;
/** @deprecated use Pfx.SEG */
export const PFX_SEG = Pfx.SEG;
/** @deprecated use Pfx.OP32 */
export const PFX_OP32 = Pfx.OP32;
/** @deprecated use Pfx.AD32 */
export const PFX_AD32 = Pfx.AD32;



// Immediate kinds.
const IMM_NONE = 0, IMM_B = 1, IMM_BS = 2, IMM_W = 3, IMM_Z = 4, IMM_JB = 5, IMM_JZ = 6, IMM_AP = 7,
  IMM_MOFFS = 8, IMM_WB = 9;
// Leaf flag bits (above implId's 12 bits and the imm kind's 4 bits).
const LF_MODRM = 1 << 16, LF_MEMONLY = 1 << 17, LF_REGONLY = 1 << 18, LF_LOCKABLE = 1 << 19;

const N_LEAF = 0, N_GROUP = 1, N_SPLIT = 2, N_SPLIT_RM = 3, N_UNDEF = 4, N_PREFIX = 5, N_ESCAPE = 6;

/** Every implementation name the table refers to, indexed by implId. */
export const IMPL_NAMES: string[] = [];
/** The table entry text for each implId (for the disassembler and reports). */
export const IMPL_ENTRY: string[] = [];
const implIds = new Map<string, number>();

const nodeKind: number[] = [];
const nodeArg: number[] = [];

const LOCKABLE = new Set(["add", "adc", "and", "btc", "btr", "bts", "cmpxchg", "cmpxchg8b", "dec", "inc",
  "neg", "not", "or", "sbb", "sub", "xor", "xadd", "xchg"]);

function implId(name: string, entry: string): number {
  let id = implIds.get(name);
  if (id === undefined) {
    id = IMPL_NAMES.length;
    IMPL_NAMES.push(name);
    IMPL_ENTRY.push(entry);
    implIds.set(name, id);
  }
  return id;
}

function leafInfo(entry: string, name: string, inModrmContext: boolean): number {
  const sp = entry.indexOf(" ");
  const mnem = (sp < 0 ? entry : entry.slice(0, sp)).split("/")[0].split("|")[0];
  const ops = sp < 0 ? [] : entry.slice(sp + 1).split(",");
  let imm = IMM_NONE, flags = inModrmContext ? LF_MODRM : 0;
  for (const o of ops) {
    if (/^[EG][a-z]|^Sw$|^[CD]d$/.test(o)) flags |= LF_MODRM; // not ES/GS
    if (/^M/.test(o)) flags |= LF_MODRM | LF_MEMONLY;
    if (/^R/.test(o)) flags |= LF_MODRM | LF_REGONLY;
    if (o === "Ib") imm = imm === IMM_W ? IMM_WB : IMM_B;
    else if (o === "Ibs") imm = IMM_BS;
    else if (o === "Iw") imm = IMM_W;
    else if (o === "Iz" || o === "Iv") imm = IMM_Z;
    else if (o === "Jb") imm = IMM_JB;
    else if (o === "Jz") imm = IMM_JZ;
    else if (o === "Ap") imm = IMM_AP;
    else if (o === "Ob" || o === "Ov") imm = IMM_MOFFS;
  }
  if (LOCKABLE.has(mnem) && ops.length > 0 && /^[EM]/.test(ops[0])) flags |= LF_LOCKABLE;
  return implId(name, entry) | (imm << 12) | flags;
}

function addNode(kind: number, arg: number): number {
  nodeKind.push(kind);
  nodeArg.push(arg);
  return nodeKind.length - 1;
}

/** Builds the node for `e`; children of groups/splits are allocated contiguously. */
function build(e: Entry, name: string, inModrm: boolean): number {
  if (e === null) return addNode(N_UNDEF, 0);
  if (typeof e === "string") {
    if (e === PREFIX) return addNode(N_PREFIX, 0);
    if (e.startsWith("escape")) return addNode(N_ESCAPE, 0);
    return addNode(N_LEAF, leafInfo(e, name, inModrm));
  }
  if ("group" in e) {
    const n = addNode(N_GROUP, 0);
    const first = nodeKind.length;
    for (let i = 0; i < 8; i++) addNode(N_UNDEF, 0);
    for (let i = 0; i < 8; i++) copyInto(first + i, build(e.group[i], `${name}_${i}`, true));
    nodeArg[n] = first;
    return n;
  }
  const regIsArray = Array.isArray(e.reg);
  const n = addNode(regIsArray ? N_SPLIT_RM : N_SPLIT, 0);
  const first = nodeKind.length;
  for (let i = 0; i < 9; i++) addNode(N_UNDEF, 0);
  copyInto(first, build(e.mem, `${name}_mem`, true));
  if (regIsArray) {
    const regs = e.reg as Entry[];
    for (let i = 0; i < 8; i++) copyInto(first + 1 + i, build(regs[i], `${name}_r${i}`, true));
  } else {
    copyInto(first + 1, build(e.reg as Entry, `${name}_reg`, true));
  }
  nodeArg[n] = first;
  return n;
}

function copyInto(dst: number, src: number): void {
  nodeKind[dst] = nodeKind[src];
  nodeArg[dst] = nodeArg[src];
}

const hex2 = (i: number) => i.toString(16).padStart(2, "0");
const ROOT_LIST: number[] = [];
for (let i = 0; i < 256; i++) ROOT_LIST.push(build(ONE_BYTE[i], `op_${hex2(i)}`, false));
for (let i = 0; i < 256; i++) ROOT_LIST.push(build(TWO_BYTE[i], `op_0f_${hex2(i)}`, false));
for (let i = 0; i < 256; i++) ROOT_LIST.push(build(THREE_BYTE_38[i], `op_0f38_${hex2(i)}`, false));

const ROOT = Int32Array.from(ROOT_LIST);
const KIND = Uint8Array.from(nodeKind);
const ARG = Int32Array.from(nodeArg);

/** implId of the #UD handler used for holes in the table. */
export const UD_IMPL = implId("undefined_opcode", "(undefined)");

// Prefix byte → what it does. 1..6: segment override ES..GS (+1); 7 opsize; 8 adsize; 9 lock; 10 repne; 11 rep.
const PREFIX_KIND = new Uint8Array(256);
PREFIX_KIND[0x26] = 1; PREFIX_KIND[0x2e] = 2; PREFIX_KIND[0x36] = 3; PREFIX_KIND[0x3e] = 4;
PREFIX_KIND[0x64] = 5; PREFIX_KIND[0x65] = 6; PREFIX_KIND[0x66] = 7; PREFIX_KIND[0x67] = 8;
PREFIX_KIND[0xf0] = 9; PREFIX_KIND[0xf2] = 10; PREFIX_KIND[0xf3] = 11;

/** One instruction byte at linear `lin` (a code fetch at the current privilege). */
function fetch8(cpu: Cpu, lin: number): number {
  if (((lin ^ cpu.fetchLin) & 0xfffff000) === 0 && cpu.fetchHost >= 0) return cpu.mem.bytes[cpu.fetchHost + (lin & 0xfff)];
  return fetchSlow(cpu, lin);
}

function fetchSlow(cpu: Cpu, lin: number): number {
  const vpn = lin >>> 12;
  const b = readLinSlow(cpu, lin, 1, cpu.xlUser | Xl.FETCH);
  if (cpu.tlb.flags[vpn] & cpu.accR) { cpu.fetchLin = lin & ~0xfff; cpu.fetchHost = cpu.tlb.host[vpn]; }
  return b;
}

/**
 * Decodes the instruction at CS:EIP into cpu.dec[d ..]. Raises #GP for an over-long instruction
 * or one past the CS limit, #UD for an undefined opcode, a misplaced LOCK, or a register operand
 * where memory is required. Page faults on instruction fetch propagate as they are.
 */
export function decode(cpu: Cpu, d: number): void {
  const dec = cpu.dec;
  const eip = cpu.eip;
  const base = (cpu.segBase[Seg.CS] + eip) | 0;
  const code32 = cpu.code32;
  let op32 = code32, ad32 = code32;
  let pfx = 0, seg = -1, len = 0;
  let b = fetch8(cpu, base);
  len = 1;
  let pk = PREFIX_KIND[b];
  while (pk !== 0) {
    if (pk <= 6) { seg = pk - 1; pfx |= Pfx.SEG; }
    else if (pk === 7) { op32 = !code32; pfx |= Pfx.OPSIZE; }
    else if (pk === 8) { ad32 = !code32; pfx |= Pfx.ADSIZE; }
    else if (pk === 9) pfx |= Pfx.LOCK;
    else if (pk === 10) pfx = (pfx & ~Pfx.REP) | Pfx.REPNE;
    else pfx = (pfx & ~Pfx.REPNE) | Pfx.REP;
    if (len >= 15) raise(Exc.GP, 0);
    b = fetch8(cpu, (base + len) | 0);
    len++;
    pk = PREFIX_KIND[b];
  }
  let opcode = b;
  let node: number;
  if (b !== 0x0f) node = ROOT[b];
  else {
    b = fetch8(cpu, (base + len) | 0); len++;
    if (b === 0x38) {
      b = fetch8(cpu, (base + len) | 0); len++;
      opcode = 0x0f3800 | b;
      node = ROOT[0x200 | b];
    } else {
      opcode = 0x0f00 | b;
      node = ROOT[0x100 | b];
    }
  }
  let modrm = -1;
  let kind = KIND[node];
  while (kind !== N_LEAF) {
    if (kind === N_GROUP) {
      if (modrm < 0) { modrm = fetch8(cpu, (base + len) | 0); len++; }
      node = ARG[node] + ((modrm >> 3) & 7);
    } else if (kind === N_SPLIT || kind === N_SPLIT_RM) {
      if (modrm < 0) { modrm = fetch8(cpu, (base + len) | 0); len++; }
      if (modrm < 0xc0) node = ARG[node];
      else node = ARG[node] + 1 + (kind === N_SPLIT_RM ? modrm & 7 : 0);
    } else {
      // N_UNDEF (and prefix/escape bytes that cannot appear here): #UD, reported once.
      cpu.noteUndefined(opcode, modrm);
      raise(Exc.UD);
    }
    kind = KIND[node];
  }
  const info = ARG[node];
  const defSeg = seg >= 0 ? seg : Seg.DS;
  let ea = Ea.NONE | (Ea.NONE << 4) | (defSeg << 12);
  let disp = 0;
  if (info & LF_MODRM) {
    if (modrm < 0) { modrm = fetch8(cpu, (base + len) | 0); len++; }
    if (modrm < 0xc0 && (info & LF_REGONLY) === 0) {
      const mod = modrm >> 6, rm = modrm & 7;
      if (ad32) {
        let bse: number = rm, idx: number = Ea.NONE, scale = 0;
        if (rm === 4) {
          const sib = fetch8(cpu, (base + len) | 0); len++;
          bse = sib & 7;
          idx = (sib >> 3) & 7;
          if (idx === 4) idx = Ea.NONE;
          scale = sib >> 6;
        }
        if (mod === 0 && bse === 5) {
          bse = Ea.NONE;
          disp = fetch32(cpu, base, len); len += 4;
        } else if (mod === 1) {
          disp = (fetch8(cpu, (base + len) | 0) << 24) >> 24; len++;
        } else if (mod === 2) {
          disp = fetch32(cpu, base, len); len += 4;
        }
        const s = seg >= 0 ? seg : (bse === 4 || bse === 5) ? Seg.SS : Seg.DS;
        ea = bse | (idx << 4) | (scale << 8) | (s << 12);
      } else {
        // 16-bit forms (SDM Vol.2 Table 2-1): BX+SI BX+DI BP+SI BP+DI SI DI BP|disp16 BX
        let bse: number, idx: number;
        switch (rm) {
          case 0: bse = 3; idx = 6; break;
          case 1: bse = 3; idx = 7; break;
          case 2: bse = 5; idx = 6; break;
          case 3: bse = 5; idx = 7; break;
          case 4: bse = 6; idx = Ea.NONE; break;
          case 5: bse = 7; idx = Ea.NONE; break;
          case 6: bse = mod === 0 ? Ea.NONE : 5; idx = Ea.NONE; break;
          default: bse = 3; idx = Ea.NONE; break;
        }
        if (mod === 0 && rm === 6) { disp = fetch16(cpu, base, len); len += 2; }
        else if (mod === 1) { disp = (fetch8(cpu, (base + len) | 0) << 24) >> 24; len++; }
        else if (mod === 2) { disp = (fetch16(cpu, base, len) << 16) >> 16; len += 2; }
        const s = seg >= 0 ? seg : bse === 5 ? Seg.SS : Seg.DS;
        ea = bse | (idx << 4) | (s << 12) | Ea.ADDR16;
      }
    } else if (info & LF_MEMONLY) {
      cpu.noteUndefined(opcode, modrm);
      raise(Exc.UD);
    }
  }
  let imm = 0, imm2 = 0;
  switch ((info >> 12) & 15) {
    case IMM_NONE: break;
    case IMM_B: imm = fetch8(cpu, (base + len) | 0); len++; break;
    case IMM_BS: case IMM_JB: imm = (fetch8(cpu, (base + len) | 0) << 24) >> 24; len++; break;
    case IMM_W: imm = fetch16(cpu, base, len); len += 2; break;
    case IMM_Z:
      if (op32) { imm = fetch32(cpu, base, len); len += 4; } else { imm = fetch16(cpu, base, len); len += 2; }
      break;
    case IMM_JZ:
      if (op32) { imm = fetch32(cpu, base, len); len += 4; } else { imm = (fetch16(cpu, base, len) << 16) >> 16; len += 2; }
      break;
    case IMM_AP:
      if (op32) { imm = fetch32(cpu, base, len); len += 4; } else { imm = fetch16(cpu, base, len); len += 2; }
      imm2 = fetch16(cpu, base, len); len += 2;
      break;
    case IMM_MOFFS:
      if (ad32) { disp = fetch32(cpu, base, len); len += 4; } else { disp = fetch16(cpu, base, len); len += 2; ea |= Ea.ADDR16; }
      break;
    case IMM_WB:
      imm = fetch16(cpu, base, len); len += 2;
      imm2 = fetch8(cpu, (base + len) | 0); len++;
      break;
  }
  if (len > 15) raise(Exc.GP, 0);
  if (pfx & Pfx.LOCK) {
    if ((info & LF_LOCKABLE) === 0 || modrm >= 0xc0) { cpu.noteUndefined(opcode, modrm, "LOCK prefix on a non-lockable form"); raise(Exc.UD); }
  }
  // Every byte of the instruction must lie within the CS limit (SDM Vol.3 5.3).
  if (((eip >>> 0) + len - 1) > (cpu.segLimit[Seg.CS] >>> 0)) raise(Exc.GP, 0);
  if (!ad32 && (info & LF_MODRM) === 0) ea |= Ea.ADDR16;
  dec[d + Rec.HANDLER] = ((info & 0xfff) << 2) | (modrm >= 0xc0 ? 2 : 0) | (op32 ? 1 : 0);
  dec[d + Rec.MODRM] = modrm;
  dec[d + Rec.EA] = ea;
  dec[d + Rec.DISP] = disp;
  dec[d + Rec.IMM] = imm;
  dec[d + Rec.IMM2] = imm2;
  dec[d + Rec.LEN] = len | pfx | (op32 ? Pfx.OP32 : 0) | (ad32 ? Pfx.AD32 : 0);
  dec[d + Rec.OPCODE] = opcode;
}

function fetch16(cpu: Cpu, base: number, off: number): number {
  return fetch8(cpu, (base + off) | 0) | (fetch8(cpu, (base + off + 1) | 0) << 8);
}
function fetch32(cpu: Cpu, base: number, off: number): number {
  return fetch16(cpu, base, off) | (fetch16(cpu, base, off + 2) << 16);
}

/** Offset (not yet segmented) of the memory operand of the record at d. */
export function eaOffset(cpu: Cpu, d: number): number {
  const dec = cpu.dec;
  const ea = dec[d + Rec.EA];
  let off = dec[d + Rec.DISP];
  const b = ea & 15;
  if (b !== Ea.NONE) off = (off + cpu.regs[b]) | 0;
  const i = (ea >> 4) & 15;
  if (i !== Ea.NONE) off = (off + (cpu.regs[i] << ((ea >> 8) & 3))) | 0;
  return ea & Ea.ADDR16 ? off & 0xffff : off;
}

/** Segment register index the memory operand (or string source) of the record at d uses. */
export function eaSeg(cpu: Cpu, d: number): number {
  return (cpu.dec[d + Rec.EA] >> 12) & 7;
}
