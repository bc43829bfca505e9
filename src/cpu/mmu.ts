// Linear → guest-physical → host translation, the TLB, and every data access path.
//
// TLB: direct-mapped over all 2^20 linear pages. tlbHost[vpn] is the host offset of the page,
// tlbFlags[vpn] says which accesses may use it without a walk:
//
//   bit 0 TLB_RS  supervisor read      bit 2 TLB_RU  user read
//   bit 1 TLB_WS  supervisor write     bit 3 TLB_WU  user write
//   bit 4 TLB_G   global (survives a CR3 load when CR4.PGE)
//
// Write bits are granted only once the D bit is set, so the first write walks and sets it.
// Pages without RAM behind them (MMIO) never get access bits: every access takes the slow path.
//
// tlbFlags are fast-path permissions and are withheld for reasons of this emulator's own caches
// (code pages, not-yet-dirty pages, MMIO, watched pages). The architectural TLB entry — what a
// processor would have cached from the walk — is kept apart in tlbArch/tlbGpa, and the slow path
// uses it before walking. So which translation an access sees (a stale one, when the guest changed
// a PTE without INVLPG) depends only on the architectural TLB, never on cache warmth, which a
// snapshot restore resets: "restore, then run" equals "keep running" even for such guests.
// cpu.accR / cpu.accW hold the bit an access at the current privilege needs (TLB_RU for CPL 3);
// when alignment checking is live they hold TLB_NEVER so every access goes through the slow path.
//
// Segment checks (SDM Vol.3 5.3): segLimR/segLimW hold the highest offset readable/writable
// through each segment register, or -1 when the fast check cannot decide (null/unusable
// segment, execute-only code, expand-down data): those go to segCheckSlow.

import type { Cpu } from "./cpu.js";
import { Cr0, Cr4, Desc, Exc, Pfec, Pte, Seg } from "./constants.js";
import { raise, raisePageFault } from "./fault.js";
import { ACC_READ, ACC_WRITE } from "./memory.js";
import { dataBreakpointAccess, pageHasDataBreakpoint } from "./system/debug.js";
import { walkPae } from "./pae.js";

export const enum TlbBit {
  RS = 1,
  WS = 2,
  RU = 4,
  WU = 8,
  G = 16,
  NEVER = 64,
}
/** tlbArch bits beyond RS/WS/RU/WU/G (which mean the PTE's permissions there, regardless of D). */
export const enum TlbArch {
  /** The cached PTE had D set: writes need no walk. */
  D = 32,
  /** The entry is valid. */
  V = 128,
}
export const enum Xl {
  WRITE = 1,
  USER = 2,
  FETCH = 4,
}
// Plain-name aliases kept while older code migrates: imported numbers are NOT inlined by
// V8 (they cost a load and a hole check each), so new code uses the enum members above.
/** @deprecated use TlbBit.RS */
export const TLB_RS = TlbBit.RS;
/** @deprecated use TlbBit.WS */
export const TLB_WS = TlbBit.WS;
/** @deprecated use TlbBit.RU */
export const TLB_RU = TlbBit.RU;
/** @deprecated use TlbBit.WU */
export const TLB_WU = TlbBit.WU;
/** @deprecated use TlbBit.G */
export const TLB_G = TlbBit.G;
/** @deprecated use TlbBit.NEVER */
export const TLB_NEVER = TlbBit.NEVER;
/** @deprecated use Xl.WRITE */
export const XL_WRITE = Xl.WRITE;
/** @deprecated use Xl.USER */
export const XL_USER = Xl.USER;
/** @deprecated use Xl.FETCH */
export const XL_FETCH = Xl.FETCH;
const TLB_LIST_MAX = 8192;

/**
 * A debugger's data-access observer (gdbstub read/access watchpoints): pages it names never get a
 * TLB entry, so every data access to them takes the slow path, which reports it after the checks.
 */
export interface AccessWatch {
  pageWatched(vpn: number): boolean;
  access(lin: number, size: number, write: boolean): void;
}

export class Tlb {
  /** Fast-path permissions (TlbBit), 0 for no entry or slow path only. */
  readonly flags = new Uint8Array(1 << 20);
  readonly host = new Int32Array(1 << 20);
  /** The architectural entry: TlbBit permissions of the PTE plus TlbArch.D/V; 0 for no entry. */
  readonly arch = new Uint8Array(1 << 20);
  /** Guest-physical frame of the architectural entry. */
  readonly gpa = new Int32Array(1 << 20);
  readonly list = new Int32Array(TLB_LIST_MAX);
  count = 0;
  /** Per 4 MiB region: 1 when entries from a large (PSE) page may be cached there (INVLPG drops the region). */
  readonly large = new Uint8Array(1 << 10);

