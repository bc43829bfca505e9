// Operand formatting for the disassembler: table operand notation (legend in table.ts, SDM
// Vol.2 Appendix A.2) → objdump-style Intel operand text, consuming SIB, displacement and
// immediate bytes as it goes.

/** Disassembly state of one instruction while its operands are formatted. */
export interface Inst {
  at: (i: number) => number; // byte i of the instruction, -1 past the end
  len: number;               // bytes consumed so far
  modrm: number;
  op32: boolean;
  ad32: boolean;
  seg: number;               // segment override (0-5) or -1
  segUsed: boolean;          // the override was shown on a memory operand
  addrUsed: boolean;         // the address size mattered
  opsizeUsed: boolean;
  address: number;           // linear/offset address of the first byte (branch targets)
  opcodeByte: number;
  rvmw: boolean;             // Ew stores whose register form is operand-size wide
  bad: boolean;              // ran past the input
  relTargets: number[];
}

const REG8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const REG16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const REG32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const SREG = ["es", "cs", "ss", "ds", "fs", "gs"];
// 16-bit r/m forms, SDM Vol.2 Table 2-1: BX+SI BX+DI BP+SI BP+DI SI DI BP(disp16 if mod=0) BX
const RM16 = ["bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"];

const hex = (v: number) => "0x" + (v >>> 0).toString(16);
const signedHex = (v: number) => (v < 0 ? "-" : "+") + "0x" + Math.abs(v).toString(16);

function byte(inst: Inst): number {
  const b = inst.at(inst.len++);
  if (b < 0) { inst.bad = true; return 0; }
  return b;
}
function word(inst: Inst): number { return byte(inst) | (byte(inst) << 8); }
function dword(inst: Inst): number { return (word(inst) | (word(inst) << 16)) >>> 0; }

/** "byte ptr " etc. for a memory operand's size letter(s); "" for an unsized operand (M). */
function ptrSize(kind: string, op32: boolean): string {
  switch (kind) {
    case "b": return "byte ptr ";
    case "w": case "i16": return "word ptr ";
    case "d": case "f32": case "i32": return "dword ptr ";
    case "q": case "f64": case "i64": return "qword ptr ";
    case "dq": return "oword ptr ";
    case "t": case "f80": case "bcd": return "tbyte ptr ";
    case "v": return op32 ? "dword ptr " : "word ptr ";
    case "p": return op32 ? "fword ptr " : "dword ptr ";  // far pointer: offset + selector
    case "a": return op32 ? "qword ptr " : "dword ptr ";  // BOUND's pair of bounds
    default: return "";                                   // M, Ms (6-byte table register)
  }
}

function reg(kind: string, n: number, op32: boolean): string {
  if (kind === "b") return REG8[n];
  if (kind === "w") return REG16[n];
  if (kind === "d") return REG32[n];
  return op32 ? REG32[n] : REG16[n];
}

/** The modrm memory operand text after the size: "es:[ebx+esi*4+0x10]", "ds:0x1234". */
function memory(inst: Inst): string {
  const mod = inst.modrm >> 6, rm = inst.modrm & 7;
  let inner: string | null, disp = 0, absolute = false;
  if (inst.ad32) {
    let base = rm, index = -1, scale = 0, sib = false;
    if (rm === 4) {
      const s = byte(inst);
      sib = true;
      base = s & 7;
      index = (s >> 3) & 7;
      scale = s >> 6;
    }
    const noBase = mod === 0 && base === 5;
    if (noBase || mod === 2) disp = dword(inst) | 0;
    else if (mod === 1) disp = (byte(inst) << 24) >> 24;
    const parts: string[] = [];
    if (!noBase) parts.push(REG32[base]);
    // SIB index 100b means "no index"; objdump names it eiz unless the SIB only encodes [esp].
    if (sib && index !== 4) parts.push(`${REG32[index]}*${1 << scale}`);
    else if (sib && (base !== 4 || scale !== 0 || noBase)) parts.push(`eiz*${1 << scale}`);
    if (parts.length === 0) { absolute = true; inner = hex(disp); }
    else inner = parts.join("+") + (mod !== 0 || noBase ? signedHex(disp) : "");
  } else {
    if (mod === 0 && rm === 6) { disp = word(inst); absolute = true; inner = hex(disp); }
    else {
      if (mod === 1) disp = (byte(inst) << 24) >> 24;
      else if (mod === 2) disp = (word(inst) << 16) >> 16;
      inner = RM16[rm] + (mod !== 0 ? signedHex(disp) : "");
    }
  }
  inst.addrUsed = true;
  const segText = inst.seg >= 0 ? SREG[inst.seg] + ":" : absolute ? "ds:" : "";
  if (inst.seg >= 0) inst.segUsed = true;
  return absolute ? segText + inner : `${segText}[${inner}]`;
}

