// Inline fast paths for the commonest memory instructions in compiled blocks: MOV loads and
// stores, MOVZX from a byte, LODSD. Each is JavaScript source doing exactly what the handler's
// fast path in mmu.ts does (segment limit from segLimR/segLimW, TLB permission for the current
// privilege, no page crossing) and, when any of those does not hold, calling the handler itself,
// which starts over from nothing changed. So the slow paths (walks, faults, MMIO, breakpoints,
// alignment checks, code-page writes) stay in one place.
//
// The source uses the names block-codegen.ts defines: cpu, regs, segBase, segLimR, segLimW,
// tlbFlags, tlbHost, bytes, view; `call` is the handler call to fall back on.

import { Ea, IMPL_NAMES, Pfx, Rec } from "./decoder.js";

const id = (name: string) => IMPL_NAMES.indexOf(name);
const MOV_EB_GB = id("op_88"), MOV_EV_GV = id("op_89"), MOV_GV_EV = id("op_8b");
const MOV_EB_IB = id("op_c6_0"), MOVZX_GV_EB = id("op_0f_b6"), LODS_V = id("op_ad");

/** Offset expression of the memory operand of record `d`, or null for 16-bit addressing. */
function offsetOf(dec: Int32Array, d: number): string | null {
  const ea = dec[d + Rec.EA];
  if ((ea & Ea.ADDR16) !== 0) return null;
  const b = ea & 15, i = (ea >> 4) & 15, s = (ea >> 8) & 3;
  let e = `${dec[d + Rec.DISP]}`;
  if (b !== Ea.NONE) e += ` + regs[${b}]`;
  if (i !== Ea.NONE) e += s === 0 ? ` + regs[${i}]` : ` + (regs[${i}] << ${s})`;
  return `((${e}) | 0)`;
}

/** A read of `size` (1 or 4) bytes at `off` through segment `seg` into `into(value)`, else `call`. */
function load(seg: number, off: string, size: number, into: (v: string) => string, call: string): string {
  const v = size === 1 ? "bytes[tlbHost[v] + (l & 0xfff)]" : "view.getInt32(tlbHost[v] + (l & 0xfff), true)";
  const inPage = size === 1 ? "" : " && (l & 0xfff) < 0xffd";
  return `{ const o = ${off}, l = (segBase[${seg}] + o) | 0, v = l >>> 12;\n` +
    `if ((o >>> 0) + ${size - 1} <= segLimR[${seg}] && (tlbFlags[v] & cpu.accR) !== 0${inPage}) { ${into(v)}; } else ${call}; }\n`;
}

function store(seg: number, off: string, size: number, value: string, call: string): string {
  const w = size === 1 ? `bytes[tlbHost[v] + (l & 0xfff)] = ${value}` : `view.setInt32(tlbHost[v] + (l & 0xfff), ${value}, true)`;
  const inPage = size === 1 ? "" : " && (l & 0xfff) < 0xffd";
  return `{ const o = ${off}, l = (segBase[${seg}] + o) | 0, v = l >>> 12;\n` +
    `if ((o >>> 0) + ${size - 1} <= segLimW[${seg}] && (tlbFlags[v] & cpu.accW) !== 0${inPage}) { ${w}; } else ${call}; }\n`;
}

const reg8 = (r: number) => (r < 4 ? `(regs[${r}] & 0xff)` : `((regs[${r - 4}] >> 8) & 0xff)`);

/**
 * Source doing the work of record `d` with the memory fast path inline, or null when it has no
 * inline form (then the block calls the handler). `call` is the handler call.
 */
export function inlineSource(dec: Int32Array, d: number, call: string): string | null {
  const h = dec[d], impl = h >> 2, op32 = (h & 1) !== 0, regForm = (h & 2) !== 0;
  const seg = (dec[d + Rec.EA] >> 12) & 7;
  if (impl === LODS_V) {
    // LODSD without REP, 32-bit addressing: EAX ← [seg:ESI], ESI ± 4 by EFLAGS.DF.
    const len = dec[d + Rec.LEN];
    if (!op32 || (len & Pfx.AD32) === 0 || (len & (Pfx.REP | Pfx.REPNE)) !== 0) return null;
    return load(seg, "regs[6]", 4, (v) => `regs[0] = ${v}; regs[6] = (o + ((cpu.flags & 0x400) !== 0 ? -4 : 4)) | 0`, call);
  }
  if (regForm) return null;
  const off = offsetOf(dec, d);
  if (off === null) return null;
  const g = (dec[d + Rec.MODRM] >> 3) & 7;
  if (impl === MOV_GV_EV && op32) return load(seg, off, 4, (v) => `regs[${g}] = ${v}`, call);
  if (impl === MOVZX_GV_EB && op32) return load(seg, off, 1, (v) => `regs[${g}] = ${v}`, call);
  if (impl === MOV_EV_GV && op32) return store(seg, off, 4, `regs[${g}]`, call);
  if (impl === MOV_EB_GB) return store(seg, off, 1, reg8(g), call);
  if (impl === MOV_EB_IB) return store(seg, off, 1, `${dec[d + Rec.IMM] & 0xff}`, call);
  return null;
}