  /** Drops every entry (or every non-global one). */
  flush(keepGlobal: boolean): void {
    const f = this.flags, a = this.arch, l = this.list;
    if (this.count >= TLB_LIST_MAX) {
      if (!keepGlobal) { f.fill(0); a.fill(0); this.count = 0; this.large.fill(0); return; }
      // The list overflowed: entries may exist that it does not name. Sweep the whole array.
      let n = 0, overflow = false;
      for (let v = 0; v < a.length; v++) {
        if (a[v] & TlbBit.G) { if (n < TLB_LIST_MAX) l[n++] = v; else overflow = true; } else { a[v] = 0; f[v] = 0; }
      }
      // More global entries than the list holds: stay in overflow mode so the next flush sweeps.
      this.count = overflow ? TLB_LIST_MAX : n;
      return;
    }
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const v = l[i];
      if (keepGlobal && (a[v] & TlbBit.G)) l[n++] = v;
      else { a[v] = 0; f[v] = 0; }
    }
    this.count = n;
    if (!keepGlobal) this.large.fill(0);
  }

  /**
   * INVLPG: drops the translation of linear page `vpn`. When a large page may cover it, its whole
   * 4 MiB region goes (dropping more than asked is always allowed; SDM Vol.3 4.10.4.1).
   */
  invalidate(vpn: number): void {
    const r = vpn >>> 10;
    if (this.large[r] !== 0) {
      this.flags.fill(0, r << 10, (r + 1) << 10);
      this.arch.fill(0, r << 10, (r + 1) << 10);
      this.large[r] = 0;
    } else {
      this.flags[vpn] = 0;
      this.arch[vpn] = 0;
    }
  }

  /**
   * Drops every fast-path permission and keeps the architectural entries: for changes in what
   * this emulator must see on the slow path (breakpoints, debugger watches), which must not look
   * to the guest like a TLB flush.
   */
  dropFast(): void {
    if (this.count >= TLB_LIST_MAX) { this.flags.fill(0); return; }
    const f = this.flags, l = this.list;
    for (let i = 0; i < this.count; i++) f[l[i]] = 0;
  }

  /** Removes write permission from every entry that maps host page `hostPage` (it now holds cached code). */
  revokeWrite(hostPage: number): void {
    const f = this.flags, h = this.host, l = this.list;
    if (this.count >= TLB_LIST_MAX) {
      for (let v = 0; v < f.length; v++) if (f[v] && (h[v] >>> 12) === hostPage) f[v] &= ~(TlbBit.WS | TlbBit.WU);
      return;
    }
    for (let i = 0; i < this.count; i++) {
      const v = l[i];
      if ((h[v] >>> 12) === hostPage) f[v] &= ~(TlbBit.WS | TlbBit.WU);
    }
  }

  insert(vpn: number, gpaPage: number, arch: number, hostPage: number, flags: number): void {
    if (this.arch[vpn] === 0 && this.count < TLB_LIST_MAX) this.list[this.count++] = vpn;
    else if (this.arch[vpn] === 0) this.count = TLB_LIST_MAX; // overflow marker: flush sweeps
    this.arch[vpn] = arch | TlbArch.V;
    this.gpa[vpn] = gpaPage;
    this.flags[vpn] = flags;
    this.host[vpn] = hostPage;
  }
}

/**
 * Access kinds for translate(): low bit write, then user (CPL 3 data access, not implicit), then
 * instruction fetch (not a data access: data breakpoints ignore it).
 */

/**
 * Walks the guest page tables for `lin` (32-bit paging, 4 KiB and 4 MiB pages; SDM Vol.3 4.3),
 * checks permissions, sets A/D bits, fills the TLB, and returns the guest-physical address.
 * Raises #PF with the architectural error code and CR2 on failure.
 */
