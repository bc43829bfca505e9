// The register file gdb sees, in the order of the target description (target-xml.ts):
//   0-7  eax ecx edx ebx esp ebp esi edi   8 eip   9 eflags   10-15 cs ss ds es fs gs      (4 bytes each)
//   16-23 st0-st7 (10 bytes each: 64-bit significand, then sign+exponent; physical R(top+i))
//   24-31 fctrl fstat ftag fiseg fioff foseg fooff fop                                   (4 bytes each)
//   32-35 cr0 cr2 cr3 cr4   36-41 es_base cs_base ss_base ds_base fs_base gs_base         (4 bytes each)
// Registers are transferred little-endian (the target's byte order).

import type { Cpu } from "../cpu/cpu.js";
import { Seg } from "../cpu/constants.js";
import { getEflags, materialize } from "../cpu/flags.js";
import { loadSegmentReal } from "../cpu/system/segments.js";

export interface RegDef { name: string; bytes: number; type: string; group?: string }

const SEGS = ["cs", "ss", "ds", "es", "fs", "gs"];
/** gdb's segment order → our segment index. */
const SEG_INDEX = [Seg.CS, Seg.SS, Seg.DS, Seg.ES, Seg.FS, Seg.GS];

export const REGS: RegDef[] = [
  ...["eax", "ecx", "edx", "ebx"].map((name) => ({ name, bytes: 4, type: "int32" })),
  { name: "esp", bytes: 4, type: "data_ptr" }, { name: "ebp", bytes: 4, type: "data_ptr" },
  { name: "esi", bytes: 4, type: "int32" }, { name: "edi", bytes: 4, type: "int32" },
  { name: "eip", bytes: 4, type: "code_ptr" }, { name: "eflags", bytes: 4, type: "i386_eflags" },
  ...SEGS.map((name) => ({ name, bytes: 4, type: "int32" })),
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ name: `st${i}`, bytes: 10, type: "i387_ext" })),
  ...["fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"].map((name) => ({ name, bytes: 4, type: "int", group: "float" })),
  ...["cr0", "cr2", "cr3", "cr4"].map((name) => ({ name, bytes: 4, type: "int32", group: "system" })),
  ...["es", "cs", "ss", "ds", "fs", "gs"].map((s) => ({ name: `${s}_base`, bytes: 4, type: "data_ptr", group: "system" })),
];
export const FIRST_FPU = 16, FIRST_SYSTEM = 32;
/** Segment index for each *_base register (ES CS SS DS FS GS order = our Seg numbering). */
const BASE_SEG = [Seg.ES, Seg.CS, Seg.SS, Seg.DS, Seg.FS, Seg.GS];

/** Full x87 tag word from the abridged tag (FSTENV form: 00 valid, 01 zero, 10 special, 11 empty). */
function fullTag(cpu: Cpu): number {
  const f = cpu.fpu;
  let tw = 0;
  for (let r = 0; r < 8; r++) {
    let t = 3;
    if (f.ftw & (1 << r)) {
      const exp = f.signExp[r] & 0x7fff;
      if (exp === 0x7fff) t = 2;
      else if (exp === 0) t = f.mantLo[r] === 0 && f.mantHi[r] === 0 ? 1 : 2;
      else t = (f.mantHi[r] & 0x80000000) !== 0 ? 0 : 2;
    }
    tw |= t << (2 * r);
  }
  return tw;
}

/** Value bytes of register `n` (little-endian); null when `n` is not a register. */
export function readRegister(cpu: Cpu, n: number): Uint8Array | null {
  const def = REGS[n];
  if (!def) return null;
  const out = new Uint8Array(def.bytes);
  const dv = new DataView(out.buffer);
  if (n >= FIRST_FPU && n < FIRST_FPU + 8) {
    const f = cpu.fpu, r = (f.top + (n - FIRST_FPU)) & 7;
    dv.setInt32(0, f.mantLo[r], true); dv.setInt32(4, f.mantHi[r], true); dv.setUint16(8, f.signExp[r], true);
    return out;
  }
  dv.setInt32(0, word(cpu, n), true);
  return out;
}

function word(cpu: Cpu, n: number): number {
  const f = cpu.fpu;
  if (n < 8) return cpu.regs[n];
  if (n === 8) return cpu.eip;
  if (n === 9) return getEflags(cpu);
  if (n < 16) return cpu.segSel[SEG_INDEX[n - 10]];
  switch (n) {
    case 24: return f.cw;
    case 25: return (f.sw & ~0x3800) | ((f.top & 7) << 11);
    case 26: return fullTag(cpu);
    case 27: return f.fcs;
    case 28: return f.fip;
    case 29: return f.fds;
    case 30: return f.fdp;
    case 31: return f.fop;
    case 32: return cpu.cr0;
    case 33: return cpu.cr2;
    case 34: return cpu.cr3;
    case 35: return cpu.cr4;
    default: return cpu.segBase[BASE_SEG[n - 36]];
  }
}

/**
 * Writes register `n` from little-endian `bytes`. General registers, EIP, EFLAGS and x87 data
 * registers are writable; a segment selector is writable in real mode only (in protected mode
 * it would need a descriptor load with its checks); others are refused. Returns false if refused.
 */
export function writeRegister(cpu: Cpu, n: number, bytes: Uint8Array): boolean {
  const def = REGS[n];
  if (!def || bytes.length !== def.bytes) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (n >= FIRST_FPU && n < FIRST_FPU + 8) {
    const f = cpu.fpu, r = (f.top + (n - FIRST_FPU)) & 7;
    f.mantLo[r] = dv.getInt32(0, true); f.mantHi[r] = dv.getInt32(4, true); f.signExp[r] = dv.getUint16(8, true);
    return true;
  }
  const v = dv.getInt32(0, true);
  if (n < 8) { cpu.regs[n] = v; return true; }
  if (n === 8) { cpu.eip = v; cpu.fetchHost = -1; return true; }
  if (n === 9) {
    materialize(cpu);
    cpu.flags = (v & 0x003f7fd5) | 2;
    cpu.updateMode();
    cpu.poke();
    return true;
  }
  if (n < 16) {
    const seg = SEG_INDEX[n - 10];
    if (cpu.segSel[seg] === (v & 0xffff)) return true;
    if ((cpu.cr0 & 1) !== 0) return false;
    loadSegmentReal(cpu, seg, v & 0xffff);
    cpu.updateMode();
    return true;
  }
  return word(cpu, n) === v; // read-only: accepted only when unchanged (gdb writes back all of 'G')
}
