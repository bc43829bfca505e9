// Runner for the SingleStepTests 80286 real-mode vectors (../shared/conformance/sst-80286-real,
// see its README.md): each vector is one instruction plus HLT, captured on a real 80286.
//
// Setup per the README: 16 MiB RAM, no A20 wrap, FLAGS bits 12-15 cleared before loading, every
// I/O read returns all ones (TestHost's default), run until the HLT completes. Compared: the 14
// registers (FLAGS under the vector's flags_mask) and memory — every byte the vector names, plus
// any other byte the emulator wrote (found by scanning the pages the CPU touched).
//
// Exclusions: only the 286-vs-i686 differences the README documents, each with a reason:
//   lock-non-lockable  LOCK (F0) on a form that is not a lockable memory read-modify-write:
//                      runs on the 286, #UD on a 386+ (README "Our own observation").
//   length-over-10     instructions longer than 10 bytes: #GP on the 286, valid up to 15 bytes
//                      on a 386+ (README "Instruction length limit").
// Masks beyond flags_mask, also from the README: FLAGS bits 12-15 (masking rule 1, already out of
// flags_mask); the FLAGS word of an exception frame gets the vector's flags_mask (rule 3; located
// at SS:SP-2 of the initial state, since the README's flag_address is rounded down to even and
// so misses the word when SP is odd); OF for C0 /0-/3 rotates by a count other than 1 (README:
// upstream masks it for C1 but not for C0).
//
// classify() names the 286-vs-386+ differences the data shows beyond the README, for the
// known-failures list: they are not emulator bugs, but they are not excluded either.

import { gunzipSync } from "node:zlib";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Cpu, STOP_HALT } from "../../src/cpu/cpu.js";
import { Desc, Seg } from "../../src/cpu/constants.js";
import { getEflags } from "../../src/cpu/flags.js";
import { makeCpu, real16 } from "../cpu/harness.js";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root's sibling `shared/` directory, as on the CI machine. */
export const SST_DIR = resolve(here, "..", "..", "..", "shared", "conformance", "sst-80286-real");

export interface SstRegs {
  ax: number; bx: number; cx: number; dx: number; cs: number; ss: number; ds: number; es: number;
  sp: number; bp: number; si: number; di: number; ip: number; flags: number;
}
export interface SstTest {
  idx: number;
  name: string;
  bytes: number[];
  initial: { regs: SstRegs; ram: Array<[number, number]> };
  final: { regs: Partial<SstRegs>; ram: Array<[number, number]> };
  exception?: { number: number; flag_address: number };
  flags_mask: number;
  hash: string;
}

export function sstFiles(): string[] {
  if (!existsSync(SST_DIR)) {
    throw new Error(`80286 conformance data not found at ${SST_DIR}: the shared/ directory must sit beside the checkout (../shared)`);
  }
  return readdirSync(SST_DIR).filter((f) => f.endsWith(".json.gz")).sort();
}

export function loadSstFile(file: string): SstTest[] {
  return JSON.parse(gunzipSync(readFileSync(join(SST_DIR, file))).toString("utf8")) as SstTest[];
}

const SEG_PREFIX = new Set([0x26, 0x2e, 0x36, 0x3e]);

/** The instruction's prefixes (F0 F2 F3 and segment overrides) and the index of its opcode byte. */
function splitPrefixes(bytes: number[]): { prefixes: number[]; op: number } {
  let i = 0;
  while (i < bytes.length && (SEG_PREFIX.has(bytes[i]) || bytes[i] === 0xf0 || bytes[i] === 0xf2 || bytes[i] === 0xf3)) i++;
  return { prefixes: bytes.slice(0, i), op: i };
}

/** Is this a form LOCK may prefix on a 386+ (SDM Vol.2 "LOCK"): a read-modify-write on memory. */
function lockable(bytes: number[], op: number): boolean {
  const o = bytes[op], modrm = bytes[op + 1];
  if (modrm === undefined || modrm >> 6 === 3) return false;
  const reg = (modrm >> 3) & 7;
  if (o < 0x40 && (o & 7) < 2 && (o >> 3) !== 7) return true; // ADD OR ADC SBB AND SUB XOR Eb/Ev,G (not CMP)
  if (o >= 0x80 && o <= 0x83) return reg !== 7; // group 1 except CMP
  if (o === 0x86 || o === 0x87) return true; // XCHG
  if (o === 0xf6 || o === 0xf7) return reg === 2 || reg === 3; // NOT NEG
  if (o === 0xfe || o === 0xff) return reg === 0 || reg === 1; // INC DEC
  return false;
}