export function walk(cpu: Cpu, lin: number, kind: number): number {
  const write = (kind & Xl.WRITE) !== 0, user = (kind & Xl.USER) !== 0;
  const vpn = lin >>> 12;
  const cached = cpu.tlb.arch[vpn];
  if (cached !== 0) {
    // An architectural entry that allows the access answers without a walk, as the processor's
    // TLB would; a write through an entry cached with D=0 walks to set D. An entry that does not
    // allow the access is walked again before any fault (no spurious faults from stale entries).
    const need = user ? (write ? TlbBit.WU : TlbBit.RU) : (write ? TlbBit.WS : TlbBit.RS);
    if ((cached & need) !== 0 && (!write || (cached & TlbArch.D) !== 0)) {
      const gpaPage = cpu.tlb.gpa[vpn];
      fill(cpu, vpn, gpaPage, cached);
      return gpaPage | (lin & 0xfff);
    }
  }
  if ((cpu.cr0 & Cr0.PG) === 0) {
    fill(cpu, vpn, lin & ~0xfff, TlbBit.RS | TlbBit.WS | TlbBit.RU | TlbBit.WU | TlbArch.D);
    return lin;
  }
  if ((cpu.cr4 & Cr4.PAE) !== 0) return walkPae(cpu, lin, kind);
  const pdeAddr = (cpu.cr3 & ~0xfff) | ((lin >>> 22) << 2);
  const pde = readPhys32(cpu, pdeAddr);
  const errBase = (write ? Pfec.W : 0) | (user ? Pfec.U : 0);
  if ((pde & Pte.P) === 0) raisePageFault(lin, errBase);
  let leaf: number, leafAddr: number, rw: number, us: number, frame: number;
  if ((pde & Pte.PS) !== 0 && (cpu.cr4 & Cr4.PSE) !== 0) {
    leaf = pde; leafAddr = pdeAddr;
    rw = pde & Pte.RW; us = pde & Pte.US;
    frame = (pde & 0xffc00000) | (lin & 0x3ff000);
    cpu.tlb.large[vpn >>> 10] = 1;
  } else {
    const pteAddr = (pde & ~0xfff) | (((lin >>> 12) & 0x3ff) << 2);
    const pte = readPhys32(cpu, pteAddr);
    if ((pte & Pte.P) === 0) raisePageFault(lin, errBase);
    // Permission checks below need the directory's bits too; A is set on the directory entry
    // only once the walk succeeds, as the SDM allows (4.8: A bits are set on successful walks).
    leaf = pte; leafAddr = pteAddr;
    rw = pde & pte & Pte.RW; us = pde & pte & Pte.US;
    frame = pte & ~0xfff;
    if (!checkPerm(cpu, rw, us, write, user)) raisePageFault(lin, errBase | Pfec.P);
    if ((pde & Pte.A) === 0) writePhys32(cpu, pdeAddr, pde | Pte.A);
  }
  if (!checkPerm(cpu, rw, us, write, user)) raisePageFault(lin, errBase | Pfec.P);
  let newLeaf = leaf | Pte.A;
  if (write) newLeaf |= Pte.D;
  if (newLeaf !== leaf) writePhys32(cpu, leafAddr, newLeaf);
  fill(cpu, vpn, frame, archBits(cpu, rw, us, newLeaf));
  return frame | (lin & 0xfff);
}

/** The architectural TLB bits (TlbBit permissions, TlbArch.D, G) of a successful walk's result. */
export function archBits(cpu: Cpu, rw: number, us: number, leaf: number): number {
  let a = TlbBit.RS;
  if (rw || (cpu.cr0 & Cr0.WP) === 0) a |= TlbBit.WS;
  if (us) { a |= TlbBit.RU; if (rw) a |= TlbBit.WU; }
  if ((leaf & Pte.D) !== 0) a |= TlbArch.D;
  if ((leaf & Pte.G) && (cpu.cr4 & Cr4.PGE)) a |= TlbBit.G;
  return a;
}

function checkPerm(cpu: Cpu, rw: number, us: number, write: boolean, user: boolean): boolean {
  if (user) return us !== 0 && (!write || rw !== 0);
  return !write || rw !== 0 || (cpu.cr0 & Cr0.WP) === 0;
}

/**
 * Records the architectural entry lin page → guest-physical page (`arch`: archBits) and derives
 * the fast-path permissions: writes only once D is set; none for pages without RAM behind them
 * (MMIO), pages with data breakpoints or debugger watches; reads only for ROM and cached code.
 */
