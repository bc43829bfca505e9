// State digests for divergence detection (design §3 "Digest events") and for tests that compare
// two runs.
//
// Hash: XXH32 (Yann Collet's xxHash, 32-bit variant), implemented here from its specification:
// four 32-bit lanes over 16-byte stripes (lane = rotl(lane + w * P2, 13) * P1), lanes merged by
// rotations, the length added, remaining words and bytes mixed in, and a final avalanche. It is
// a fixed function of the bytes (seed 0 unless stated): no host state, no randomness. Words are
// read through Int32Array views, which are little-endian on every platform Node runs on
// (checked at load), so xxh32Words(words) = xxh32(bytes of those words).
//
// Memory digest: one XXH32 per 4 KiB page, kept in a table; only pages written since the last
// update (DirtyLog) are rehashed, so a digest costs O(pages written) plus one pass over the
// table (8192 entries for 32 MiB). The memory value is the XXH32 of the page-hash table.
// CPU digest: XXH32 of a fixed list of architectural words (cpuWords below); lazy flags are
// materialized, derived and cache state is left out.
// 64-bit values: two XXH32s of the same input with seeds 0 and SEED2, high word first.

import type { Cpu } from "../cpu/cpu.js";
import { getEflags } from "../cpu/flags.js";
import type { HostMemory } from "../cpu/memory.js";
import type { Machine } from "../vmx/machine.js";
import { DirtyLog } from "./dirty-pages.js";
import { codec } from "./trace-format.js";

const P1 = 0x9e3779b1 | 0, P2 = 0x85ebca77 | 0, P3 = 0xc2b2ae3d | 0, P4 = 0x27d4eb2f | 0, P5 = 0x165667b1 | 0;
/** Second seed for the 64-bit digests (any fixed odd constant). */
export const SEED2 = 0x5bd1e995 | 0;

if (new Uint8Array(Uint32Array.of(1).buffer)[0] !== 1) throw new Error("x86rr digests assume a little-endian host");

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}
function round(acc: number, w: number): number {
  return Math.imul(rotl((acc + Math.imul(w, P2)) | 0, 13), P1);
}
function avalanche(h: number): number {
  h = Math.imul(h ^ (h >>> 15), P2);
  h = Math.imul(h ^ (h >>> 13), P3);
  return (h ^ (h >>> 16)) >>> 0;
}