/** Formats operand `o` (table notation) of the instruction, consuming its bytes. */
export function formatOperand(inst: Inst, o: string): string {
  // Fixed operands (AL, DX, CL, 1, ES .. GS, AX) print as themselves; ST0 is objdump's "st".
  if (o === "ST0" || o === "ST") return "st";
  if (o !== "M" && /^[A-Z0-9]+$/.test(o)) return o.toLowerCase();
  const op32 = inst.op32;
  const m = inst.modrm;
  const k = o.slice(1);
  switch (o[0]) {
    case "E":
      if (m >= 0xc0) {
        if (inst.rvmw && k === "w") { inst.opsizeUsed = true; return reg("v", m & 7, op32); }
        return reg(k, m & 7, op32);
      }
      return ptrSize(k, op32) + memory(inst);
    case "M":
      return ptrSize(k, op32) + memory(inst);
    case "G":
      return reg(inst.rvmw && k === "w" ? "v" : k, (m >> 3) & 7, op32);
    case "R":
      return reg(k, m & 7, op32);
    case "Z":
      return reg(k, inst.opcodeByte & 7, op32);
    case "X": case "Y": case "B": {
      // String operands: X = seg:[eSI] (DS default), Y = ES:[eDI], B = seg:[eBX] (XLAT).
      inst.addrUsed = true;
      const r = o[0] === "X" ? 6 : o[0] === "Y" ? 7 : 3;
      let s = 0;
      if (o[0] !== "Y") { s = inst.seg >= 0 ? inst.seg : 3; if (inst.seg >= 0) inst.segUsed = true; }
      return `${ptrSize(k, op32)}${SREG[s]}:[${(inst.ad32 ? REG32 : REG16)[r]}]`;
    }
    case "O": {
      inst.addrUsed = true;
      const off = inst.ad32 ? dword(inst) : word(inst);
      if (inst.seg >= 0) inst.segUsed = true;
      return `${ptrSize(k, op32)}${SREG[inst.seg >= 0 ? inst.seg : 3]}:${hex(off)}`;
    }
    case "I": {
      if (o === "Ib") return hex(byte(inst));
      if (o === "Iw") return hex(word(inst));
      if (o === "Ibs") { const v = (byte(inst) << 24) >> 24; return hex(op32 ? v : v & 0xffff); }
      return hex(op32 ? dword(inst) : word(inst)); // Iz, Iv
    }
    case "J": {
      const rel = o === "Jb" ? (byte(inst) << 24) >> 24 : op32 ? dword(inst) | 0 : (word(inst) << 16) >> 16;
      // The target is computed at the operand size: a 16-bit EIP wraps (SDM Vol.2 JMP/Jcc).
      const t = (inst.address + inst.len + rel) | 0;
      return hex(op32 ? t : t & 0xffff);
    }
    case "A": {
      const off = op32 ? dword(inst) : word(inst);
      return `${hex(word(inst))}:${hex(off)}`;
    }
    case "S":
      if (o === "Sw") {
        const r = (m >> 3) & 7;
        if (r > 5) { inst.bad = true; return ""; }
        return SREG[r];
      }
      if (o === "STi") return `st(${m & 7})`;
      break;
    case "C": if (o === "Cd") return `cr${(m >> 3) & 7}`; break;
    case "D": if (o === "Dd") return `dr${(m >> 3) & 7}`; break;
  }
  if (o === "eAX") return op32 ? "eax" : "ax";
  throw new Error(`disassembler: unknown operand notation ${o}`);
}