export function fillTlb(cpu: Cpu, vpn: number, gpaPage: number, arch: number): void {
  fill(cpu, vpn, gpaPage, arch);
}
function fill(cpu: Cpu, vpn: number, gpaPage: number, arch: number): void {
  arch &= ~TlbArch.V;
  // The decoder's fetch page is a copy of a TLB entry: a refill of that page replaces it.
  if (cpu.fetchLin >>> 12 === vpn) cpu.fetchHost = -1;
  const h = cpu.phys.translate(gpaPage, ACC_READ);
  if (h < 0) { cpu.tlb.insert(vpn, gpaPage, arch, 0, 0); return; }
  // A page holding a data breakpoint stays on the slow path, where breakpoints are checked.
  if (cpu.dbgDataLive && pageHasDataBreakpoint(cpu, vpn)) { cpu.tlb.insert(vpn, gpaPage, arch, 0, 0); return; }
  if (cpu.accessWatch !== null && cpu.accessWatch.pageWatched(vpn)) { cpu.tlb.insert(vpn, gpaPage, arch, 0, 0); return; }
  let flags = arch & (TlbBit.RS | TlbBit.RU);
  if ((arch & TlbArch.D) !== 0) flags |= arch & (TlbBit.WS | TlbBit.WU);
  // A page whose writes go elsewhere (ROM) is cached for reads only.
  if ((flags & (TlbBit.WS | TlbBit.WU)) && cpu.phys.translate(gpaPage, ACC_WRITE) !== h) flags &= ~(TlbBit.WS | TlbBit.WU);
  if (cpu.mem.codePage[h >>> 12]) flags &= ~(TlbBit.WS | TlbBit.WU);
  if (flags & (TlbBit.WS | TlbBit.WU)) cpu.mem.dirty[h >>> 12] = 1;
  cpu.tlb.insert(vpn, gpaPage, arch, h, flags);
}

/** Guest-physical of `lin` for an access of the given kind, walking when the TLB cannot answer. */
export function linToPhys(cpu: Cpu, lin: number, kind: number): number {
  return walk(cpu, lin, kind);
}

/** A slow-path write to host byte `h`: marks the page dirty and drops cached code decoded from it. */
function noteWrite(cpu: Cpu, h: number): void {
  const p = h >>> 12;
  cpu.mem.dirty[p] = 1;
  if (cpu.mem.codePage[p]) { cpu.mem.codePage[p] = 0; cpu.mem.codeGen[p]++; }
}

// ---- physical access (page-table walks, VMX structures, DMA-like device access) ----

export function readPhys32(cpu: Cpu, gpa: number): number {
  const h = cpu.phys.translate(gpa, ACC_READ);
  if (h >= 0 && h + 4 <= cpu.mem.size) return cpu.mem.view.getInt32(h, true);
  return cpu.phys.mmioRead(gpa, 4) | 0;
}
export function writePhys32(cpu: Cpu, gpa: number, v: number): void {
  const h = cpu.phys.translate(gpa, ACC_WRITE);
  if (h >= 0 && h + 4 <= cpu.mem.size) { noteWrite(cpu, h); cpu.mem.view.setInt32(h, v, true); }
  else cpu.phys.mmioWrite(gpa, 4, v);
}
export function readPhys8(cpu: Cpu, gpa: number): number {
  const h = cpu.phys.translate(gpa, ACC_READ);
  return h >= 0 ? cpu.mem.bytes[h] : cpu.phys.mmioRead(gpa, 1) & 0xff;
}
export function writePhys8(cpu: Cpu, gpa: number, v: number): void {
  const h = cpu.phys.translate(gpa, ACC_WRITE);
  if (h >= 0) { noteWrite(cpu, h); cpu.mem.bytes[h] = v; } else cpu.phys.mmioWrite(gpa, 1, v & 0xff);
}

// ---- linear access at an explicit privilege (kind: XL_USER for CPL 3 data, 0 for supervisor/implicit) ----

function linByte(cpu: Cpu, lin: number, kind: number): number {
  const gpa = walk(cpu, lin, kind);
  return readPhys8(cpu, gpa);
}