/** XXH32 of `count` little-endian words words[start..start+count), as uint32. */
export function xxh32Words(words: Int32Array, start: number, count: number, seed = 0): number {
  let i = start;
  const end = start + count;
  let h: number;
  if (count >= 4) {
    let v1 = (seed + P1 + P2) | 0, v2 = (seed + P2) | 0, v3 = seed | 0, v4 = (seed - P1) | 0;
    const last = end - 4;
    for (; i <= last; i += 4) {
      v1 = round(v1, words[i]);
      v2 = round(v2, words[i + 1]);
      v3 = round(v3, words[i + 2]);
      v4 = round(v4, words[i + 3]);
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + count * 4) | 0;
  for (; i < end; i++) h = Math.imul(rotl((h + Math.imul(words[i], P3)) | 0, 17), P4);
  return avalanche(h);
}

/** XXH32 of bytes[start, end), as uint32 (the reference function; test vectors in test/replay/digest.test.ts). */
export function xxh32(bytes: Uint8Array, seed = 0, start = 0, end = bytes.length): number {
  const len = end - start;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = start;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0, v2 = (seed + P2) | 0, v3 = seed | 0, v4 = (seed - P1) | 0;
    for (; i + 16 <= end; i += 16) {
      v1 = round(v1, dv.getInt32(i, true));
      v2 = round(v2, dv.getInt32(i + 4, true));
      v3 = round(v3, dv.getInt32(i + 8, true));
      v4 = round(v4, dv.getInt32(i + 12, true));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  for (; i + 4 <= end; i += 4) h = Math.imul(rotl((h + Math.imul(dv.getInt32(i, true), P3)) | 0, 17), P4);
  for (; i < end; i++) h = Math.imul(rotl((h + Math.imul(bytes[i], P5)) | 0, 11), P1);
  return avalanche(h);
}

/** XXH32 of host page `page` of `mem` (its 4096 bytes). */
export function hashPage(mem: HostMemory, page: number, words = new Int32Array(mem.bytes.buffer, mem.bytes.byteOffset, mem.size >>> 2)): number {
  return xxh32Words(words, page << 10, 1024);
}

/** XXH32 of a 4 KiB page of zeros. */
const ZERO_PAGE_HASH = xxh32Words(new Int32Array(1024), 0, 1024) | 0;

/**
 * Whether the 1024 words from `start` are all zero: a plain scan is several times faster than
 * hashing, and most of RAM is zero at the first digest (which rehashes every page).
 */
function pageIsZero(words: Int32Array, start: number): boolean {
  const end = start + 1024;
  for (let i = start; i < end; i++) if (words[i] !== 0) return false;
  return true;
}

/** Page hashes of one HostMemory, refreshed for the pages written since the last update. */
export class MemoryDigest {
  readonly pageHash: Int32Array;
  private readonly stale: Uint8Array;
  private readonly words: Int32Array;
  private readonly log: DirtyLog;

  constructor(readonly mem: HostMemory) {
    this.pageHash = new Int32Array(mem.size >>> 12);
    this.words = new Int32Array(mem.bytes.buffer, mem.bytes.byteOffset, mem.size >>> 2);
    this.log = DirtyLog.of(mem);
    this.stale = this.log.subscribe();
  }

  /** Rehashes the pages written since the last update (all pages the first time); returns how many. */
  update(cpu: Cpu): number {
    this.log.collect(cpu);
    const stale = this.stale, ph = this.pageHash, words = this.words;
    let n = 0;
    for (let p = 0; p < stale.length; p++) {
      if (stale[p] === 0) continue;
      stale[p] = 0;
      ph[p] = pageIsZero(words, p << 10) ? ZERO_PAGE_HASH : xxh32Words(words, p << 10, 1024);
      n++;
    }
    return n;
  }

  /** 64-bit digest of all of memory (as of the last update): 8 bytes, big-endian. */
  value(): Uint8Array {
    return pack64(xxh32Words(this.pageHash, 0, this.pageHash.length, 0), xxh32Words(this.pageHash, 0, this.pageHash.length, SEED2));
  }

  /** Stops tracking (the DirtyLog no longer feeds this digest). */
  dispose(): void {
    this.log.unsubscribe(this.stale);
  }
}

/** Number of words cpuWords writes. */
export const CPU_WORDS = 176;

/**
 * The architectural CPU state as words: GPRs, EIP, EFLAGS (materialized), ES..GS/LDTR/TR
 * selector/base/limit/attributes, GDTR, IDTR, CR0/2/3/4, PDPTEs, DR0-7, SYSENTER, PAT,
 * TSC offset (two halves), MTRRs, MISC_ENABLE, CPUID.1 EDX/ECX, icount (two halves), halted,
 * interrupt shadow, exception in progress, x87 physical registers, CW, SW with TOP, tag, FIP,
 * FCS, FDP, FDS, FOP. Unused words are zero. Returns `out`.
 */
export function cpuWords(cpu: Cpu, out = new Int32Array(CPU_WORDS)): Int32Array {
  let k = 0;
  const put = (v: number) => { out[k++] = v | 0; };
  const put64 = (v: number) => { const hi = Math.floor(v / 4294967296); put(v - hi * 4294967296); put(hi); };
  for (let i = 0; i < 8; i++) put(cpu.regs[i]);
  put(cpu.eip); put(getEflags(cpu));
  for (let s = 0; s < 8; s++) { put(cpu.segSel[s]); put(cpu.segBase[s]); put(cpu.segLimit[s]); put(cpu.segAttr[s]); }
  put(cpu.gdtrBase); put(cpu.gdtrLimit); put(cpu.idtrBase); put(cpu.idtrLimit);
  put(cpu.cr0); put(cpu.cr2); put(cpu.cr3); put(cpu.cr4);
  for (let i = 0; i < 8; i++) put(cpu.pdpte[i]);
  for (let i = 0; i < 8; i++) put(cpu.dr[i]);
  put(cpu.sysenterCs); put(cpu.sysenterEsp); put(cpu.sysenterEip); put(cpu.patLo); put(cpu.patHi);
  put64(cpu.tscOffset);
  const m = cpu.msrs;
  for (let i = 0; i < 16; i++) { put(m.varLo[i]); put(m.varHi[i]); }
  for (let i = 0; i < 11; i++) { put(m.fixedLo[i]); put(m.fixedHi[i]); }
  put(m.defType); put(m.miscEnableLo); put(m.miscEnableHi);
  put(cpu.cpuidEdx1); put(cpu.cpuidEcx1);
  put64(cpu.icount);
  put(cpu.halted ? 1 : 0); put(cpu.inhibitIrq ? 1 : 0); put(cpu.excInProgress);
  const f = cpu.fpu;
  for (let r = 0; r < 8; r++) { put(f.signExp[r]); put(f.mantHi[r]); put(f.mantLo[r]); }
  put(f.cw); put(f.status()); put(f.ftw); put(f.fip); put(f.fcs); put(f.fdp); put(f.fds); put(f.fop);
  if (k > CPU_WORDS) throw new Error(`cpuWords wrote ${k} words, CPU_WORDS is ${CPU_WORDS}`);
  out.fill(0, k);
  return out;
}

/** 64-bit digest of the architectural CPU state: 8 bytes, big-endian. */
export function cpuDigest(cpu: Cpu): Uint8Array {
  const w = cpuWords(cpu);
  return pack64(xxh32Words(w, 0, CPU_WORDS, 0), xxh32Words(w, 0, CPU_WORDS, SEED2));
}

/** The payload of a DIGEST trace event (trace-events.ts): CPU digest, memory digest, pages rehashed. */
export function digestEvent(cpu: Cpu, memory: MemoryDigest): { cpu: Uint8Array; mem: Uint8Array; pages: number } {
  const pages = memory.update(cpu);
  return { cpu: cpuDigest(cpu), mem: memory.value(), pages };
}

/**
 * Everything a test compares between two runs of a machine, as hex: CPU digest, a full hash of
 * RAM (every page rehashed; no DirtyLog, so it does not disturb the machine), the devices'
 * saved state, guest idle time (host clock: its segment and estimates), the next timer deadline,
 * the A20 mask and the VM-exit counts.
 */
export function machineDigest(m: Machine): string {
  const words = new Int32Array(m.mem.bytes.buffer, m.mem.bytes.byteOffset, m.mem.size >>> 2);
  const pages = m.mem.size >>> 12;
  const table = new Int32Array(pages);
  for (let p = 0; p < pages; p++) table[p] = xxh32Words(words, p << 10, 1024);
  const rest = codec.encode({
    devices: m.platform.save(),
    idleNs: m.time.idleNs,
    ...(m.time.host ? { hostTime: m.time.save().host } : {}),
    nextDeadline: m.clock.nextDeadlineIcount(),
    a20Mask: m.cpu.phys.a20Mask,
    exits: Array.from(m.vmm.stats.byReason),
    shutdown: m.vmm.shutdownReason,
  }) as Uint8Array;
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  return `cpu:${hex(cpuDigest(m.cpu))} mem:${hex(pack64(xxh32Words(table, 0, pages, 0), xxh32Words(table, 0, pages, SEED2)))} ` +
    `dev:${hex(pack64(xxh32(rest, 0), xxh32(rest, SEED2)))}`;
}

function pack64(hi: number, lo: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, hi >>> 0);
  v.setUint32(4, lo >>> 0);
  return b;
}