/** The README-documented exclusion class of a vector, or undefined when it is compared. */
export function exclusion(t: SstTest): string | undefined {
  const code = t.bytes.slice(0, -1); // without the trailing HLT
  const { prefixes, op } = splitPrefixes(code);
  if (prefixes.includes(0xf0) && !lockable(code, op)) return "lock-non-lockable";
  if (code.length > 10) return "length-over-10";
  return undefined;
}

const DATA_ATTR = Desc.P | Desc.S | Desc.RW | Desc.A;
const REG_INDEX: Array<[keyof SstRegs, number]> = [["ax", 0], ["cx", 1], ["dx", 2], ["bx", 3], ["sp", 4], ["bp", 5], ["si", 6], ["di", 7]];
const SEG_INDEX: Array<[keyof SstRegs, number]> = [["es", Seg.ES], ["cs", Seg.CS], ["ss", Seg.SS], ["ds", Seg.DS]];
const MEM_SIZE = 16 << 20;

let machine: { cpu: Cpu } | undefined;

/** Runs one vector; returns the list of differences (empty = pass). */
export function runSst(t: SstTest): string[] {
  if (!machine) machine = { cpu: makeCpu(MEM_SIZE).cpu };
  const cpu = machine.cpu;
  const mem = cpu.mem;
  const bytes = mem.bytes;
  const r = t.initial.regs;

  for (const [a, v] of t.initial.ram) {
    bytes[a] = v;
    mem.invalidateCode(a, 1);
  }
  cpu.reset();
  cpu.shutdownReason = "";
  real16(cpu, r.cs, r.ip, r.sp);
  for (const [name, seg] of SEG_INDEX) if (seg !== Seg.CS) cpu.setSegCache(seg, r[name], r[name] << 4, 0xffff, DATA_ATTR);
  // Real-mode CS keeps the RESET attributes (SDM Vol.3 Table 9-1: present, R/W, accessed), so
  // CS-override writes work as on hardware.
  cpu.setSegCache(Seg.CS, r.cs, r.cs << 4, 0xffff, DATA_ATTR);
  for (const [name, i] of REG_INDEX) cpu.regs[i] = r[name];
  cpu.flags = (r.flags & 0x0fff) | 2;
  cpu.lzMask = 0;
  cpu.updateMode();
  cpu.flushTlb();

  const diffs: string[] = [];
  let stop = -1;
  try {
    stop = cpu.run(cpu.icount + 70_000);
  } catch (e) {
    diffs.push(`emulator error: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (stop !== STOP_HALT && diffs.length === 0) diffs.push(`did not reach HLT (stop reason ${stop}, cs:ip ${hex4(cpu.segSel[Seg.CS])}:${hex4(cpu.eip)})`);

  // Registers.
  const want = { ...r, ...t.final.regs };
  let mask = t.flags_mask;
  const code = t.bytes.slice(0, -1);
  const { op } = splitPrefixes(code);
  if (code[op] === 0xc0 && ((code[op + 1] >> 3) & 7) < 4 && (code[code.length - 1] & 31) !== 1) mask &= ~0x800;
  for (const [name, i] of REG_INDEX) {
    const got = cpu.regs[i] & 0xffff;
    if (got !== want[name]) diffs.push(`${name}: want ${hex4(want[name])}, got ${hex4(got)}`);
  }
  for (const [name, seg] of SEG_INDEX) {
    if (cpu.segSel[seg] !== want[name]) diffs.push(`${name}: want ${hex4(want[name])}, got ${hex4(cpu.segSel[seg])}`);
  }
  const ip = cpu.eip & 0xffff;
  if (ip !== want.ip) diffs.push(`ip: want ${hex4(want.ip)}, got ${hex4(ip)}`);
  const fl = getEflags(cpu) & mask, wf = want.flags & mask;
  if (fl !== wf) diffs.push(`flags (mask ${hex4(mask)}): want ${hex4(wf)}, got ${hex4(fl)}, differ ${hex4(fl ^ wf)}`);

  // Memory: expected bytes, with the exception frame's FLAGS word masked.
  const expect = new Map<number, number>();
  for (const [a, v] of t.initial.ram) expect.set(a, v);
  for (const [a, v] of t.final.ram) expect.set(a, v);
  const byteMask = new Map<number, number>();
  if (t.exception) {
    // The FLAGS word is the first push of the frame: SS:(SP-2). The README's flag_address is that
    // address rounded down to even, which is off by one when SP is odd; use the pushed location.
    const flagAddr = (r.ss << 4) + ((r.sp - 2) & 0xffff);
    byteMask.set(flagAddr, mask & 0xff);
    byteMask.set(flagAddr + 1, (mask >> 8) & 0xff);
  }
  let shown = 0;
  for (const [a, v] of expect) {
    const m = byteMask.get(a) ?? 0xff;
    if ((bytes[a] & m) !== (v & m) && shown++ < 6) diffs.push(`mem[${hex6(a)}]: want ${hex2(v)}, got ${hex2(bytes[a])}`);
  }
  // Stray writes: any other nonzero byte in a page the CPU touched (memory starts zeroed).
  const words = new Int32Array(bytes.buffer);
  for (let p = 0; p < mem.dirty.length; p++) {
    if (mem.dirty[p] === 0) continue;
    const base = p << 12;
    for (let w = base >> 2; w < (base + 4096) >> 2; w++) {
      if (words[w] === 0) continue;
      for (let a = w << 2; a < (w << 2) + 4; a++) {
        if (bytes[a] !== 0 && !expect.has(a) && shown++ < 6) diffs.push(`mem[${hex6(a)}]: want 00 (untouched), got ${hex2(bytes[a])}`);
      }
      words[w] = 0;
    }
    mem.dirty[p] = 0;
  }
  cpu.flushTlb();
  return diffs;
}

const hex2 = (v: number) => (v & 0xff).toString(16).padStart(2, "0");
const hex4 = (v: number) => (v & 0xffff).toString(16).padStart(4, "0");
const hex6 = (v: number) => v.toString(16).padStart(6, "0");

/**
 * Why a vector fails, for the known-failures list: a 286-vs-386+ difference seen in the data,
 * or else the first difference found.
 */
export function classify(t: SstTest, diffs: string[]): string {
  const code = t.bytes.slice(0, -1);
  const { prefixes, op } = splitPrefixes(code);
  const o = code[op], reg = (code[op + 1] >> 3) & 7;
  if ((o === 0x8c || o === 0x8e) && (reg === 4 || reg === 5)) {
    return "286 has no FS/GS: MOV Sreg with reg 4/5 raises #UD there; valid on a 386+ (not an emulator bug)";
  }
  if (t.exception?.number === 13 && /^(rep[a-z]* )?(ins|outs|movs|cmps|stos|lods|scas)w$/.test(t.name.replace(/^(lock |[a-z]s:? ?)+/, ""))) {
    return "word string access at SI/DI=FFFF: the 286 steps SI/DI/CX before raising #GP; a 386+ faults before any update (SDM Vol.2 'Real-Address Mode Exceptions'; not an emulator bug)";
  }
  const modrm = code[op + 1];
  const bpBased = modrm !== undefined && modrm >> 6 !== 3 && [2, 3, 6].includes(modrm & 7) && !(modrm >> 6 === 0 && (modrm & 7) === 6);
  const stackOp = [0x07, 0x17, 0x1f, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x61, 0x8f, 0x9d, 0xc2, 0xc3, 0xc9, 0xca, 0xcb, 0xcf].includes(o);
  const segOverride = prefixes.some((p) => SEG_PREFIX.has(p));
  if (t.exception?.number === 13 && (stackOp || (bpBased && !segOverride) || (o === 0x62 && bpBased))) {
    return "SS-relative access past offset FFFF: the 286 raised #GP (13); a 386+ raises #SS (12) in real mode (SDM Vol.2 'Real-Address Mode Exceptions': #SS for an SS limit violation; not an emulator bug)";
  }
  return diffs[0];
}