/** Slow read of `size` bytes at `lin`: page crossing, MMIO, alignment check, TLB miss. */
export function readLinSlow(cpu: Cpu, lin: number, size: number, kind: number): number {
  alignCheck(cpu, lin, size, kind);
  if (cpu.dbgDataLive && (kind & Xl.FETCH) === 0) dataBreakpointAccess(cpu, lin, size, false);
  if (cpu.accessWatch !== null && (kind & Xl.FETCH) === 0) cpu.accessWatch.access(lin, size, false);
  const off = lin & 0xfff;
  if (off + size <= 4096) {
    const gpa = walk(cpu, lin, kind);
    const h = cpu.phys.translate(gpa, ACC_READ);
    if (h >= 0) {
      if (size === 1) return cpu.mem.bytes[h];
      if (size === 2) return cpu.mem.view.getUint16(h, true);
      return cpu.mem.view.getInt32(h, true);
    }
    const v = cpu.phys.mmioRead(gpa, size);
    return size === 4 ? v | 0 : v & ((1 << (size * 8)) - 1);
  }
  // Crosses a page: translate both pages, first page first (its fault wins, as on hardware),
  // before reading anything.
  walk(cpu, lin, kind);
  walk(cpu, (lin + size - 1) & ~0xfff, kind);
  let v = 0;
  for (let i = 0; i < size; i++) v |= linByte(cpu, (lin + i) | 0, kind) << (8 * i);
  return size === 4 ? v | 0 : v;
}

export function writeLinSlow(cpu: Cpu, lin: number, size: number, v: number, kind: number): void {
  alignCheck(cpu, lin, size, kind);
  if (cpu.dbgDataLive) dataBreakpointAccess(cpu, lin, size, true);
  if (cpu.accessWatch !== null) cpu.accessWatch.access(lin, size, true);
  const off = lin & 0xfff;
  const k = kind | Xl.WRITE;
  if (off + size <= 4096) {
    const gpa = walk(cpu, lin, k);
    const h = cpu.phys.translate(gpa, ACC_WRITE);
    if (h >= 0) {
      noteWrite(cpu, h);
      if (size === 1) cpu.mem.bytes[h] = v;
      else if (size === 2) cpu.mem.view.setUint16(h, v, true);
      else cpu.mem.view.setInt32(h, v, true);
      return;
    }
    cpu.phys.mmioWrite(gpa, size, size === 4 ? v | 0 : v & ((1 << (size * 8)) - 1));
    return;
  }
  walk(cpu, lin, k);
  walk(cpu, (lin + size - 1) & ~0xfff, k);
  for (let i = 0; i < size; i++) {
    const l = (lin + i) | 0;
    writePhys8(cpu, walk(cpu, l, k), (v >>> (8 * i)) & 0xff);
  }
}

/** Checks that a write of `size` bytes at `lin` would succeed (for read-modify-write and multi-part writes). */
export function probeWriteLin(cpu: Cpu, lin: number, size: number, kind: number): void {
  alignCheck(cpu, lin, size, kind);
  walk(cpu, lin, kind | Xl.WRITE);
  if ((lin & 0xfff) + size > 4096) walk(cpu, (lin + size - 1) & ~0xfff, kind | Xl.WRITE);
}

function alignCheck(cpu: Cpu, lin: number, size: number, kind: number): void {
  // #AC (SDM Vol.3 6.15 vector 17): CPL 3 data access, CR0.AM and EFLAGS.AC set, misaligned.
  if (cpu.alignCheckLive && (kind & Xl.USER) && (lin & (size - 1)) !== 0) raise(17, 0);
}

// ---- the fast paths used by instructions: segment-relative, at the current privilege ----

export function read8(cpu: Cpu, seg: number, off: number): number {
  if ((off >>> 0) > cpu.segLimR[seg]) segCheckSlow(cpu, seg, off, 1, false);
  const lin = (cpu.segBase[seg] + off) | 0;
  const vpn = lin >>> 12;
  if (cpu.tlb.flags[vpn] & cpu.accR) return cpu.mem.bytes[cpu.tlb.host[vpn] + (lin & 0xfff)];
  return readLinSlow(cpu, lin, 1, cpu.xlUser);
}
export function read16(cpu: Cpu, seg: number, off: number): number {
  if ((off >>> 0) + 1 > cpu.segLimR[seg]) segCheckSlow(cpu, seg, off, 2, false);
  const lin = (cpu.segBase[seg] + off) | 0;
  const vpn = lin >>> 12;
  if ((cpu.tlb.flags[vpn] & cpu.accR) && (lin & 0xfff) < 0xfff) return cpu.mem.view.getUint16(cpu.tlb.host[vpn] + (lin & 0xfff), true);
  return readLinSlow(cpu, lin, 2, cpu.xlUser);
}
export function read32(cpu: Cpu, seg: number, off: number): number {
  if ((off >>> 0) + 3 > cpu.segLimR[seg]) segCheckSlow(cpu, seg, off, 4, false);
  const lin = (cpu.segBase[seg] + off) | 0;
  const vpn = lin >>> 12;
  if ((cpu.tlb.flags[vpn] & cpu.accR) && (lin & 0xfff) < 0xffd) return cpu.mem.view.getInt32(cpu.tlb.host[vpn] + (lin & 0xfff), true);
  return readLinSlow(cpu, lin, 4, cpu.xlUser);
}
export function write8(cpu: Cpu, seg: number, off: number, v: number): void {
  if ((off >>> 0) > cpu.segLimW[seg]) segCheckSlow(cpu, seg, off, 1, true);
  const lin = (cpu.segBase[seg] + off) | 0;
  const vpn = lin >>> 12;
  if (cpu.tlb.flags[vpn] & cpu.accW) { cpu.mem.bytes[cpu.tlb.host[vpn] + (lin & 0xfff)] = v; return; }
  writeLinSlow(cpu, lin, 1, v, cpu.xlUser);
}
export function write16(cpu: Cpu, seg: number, off: number, v: number): void {
  if ((off >>> 0) + 1 > cpu.segLimW[seg]) segCheckSlow(cpu, seg, off, 2, true);
  const lin = (cpu.segBase[seg] + off) | 0;
  const vpn = lin >>> 12;
  if ((cpu.tlb.flags[vpn] & cpu.accW) && (lin & 0xfff) < 0xfff) { cpu.mem.view.setUint16(cpu.tlb.host[vpn] + (lin & 0xfff), v, true); return; }
  writeLinSlow(cpu, lin, 2, v, cpu.xlUser);
}
export function write32(cpu: Cpu, seg: number, off: number, v: number): void {
  if ((off >>> 0) + 3 > cpu.segLimW[seg]) segCheckSlow(cpu, seg, off, 4, true);
  const lin = (cpu.segBase[seg] + off) | 0;
  const vpn = lin >>> 12;
  if ((cpu.tlb.flags[vpn] & cpu.accW) && (lin & 0xfff) < 0xffd) { cpu.mem.view.setInt32(cpu.tlb.host[vpn] + (lin & 0xfff), v, true); return; }
  writeLinSlow(cpu, lin, 4, v, cpu.xlUser);
}

/**
 * Checks that `size` bytes at seg:off are writable (segment and paging) without writing:
 * read-modify-write instructions call this first so a fault leaves nothing half-done.
 */
export function probeWrite(cpu: Cpu, seg: number, off: number, size: number): void {
  if ((off >>> 0) + size - 1 > cpu.segLimW[seg]) segCheckSlow(cpu, seg, off, size, true);
  const lin = (cpu.segBase[seg] + off) | 0;
  const vpn = lin >>> 12;
  if ((cpu.tlb.flags[vpn] & cpu.accW) && (lin & 0xfff) + size <= 4096) return;
  probeWriteLin(cpu, lin, size, cpu.xlUser);
}

/** Linear address of seg:off after the segment check for an access of `size` bytes. */
export function linearOf(cpu: Cpu, seg: number, off: number, size: number, write: boolean): number {
  if ((off >>> 0) + size - 1 > (write ? cpu.segLimW[seg] : cpu.segLimR[seg])) segCheckSlow(cpu, seg, off, size, write);
  return (cpu.segBase[seg] + off) | 0;
}

/**
 * The full segment check (SDM Vol.3 5.3, 5.4): unusable segment, type, expand-down limits.
 * Returns when the access is allowed; raises #GP(0) or #SS(0) (for SS) otherwise.
 */
export function segCheckSlow(cpu: Cpu, seg: number, off: number, size: number, write: boolean): void {
  const attr = cpu.segAttr[seg];
  const vec = seg === Seg.SS ? Exc.SS : Exc.GP;
  if (attr & Desc.UNUSABLE) raise(vec, 0);
  const code = (attr & Desc.CODE) !== 0;
  if (write && (code || (attr & Desc.RW) === 0)) raise(vec, 0);
  if (!write && code && (attr & Desc.RW) === 0) raise(vec, 0);
  const o = off >>> 0, end = o + size - 1;
  const limit = cpu.segLimit[seg] >>> 0;
  if (!code && (attr & Desc.DC) !== 0) {
    // Expand-down: valid offsets are limit+1 .. 0xffff or 0xffffffff (by the B flag).
    const top = (attr & Desc.DB) ? 0xffffffff : 0xffff;
    if (o <= limit || end > top) raise(vec, 0);
    return;
  }
  if (end > limit) raise(vec, 0);
}
